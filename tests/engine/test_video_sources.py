"""Frame sources: the demo clip's frames, and each source's clear errors."""

import cv2
import numpy as np
import pytest

from engine.errors import InvalidInput
from engine.video.demo import clip_length, demo_frame
from engine.video.sources import (DemoSource, ImageFolderSource, SourceError, VideoFileSource, WarmUp,
                                  WebcamSource, open_source)
from tests.conftest import sample_image


def _cover_crop(rgb: np.ndarray, size=(640, 480)) -> np.ndarray:
    """The photo scaled to cover `size` and centre-cropped, computed independently of the demo code."""
    h, w = rgb.shape[:2]
    scale = max(size[0] / w, size[1] / h)
    resized = cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    top, left = (resized.shape[0] - size[1]) // 2, (resized.shape[1] - size[0]) // 2
    return resized[top:top + size[1], left:left + size[0]]


def test_demo_frames_are_deterministic_and_move():
    a, b = demo_frame(37), demo_frame(37)
    assert a.shape == (480, 640, 3) and a.dtype == np.uint8
    assert np.array_equal(a, b)
    assert not np.array_equal(demo_frame(37), demo_frame(60))  # the camera pans/zooms
    assert np.array_equal(demo_frame(5), demo_frame(5 + clip_length(30.0)))  # it loops


def test_demo_first_frame_is_the_astronaut_photo():
    expected = cv2.cvtColor(_cover_crop(sample_image("astronaut")), cv2.COLOR_RGB2BGR).astype(np.float32)
    frame = demo_frame(0).astype(np.float32)
    corr = np.corrcoef(frame.ravel(), expected.ravel())[0, 1]
    assert corr > 0.95
    other = cv2.cvtColor(_cover_crop(sample_image("chelsea")), cv2.COLOR_RGB2BGR).astype(np.float32)
    assert np.corrcoef(frame.ravel(), other.ravel())[0, 1] < 0.5


def test_demo_source_reads_the_clip_and_ends_without_loop():
    source = DemoSource(size=(160, 120), fps=2, loop=False)
    frames = []
    while (frame := source.read()) is not None:
        frames.append(frame)
    assert source.ended and len(frames) == clip_length(2)
    assert np.array_equal(frames[3], demo_frame(3, (160, 120), 2))


def test_nonexistent_webcam_says_no_camera_and_offers_the_demo():
    with pytest.raises(SourceError, match="no camera at index 99.*demo"):
        WebcamSource(99)
    with pytest.raises(SourceError, match="no camera"):
        open_source("webcam:99")


def test_warm_up_skips_empty_and_black_frames_then_declares_a_dead_camera():
    now = [0.0]
    warm = WarmUp(2.0, clock=lambda: now[0])
    black, real = np.zeros((4, 4, 3), np.uint8), np.full((4, 4, 3), 80, np.uint8)
    assert warm.check(None) == "skip"
    assert warm.check(black) == "skip"
    assert warm.check(real) == "frame"
    now[0] = 5.0
    assert warm.check(None) == "skip"  # it delivered before: a gap, not a dead camera
    dead = WarmUp(2.0, clock=lambda: now[0])
    now[0] = 7.5
    assert dead.check(None) == "dead"


def _write_video(path, frames=5, size=(64, 48)):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, size)
    for i in range(frames):
        writer.write(np.full((size[1], size[0], 3), 40 * i, np.uint8))
    writer.release()


def test_video_file_ends_or_loops(tmp_path):
    path = tmp_path / "clip.avi"
    _write_video(path)
    source = VideoFileSource(path)
    count = 0
    while source.read() is not None:
        count += 1
    assert count == 5 and source.ended
    looping = VideoFileSource(path, loop=True)
    means = [looping.read().mean() for _ in range(12)]
    assert not looping.ended
    assert means[5] == pytest.approx(means[0], abs=3) and means[6] == pytest.approx(means[1], abs=3)


def test_missing_and_corrupt_video_files(tmp_path):
    with pytest.raises(SourceError, match="no such video file"):
        VideoFileSource(tmp_path / "nope.mp4")
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40)
    with pytest.raises(SourceError, match="cannot decode video"):
        VideoFileSource(corrupt)


def test_image_folder_in_name_order_and_empty_folder(tmp_path):
    for i in (2, 0, 1):
        cv2.imwrite(str(tmp_path / f"img{i}.png"), np.full((8, 8, 3), 50 * i, np.uint8))
    (tmp_path / "notes.txt").write_text("not an image")
    source = ImageFolderSource(tmp_path)
    assert [source.read()[0, 0, 0] for _ in range(3)] == [0, 50, 100]
    assert source.read() is None and source.ended
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SourceError, match="no images in"):
        ImageFolderSource(empty)


def test_open_source_specs(tmp_path):
    assert isinstance(open_source("demo"), DemoSource)
    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((8, 8, 3), np.uint8))
    assert isinstance(open_source(str(tmp_path)), ImageFolderSource)
    _write_video(tmp_path / "v.avi")
    assert isinstance(open_source(str(tmp_path / "v.avi")), VideoFileSource)
    for bad in ("webcam:x", "no/such/thing.mp4"):
        with pytest.raises(InvalidInput, match="valid sources: demo, webcam:N"):
            open_source(bad)


def test_a_parsed_spec_is_the_plain_data_the_gui_builds(tmp_path):
    """The CLI's --source text and the GUI's picker meet in one SourceSpec, whose open() is the
    one source factory; a spec without a path or of an unknown kind fails in one line."""
    from engine.video.sources import SourceKind, SourceSpec

    assert SourceSpec.parse("demo", size=(320, 240)) == SourceSpec("demo", demo_size=(320, 240))
    assert SourceSpec.parse("webcam:3", backend="v4l2", size=(640, 480)) == SourceSpec(
        "webcam", camera=3, backend="v4l2", capture_size=(640, 480))
    _write_video(tmp_path / "v.avi")
    spec = SourceSpec.parse(str(tmp_path / "v.avi"), loop=True)
    assert spec.kind is SourceKind.FILE and spec.loop and spec.describe() == "v.avi"
    opened = spec.open()
    assert isinstance(opened, VideoFileSource) and opened.loop
    opened.close()
    demo = SourceSpec("demo", demo_size=(160, 120)).open()
    assert demo.read().shape == (120, 160, 3)
    with pytest.raises(SourceError, match="no video file chosen"):
        SourceSpec("file").open()
    with pytest.raises(SourceError, match="unknown source kind 'tv'; valid: demo, webcam, file, folder"):
        SourceSpec("tv")
