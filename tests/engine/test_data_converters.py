"""The converters of the two data files: the sample set out of the foolbox wheel, and the demo
video (kept as it is when OpenCV decodes it, transcoded to MJPEG once when it cannot)."""

from __future__ import annotations

import zipfile

import cv2
import numpy as np
import pytest

from engine.errors import InvalidInput
from engine.weights.converters.data_files import (
    convert_sample_set, convert_video, decodes, transcode_mjpeg,
)


def _wheel(path, count: int) -> None:
    ok, jpeg = cv2.imencode(".jpg", np.full((8, 8, 3), 90, np.uint8))
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("foolbox/__init__.py", "")
        for i in range(count):
            zf.writestr(f"foolbox/data/imagenet_{i:02d}_{i * 7}.jpg", jpeg.tobytes())
        zf.writestr("foolbox/data/cifar10_00_3.png", b"not ours")


def test_sample_set_takes_the_twenty_imagenet_photos(tmp_path):
    _wheel(tmp_path / "w.whl", 20)
    convert_sample_set(tmp_path / "w.whl", tmp_path / "set.zip")
    names = zipfile.ZipFile(tmp_path / "set.zip").namelist()
    assert len(names) == 20 and names[0] == "00_0.jpg" and names[19] == "19_133.jpg"
    again = tmp_path / "again.zip"
    convert_sample_set(tmp_path / "w.whl", again)
    assert again.read_bytes() == (tmp_path / "set.zip").read_bytes()  # same wheel, same bytes


def test_sample_set_with_the_wrong_count_is_refused(tmp_path):
    _wheel(tmp_path / "w.whl", 19)
    with pytest.raises(InvalidInput, match="holds 19 imagenet_NN_LABEL.jpg photos, expected 20"):
        convert_sample_set(tmp_path / "w.whl", tmp_path / "set.zip")


def _clip(path, frames=6, size=(64, 48), fourcc="MJPG"):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), 10, size)
    for i in range(frames):
        writer.write(np.full((size[1], size[0], 3), 30 * i, np.uint8))
    writer.release()


def test_a_decodable_video_is_kept_byte_for_byte(tmp_path):
    _clip(tmp_path / "in.avi")
    convert_video(tmp_path / "in.avi", tmp_path / "out.part")
    assert (tmp_path / "out.part").read_bytes() == (tmp_path / "in.avi").read_bytes()


def test_an_undecodable_video_is_refused_in_one_line(tmp_path, capsys):
    (tmp_path / "in.avi").write_bytes(b"RIFF" + bytes(2000))
    assert not decodes(tmp_path / "in.avi")
    with pytest.raises(InvalidInput) as err:
        convert_video(tmp_path / "in.avi", tmp_path / "out.part")
    assert "cannot decode in.avi" in str(err.value) and "\n" not in str(err.value)
    assert "transcoding it once" in capsys.readouterr().err


def test_transcode_keeps_every_frame_and_the_rate(tmp_path):
    _clip(tmp_path / "in.avi", frames=7)
    transcode_mjpeg(tmp_path / "in.avi", tmp_path / "out.avi")
    capture = cv2.VideoCapture(str(tmp_path / "out.avi"))
    frames = []
    while (got := capture.read())[0]:
        frames.append(got[1])
    assert len(frames) == 7 and capture.get(cv2.CAP_PROP_FPS) == pytest.approx(10)
    assert np.allclose([f.mean() for f in frames], [30 * i for i in range(7)], atol=3)  # MJPEG is lossy
