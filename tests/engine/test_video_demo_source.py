"""The demo source: the cached demo video (looping, named with its credit) when there is one
OpenCV decodes, else the slideshow, labelled with why. Tests never need the real vtest.avi: they
place small generated clips in an isolated cache, recorded as the fetcher records its files."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from engine.video.sources import DemoSource, DemoVideoSource, SourceSpec, open_source
from engine.weights import cache, manifest


def _cache_video(payload_writer) -> None:
    """A file in the cache where the demo video goes, with the sidecar a fetch writes."""
    entry = manifest.get("vtest")
    target = cache.converted_path(entry.name, entry.suffix)
    target.parent.mkdir(parents=True, exist_ok=True)
    payload_writer(target)
    cache.record(target, entry=entry.name, model="", converter=entry.converter, source_sha256=entry.sha256)


def _clip(path, frames: int = 4, size=(96, 64)) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, size)
    for i in range(frames):
        writer.write(np.full((size[1], size[0], 3), 50 * i, np.uint8))
    writer.release()


def test_without_the_video_the_slideshow_is_the_labelled_fallback():
    source = open_source("demo")
    assert isinstance(source, DemoSource)
    assert source.name.startswith("demo slideshow") and "weights fetch --demo" in source.name
    assert SourceSpec.parse("demo").describe() == "the demo slideshow"
    assert source.read().shape == (480, 640, 3)


def test_the_cached_video_plays_looping_and_names_its_source():
    _cache_video(_clip)
    source = open_source("demo")
    assert isinstance(source, DemoVideoSource)
    assert "vtest.avi" in source.name and "Apache-2.0" in source.name
    assert SourceSpec.parse("demo").describe() == "the demo video"
    means = [float(source.read().mean()) for _ in range(10)]  # 4 frames, read 10: it loops
    assert not source.ended and source.size == (96, 64)
    assert means[4] == pytest.approx(means[0], abs=3) and means[3] > means[0] + 100


def test_a_video_opencv_cannot_decode_falls_back_in_one_line():
    _cache_video(lambda path: path.write_bytes(b"RIFF" + bytes(4000)))  # hash-consistent, not a video
    source = open_source("demo")
    assert isinstance(source, DemoSource)
    assert "cannot decode video" in source.name and "showing the slideshow" in source.name
    assert "\n" not in source.name


def test_a_corrupt_cached_video_is_never_played():
    _cache_video(_clip)
    entry = manifest.get("vtest")
    path = cache.converted_path(entry.name, entry.suffix)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, one flipped byte: only the hash can tell
    path.write_bytes(bytes(data))
    source = open_source("demo")
    assert isinstance(source, DemoSource) and "the cached demo video is sha256" in source.name
    assert "weights fetch --demo" in source.name
