"""Reading images for classification: every odd file works or fails with one line (exit 2)."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from PIL import Image

from engine.cli import main
from engine.errors import InvalidInput
from engine.images import read_image


def test_exif_orientation_is_applied(tmp_path):
    rgb = np.zeros((20, 40, 3), np.uint8)
    rgb[:, :20] = 255  # left half white
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", exif=exif.tobytes())
    path = tmp_path / "rotated.jpg"
    path.write_bytes(buffer.getvalue())
    out = read_image(path)
    assert out.shape == (40, 20, 3)  # turned upright
    assert out[:20].mean() > 200 and out[20:].mean() < 50  # the left half is now on top


def test_rgb_order_alpha_grayscale_and_non_ascii_path(tmp_path):
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 0], rgba[..., 3] = 255, 10  # red, nearly transparent
    Image.fromarray(rgba, "RGBA").save(tmp_path / "rouge_é.png")
    out = read_image(tmp_path / "rouge_é.png")
    assert out.shape == (8, 8, 3) and out[0, 0].tolist() == [255, 0, 0]
    Image.fromarray(np.full((8, 8), 77, np.uint8), "L").save(tmp_path / "灰色.png")
    gray = read_image(tmp_path / "灰色.png")
    assert gray.shape == (8, 8, 3) and (gray == 77).all()


@pytest.mark.parametrize("kind", ["missing", "directory", "empty", "garbage"])
def test_bad_files_raise_one_line(tmp_path, kind):
    path = tmp_path / "x.jpg"
    if kind == "directory":
        path.mkdir()
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "garbage":
        path.write_bytes(b"\x89PNG\r\n\x1a\n but then nothing sensible")
    with pytest.raises(InvalidInput) as err:
        read_image(path)
    assert "\n" not in str(err.value) and str(path) in str(err.value)


@pytest.mark.parametrize("kind", ["missing", "directory", "empty", "garbage"])
def test_classify_cli_exits_2_with_one_line(tmp_path, capsys, kind):
    path = tmp_path / "x.png"
    if kind == "directory":
        path.mkdir()
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "garbage":
        path.write_bytes(b"not an image at all")
    assert main(["classify", str(path), "--random-weights"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err


def test_classify_cli_accepts_alpha_and_grayscale(tmp_path, capsys):
    rgba = np.random.default_rng(0).integers(0, 255, (50, 70, 4), dtype=np.uint8)
    cv2.imwrite(str(tmp_path / "alpha.png"), rgba)
    cv2.imwrite(str(tmp_path / "gray.png"), rgba[..., 0])
    assert main(["classify", str(tmp_path / "alpha.png"), str(tmp_path / "gray.png"),
                 "--random-weights", "--topk", "2"]) == 0
    out = capsys.readouterr().out
    assert "alpha.png" in out and "gray.png" in out
