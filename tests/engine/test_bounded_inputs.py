"""Bounded inputs (issue 18): an image header claiming 50000×50000, /dev/zero, a named pipe, a
video that ends early, kernel sizes that cannot fit in memory, NaN/inf in any float option and a
negative warm-up are one line each, before any memory is spent."""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

from engine.cli import build_parser, main
from engine.errors import InvalidInput
from engine.images import MAX_PIXELS_ENV, read_image


def png_claiming(width: int, height: int) -> bytes:
    """A tiny valid-looking PNG whose header claims width×height (one row of data follows)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(1 + 3 * width)))
            + chunk(b"IEND", b""))


def one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err


@pytest.mark.parametrize("argv", [
    ["classify", "{img}", "--random-weights"],
    ["detect", "{img}", "--random-weights"],
    ["segment", "{img}", "--random-weights"],
    ["evaluate", "{dir}", "--random-weights", "--no-save"],
])
def test_a_header_claiming_50000_squared_is_refused_before_decoding(tmp_path, argv, capsys):
    (tmp_path / "0").mkdir()
    for path in (tmp_path / "big.png", tmp_path / "0" / "big.png"):
        path.write_bytes(png_claiming(50000, 50000))
    assert len(png_claiming(50000, 50000)) < 300_000
    assert main([a.format(img=tmp_path / "big.png", dir=tmp_path) for a in argv]) == 2
    assert "2500000000 pixels; the limit is 100 MP" in one_line(capsys)


def test_the_pixel_limit_is_configurable_and_names_the_size(tmp_path, monkeypatch):
    image = tmp_path / "real.png"
    cv2.imwrite(str(image), np.zeros((300, 400, 3), np.uint8))  # a real, decodable 0.12 MP image
    assert read_image(image).shape == (300, 400, 3)
    monkeypatch.setenv(MAX_PIXELS_ENV, "0.1")
    with pytest.raises(InvalidInput, match=r"is 400×300 \(0 MP\); the limit is 0.1 MP"):
        read_image(image)
    monkeypatch.setenv(MAX_PIXELS_ENV, "nan")
    with pytest.raises(InvalidInput, match="MOBILENET_STUDIO_MAX_MEGAPIXELS='nan' is not valid"):
        read_image(image)


def test_dev_zero_and_a_named_pipe_are_one_line(tmp_path, capsys):
    assert main(["classify", "/dev/zero", "--random-weights"]) == 2
    assert "/dev/zero is a device, not a regular file" in one_line(capsys)
    pipe = tmp_path / "p.png"
    os.mkfifo(pipe)  # nobody writes to it: reading it would wait forever
    assert main(["classify", str(pipe), "--random-weights"]) == 2
    assert "is a named pipe, not a regular file" in one_line(capsys)
    assert main(["detect", str(tmp_path / "p.png"), "--random-weights"]) == 2
    assert "is a named pipe" in one_line(capsys)


def short_avi(path: Path, declared: int = 60, kept: int = 20) -> None:
    """An MJPG AVI whose header declares `declared` frames, cut after `kept` of them."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (160, 120))
    for i in range(declared):
        writer.write(np.full((120, 160, 3), i * 4, np.uint8))
    writer.release()
    data = path.read_bytes()
    starts = [i for i in range(len(data) - 4) if data[i:i + 4] == b"00dc"]  # one chunk per frame
    path.write_bytes(data[:starts[kept]])


def test_a_video_that_ends_early_says_how_many_frames_it_had_and_were_read(tmp_path, capsys):
    video = tmp_path / "short.avi"
    short_avi(video)
    capture = cv2.VideoCapture(str(video))
    declared = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    read = 0
    while capture.read()[0]:
        read += 1
    capture.release()
    assert declared == 60 and read < declared  # what OpenCV itself sees in the file
    assert main(["detect", str(video), "--random-weights", "--out", str(tmp_path / "o.mp4")]) == 0
    err = capsys.readouterr().err
    assert f"declares 60 frames but only {read} could be read" in err
    written = cv2.VideoCapture(str(tmp_path / "o.mp4"))
    assert int(written.get(cv2.CAP_PROP_FRAME_COUNT)) == read


@pytest.mark.parametrize("argv,message", [
    (["kernels", "separable", "--layer", "3", "100000", "100000", "100000"], "M 100000 is out of range"),
    (["kernels", "separable", "--layer", "3", "8192", "8192", "1024"], "GB of tensors to time"),
    (["kernels", "symconv", "--grid", "100000", "100000"], "grid NY 100000 is out of range; valid: 8 to 4096"),
    (["kernels", "symconv", "--frequency", "nan"], "argument --frequency: nan is not a finite number"),
    (["kernels", "symconv", "--frequency", "1e6", "--grid", "64", "64"], "frequency 1e+06 Hz is out of range"),
    (["sweep", "--warmup", "-5", "--models", "mobilenet_v3_small", "--widths", "0.35", "--resolutions", "96"],
     "warmup -5 is out of range"),
    (["profile", "mobilenet_v3_small", "--width", "inf"], "argument --width: inf is not a finite number"),
])
def test_sizes_that_cannot_fit_and_non_finite_numbers_are_one_line(argv, message, capsys):
    assert main(argv) == 2
    assert message in one_line(capsys)


def float_options() -> list[tuple[list[str], str]]:
    """Every float option of every subcommand, found by walking the parser (so a new one is covered)."""
    found = []

    def walk(parser, prefix):
        for action in parser._actions:
            if getattr(action, "choices", None) and isinstance(action.choices, dict):
                for name, sub in action.choices.items():
                    walk(sub, prefix + [name])
            elif action.type is not None and getattr(action.type, "__name__", "") == "float" and action.option_strings:
                found.append((prefix, action.option_strings[-1]))
    walk(build_parser(), [])
    return found


def test_every_float_option_refuses_nan_and_infinity_by_name(capsys):
    options = float_options()
    assert len(options) >= 10
    for prefix, option in options:
        parser_argv = prefix + [option, "nan"]
        with pytest.raises(Exception) as info:
            build_parser().parse_args(parser_argv)
        assert f"argument {option}" in str(info.value) and "nan is not a finite number" in str(info.value)
