"""`detect` and `segment` on the command line: the astronaut through the JSON output, videos in
and MP4s out, and every bad input of issue 4 (exit status, one line on stderr, no --out file
and no temporary file left behind)."""

from __future__ import annotations

import json
import re

import cv2
import numpy as np
import pytest

from engine import api
from engine.cli import main
from tests.conftest import sample_image
from tests.engine.test_detection_person import ASTRONAUT_BY_EYE
from tests.engine.test_tasks_detect import task_home, task_weights  # noqa: F401 (fixtures)

TASKS = ("detect", "segment")


def _cli(capfd, *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--threads", "1"])
    out, err = capfd.readouterr()  # file-descriptor level: FFmpeg's own messages would show here
    return code, out, err


def _astronaut_bgr() -> np.ndarray:
    return cv2.cvtColor(sample_image("astronaut"), cv2.COLOR_RGB2BGR)


@pytest.fixture
def folders(tmp_path):
    inputs, outputs = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    outputs.mkdir()
    return inputs, outputs


def test_detect_json_finds_the_astronaut(task_weights, folders, capfd):  # noqa: F811
    inputs, outputs = folders
    cv2.imwrite(str(inputs / "astronaut.png"), _astronaut_bgr())
    code, out, err = _cli(capfd, "detect", str(inputs / "astronaut.png"), "--json", "--out", str(outputs / "a.jpg"))
    assert code == 0, err
    doc = json.loads(out)
    assert doc["model"] == "ssdlite_mobilenet_v2_person" and not doc["untrained"] and doc["score_threshold"] == 0.5
    assert [d["name"] for d in doc["detections"]] == ["person"] and doc["detections"][0]["score"] > 0.5
    x1, y1, x2, y2 = doc["detections"][0]["box"]
    bx1, by1, bx2, by2 = ASTRONAUT_BY_EYE
    inter = max(0, min(x2, bx2) - max(x1, bx1)) * max(0, min(y2, by2) - max(y1, by1))
    assert inter / ((x2 - x1) * (y2 - y1) + (bx2 - bx1) * (by2 - by1) - inter) > 0.7
    assert set(doc["timings_ms"]) == {"preprocess", "inference", "postprocess"}
    # no --path: the measured default (never the eager reference), named in the output
    assert doc["path"] == api.default_path(doc["model"], threads=1) and doc["path"] != "reference"
    assert [p.name for p in outputs.iterdir()] == ["a.jpg"]
    assert cv2.imread(str(outputs / "a.jpg")).shape == (512, 512, 3)


def test_segment_text_output(task_weights, folders, capfd):  # noqa: F811
    inputs, _ = folders
    cv2.imwrite(str(inputs / "astronaut.jpg"), _astronaut_bgr())
    code, out, err = _cli(capfd, "segment", str(inputs / "astronaut.jpg"))
    assert code == 0, err
    assert "selfie_segmentation" in out and "person" in out and "inference" in out
    assert f"({api.default_path('selfie_segmentation', threads=1)} path)" in out


def _write_clip(path, frames: int = 10) -> None:
    image = cv2.resize(_astronaut_bgr(), (160, 160), interpolation=cv2.INTER_AREA)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10.0, (160, 160))
    for _ in range(frames):
        writer.write(image)
    writer.release()


