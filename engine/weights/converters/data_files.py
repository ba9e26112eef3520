"""Converters for the two data files the manifest lists beside weights:

- `sample-set`: the foolbox wheel -> a zip of its 20 ImageNet-labelled photos
  (`foolbox/data/imagenet_NN_LABEL.jpg`, stored as `NN_LABEL.jpg`), read by engine.tasks.samples;
- `video`: OpenCV's vtest.avi, kept as it is once OpenCV here decodes its first frames (the
  check the issue asks for: a build that cannot decode MS-MPEG4v3 gets an MJPEG transcode,
  made once here, instead of a file it cannot play).
"""

from __future__ import annotations

import re
import shutil
import sys
import zipfile
from pathlib import Path

from engine.errors import InvalidInput
from engine.weights.convert import register_converter

SAMPLE = re.compile(r"^foolbox/data/imagenet_(\d+)_(\d+)\.jpg$")
SAMPLE_COUNT = 20


@register_converter("sample-set")
def convert_sample_set(src_wheel: Path, dst_zip: Path) -> None:
    with zipfile.ZipFile(src_wheel) as wheel:
        members = sorted(n for n in wheel.namelist() if SAMPLE.match(n))
        if len(members) != SAMPLE_COUNT:
            raise InvalidInput(f"{src_wheel.name} holds {len(members)} imagenet_NN_LABEL.jpg photos, "
                               f"expected {SAMPLE_COUNT}")
        with zipfile.ZipFile(dst_zip, "w", compression=zipfile.ZIP_STORED) as out:
            for name in members:
                index, label = SAMPLE.match(name).groups()
                stamp = zipfile.ZipInfo(f"{int(index):02d}_{int(label)}.jpg", date_time=(1980, 1, 1, 0, 0, 0))
                out.writestr(stamp, wheel.read(name))  # fixed dates: the same wheel gives the same bytes


def decodes(path: Path, frames: int = 3) -> bool:
    """Does this machine's OpenCV read the first frames of a video file?"""
    import cv2

    capture = cv2.VideoCapture(str(path))
    try:
        return capture.isOpened() and all(capture.read()[0] for _ in range(frames))
    finally:
        capture.release()


def transcode_mjpeg(src: Path, dst: Path) -> None:
    """Rewrite a video as MJPEG in AVI (which every OpenCV build reads), keeping its frame rate."""
    import cv2

    capture = cv2.VideoCapture(str(src))
    fps = capture.get(cv2.CAP_PROP_FPS) or 10.0
    ok, frame = capture.read()
    if not ok:
        raise InvalidInput(f"OpenCV cannot decode {src.name} on this machine, not even to transcode it")
    height, width = frame.shape[:2]
    writer = cv2.VideoWriter(str(dst), cv2.VideoWriter_fourcc(*"MJPG"), fps, (width, height))
    try:
        while ok:
            writer.write(frame)
            ok, frame = capture.read()
    finally:
        writer.release()
        capture.release()


@register_converter("video")
def convert_video(src: Path, dst: Path) -> None:
    if decodes(src):
        shutil.copyfile(src, dst)
        return
    print(f"note: OpenCV on this machine cannot decode {src.name} (MS-MPEG4v3); transcoding it once to MJPEG",
          file=sys.stderr)
    transcode_mjpeg(src, dst.with_suffix(".mjpeg.avi"))
    shutil.move(dst.with_suffix(".mjpeg.avi"), dst)
