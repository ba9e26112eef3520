"""Video files: one-line errors for bad files, frames and metadata of a good one, and atomic
writes (MP4 and images) that leave nothing behind on error, cancel or Ctrl-C."""

from __future__ import annotations

import os

import cv2
import numpy as np
import pytest

from engine.errors import InvalidInput
from engine.video.files import AtomicVideoWriter, open_video, write_image


def _frames(count: int, size=(96, 64)) -> list[np.ndarray]:
    """Frames that differ (a bar moving right), so a decoder cannot fake them."""
    frames = []
    for i in range(count):
        frame = np.full((size[1], size[0], 3), 40, np.uint8)
        frame[:, 8 * i:8 * i + 8] = (0, 200, 255)
        frames.append(frame)
    return frames


def _leftovers(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_written_video_reads_back(tmp_path):
    path = tmp_path / "clip.mp4"
    with AtomicVideoWriter(path, 10.0, (96, 64)) as writer:
        for frame in _frames(10):
            writer.write(frame)
        assert _leftovers(tmp_path) != ["clip.mp4"]  # still a temporary file while writing
    assert _leftovers(tmp_path) == ["clip.mp4"]
    with open_video(path) as video:
        assert video.fps == pytest.approx(10.0) and video.frame_count == 10 and video.size == (96, 64)
        frames = list(video)
    assert len(frames) == 10 and frames[0].shape == (64, 96, 3)
    centres = [np.nonzero(f[32, :, 2] > 128)[0].mean() for f in frames]  # the bright bar in each frame
    assert np.allclose(centres, [8 * i + 3.5 for i in range(10)], atol=1.5)


@pytest.mark.parametrize("stop", [KeyboardInterrupt, RuntimeError])
def test_interrupted_write_leaves_nothing(tmp_path, stop):
    with pytest.raises(stop):
        with AtomicVideoWriter(tmp_path / "clip.mp4", 10.0, (96, 64)) as writer:
            for frame in _frames(5):
                writer.write(frame)
            raise stop()
    assert _leftovers(tmp_path) == []


def test_cancel_and_bad_frames(tmp_path):
    writer = AtomicVideoWriter(tmp_path / "clip.mp4", 10.0, (96, 64))
    with pytest.raises(InvalidInput, match="does not fit a 96×64 video"):
        writer.write(np.zeros((10, 10, 3), np.uint8))
    writer.cancel()
    assert _leftovers(tmp_path) == []
    with pytest.raises(InvalidInput, match="no frames to write"):
        AtomicVideoWriter(tmp_path / "empty.mp4", 10.0, (96, 64)).close()
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("name,message", [("clip.avi", "valid extensions: .mp4"),
                                          ("missing/clip.mp4", "does not exist")])
def test_writer_rejects_bad_targets(tmp_path, name, message):
    with pytest.raises(InvalidInput, match=message):
        AtomicVideoWriter(tmp_path / name, 10.0, (96, 64))
    assert _leftovers(tmp_path) == []


def test_bad_video_files(tmp_path):
    (tmp_path / "empty.mp4").write_bytes(b"")
    (tmp_path / "noise.mp4").write_bytes(np.random.default_rng(0).bytes(20000))
    cases = {tmp_path / "absent.mp4": "does not exist", tmp_path: "is a directory",
             tmp_path / "empty.mp4": r"is empty \(0 bytes\)", tmp_path / "noise.mp4": "not a video OpenCV can read"}
    for path, message in cases.items():
        with pytest.raises(InvalidInput, match=message):
            open_video(path)


def test_write_image_is_atomic_and_picks_the_format(tmp_path):
    image = _frames(1)[0]
    write_image(tmp_path / "a.png", image)
    assert np.array_equal(cv2.imread(str(tmp_path / "a.png")), image)  # PNG: lossless
    write_image(tmp_path / "a.jpg", image)
    assert (tmp_path / "a.jpg").read_bytes()[:2] == b"\xff\xd8"  # the JPEG magic
    with pytest.raises(InvalidInput, match="cannot write an image as .txt; valid extensions: .png"):
        write_image(tmp_path / "a.txt", image)
    assert _leftovers(tmp_path) == ["a.jpg", "a.png"]
    assert oct(os.stat(tmp_path / "a.png").st_mode & 0o777) == "0o644"


def test_stopping_a_recording_with_no_frames_leaves_no_file_and_raises_nothing(tmp_path):
    """The Live page may stop right after pressing Record, before any frame was drawn."""
    from engine.video.files import AtomicVideoWriter
    from engine.video.pipeline import LivePipeline
    from tests.engine.test_video_pipeline import TinyClassifier

    pipeline = LivePipeline([TinyClassifier()])
    pipeline.start_recording(AtomicVideoWriter(tmp_path / "empty.mp4", 25, (64, 48)))
    pipeline.stop_recording()
    assert list(tmp_path.iterdir()) == []