@pytest.mark.parametrize("task", TASKS)
def test_video_in_mp4_out(task, task_weights, folders, capfd):  # noqa: F811
    inputs, outputs = folders
    _write_clip(inputs / "clip.mp4")
    code, out, err = _cli(capfd, task, str(inputs / "clip.mp4"), "--out", str(outputs / "x.mp4"), "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["frames"] == 10 and len(doc["per_frame"]) == 10 and doc["fps"] == pytest.approx(10.0)
    assert set(doc["median_ms"]) == {"preprocess", "inference", "postprocess", "total"}
    assert "10/10 frames" in err  # the progress line
    if task == "detect":
        assert all(len(f["detections"]) == 1 for f in doc["per_frame"])
    else:
        assert all(f["coverage"]["person"] > 0.3 for f in doc["per_frame"])
    assert [p.name for p in outputs.iterdir()] == ["x.mp4"]
    capture = cv2.VideoCapture(str(outputs / "x.mp4"))
    count = 0
    while capture.read()[0]:
        count += 1
    capture.release()
    assert count == 10


BAD = {
    "unreadable image": ("garbage.png", lambda p: p.write_bytes(b"not a png at all" * 20), "not an image"),
    "directory": ("folder", lambda p: p.mkdir(), "is a directory"),
    "zero-byte image": ("empty.jpg", lambda p: p.write_bytes(b""), r"is empty \(0 bytes\)"),
    "zero-byte video": ("empty.mp4", lambda p: p.write_bytes(b""), r"is empty \(0 bytes\)"),
    "corrupt video": ("noise.mp4", lambda p: p.write_bytes(np.random.default_rng(1).bytes(30000)),
                      "not a video OpenCV can read"),
    "missing file": ("absent.png", lambda p: None, "does not exist"),
}


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("case", list(BAD))
def test_bad_inputs_fail_with_one_line(task, case, folders, capfd):
    inputs, outputs = folders
    name, make, message = BAD[case]
    make(inputs / name)
    out_file = outputs / ("x.mp4" if name.endswith(".mp4") else "x.png")
    code, out, err = _cli(capfd, task, str(inputs / name), "--out", str(out_file))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: ")
    assert re.search(message, err), err
    assert list(outputs.iterdir()) == []


@pytest.mark.parametrize("task", TASKS)
def test_bad_out_extension(task, folders, capfd):
    inputs, outputs = folders
    cv2.imwrite(str(inputs / "a.png"), _astronaut_bgr())
    _write_clip(inputs / "clip.mp4", frames=2)
    for source, target, valid in (("a.png", "x.txt", ".png"), ("clip.mp4", "x.png", ".mp4")):
        code, _, err = _cli(capfd, task, str(inputs / source), "--out", str(outputs / target))
        assert code == 2 and len(err.strip().splitlines()) == 1 and f"valid extensions: {valid}" in err
    assert list(outputs.iterdir()) == []


def _alpha_png(path) -> None:
    bgra = cv2.cvtColor(_astronaut_bgr(), cv2.COLOR_BGR2BGRA)
    bgra[:, :256, 3] = 0  # half transparent
    cv2.imwrite(str(path), bgra)


def _grayscale(path) -> None:
    cv2.imwrite(str(path), sample_image("camera"))


def _huge(path) -> None:
    """10000×10000: read at full size, downscaled inside the runner, results in its own pixels."""
    big = cv2.resize(_astronaut_bgr(), (10000, 10000), interpolation=cv2.INTER_NEAREST)
    cv2.imwrite(str(path), big, [cv2.IMWRITE_JPEG_QUALITY, 60])


CONVERTED = {"alpha PNG": ("alpha.png", _alpha_png, (512, 512)),
             "grayscale": ("camera.png", _grayscale, (512, 512)),
             "10000×10000": ("huge.jpg", _huge, (10000, 10000))}


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("case", [pytest.param(c, marks=pytest.mark.slow) if c.startswith("10000") else c
                                  for c in CONVERTED])
def test_awkward_images_work(task, case, task_weights, folders, capfd):  # noqa: F811
    inputs, outputs = folders
    name, make, size = CONVERTED[case]
    make(inputs / name)
    code, out, err = _cli(capfd, task, str(inputs / name), "--json", "--out", str(outputs / "x.jpg"))
    assert code == 0, err
    doc = json.loads(out)
    assert doc["frame_size"] == list(size)
    if task == "detect":  # the astronaut and the cameraman are people (alpha is dropped, colours kept)
        assert [d["name"] for d in doc["detections"]] == ["person"]
    if task == "detect" and case == "10000×10000":
        assert min(doc["detections"][0]["box"][2:]) > 5000  # in the big image's pixels
    assert [p.name for p in outputs.iterdir()] == ["x.jpg"]
    assert cv2.imread(str(outputs / "x.jpg")).shape[:2] == size
