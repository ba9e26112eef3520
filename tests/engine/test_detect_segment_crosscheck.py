"""Two independent real models checking each other (issue 5): the TF person detector's box and
MediaPipe's selfie mask must agree on where the person is."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from engine import api
from tests.conftest import sample_image


@pytest.fixture(scope="module")
def models():
    return (api.build_model("ssdlite_mobilenet_v2_person", weights="default"),
            api.build_model("selfie_segmentation", weights="default"))


def _rgb(name: str) -> np.ndarray:
    image = sample_image(name)
    return np.repeat(image[..., None], 3, axis=2) if image.ndim == 2 else image


def _foreground(segmenter, image: np.ndarray) -> np.ndarray:
    small = cv2.resize(image, (256, 256), interpolation=cv2.INTER_AREA)
    x = torch.from_numpy(small).permute(2, 0, 1)[None].float() / 255
    with torch.no_grad():
        prob = segmenter(x)["out"][0, 0].numpy()
    return cv2.resize(prob, (image.shape[1], image.shape[0]), interpolation=cv2.INTER_LINEAR) > 0.5


def _person_box(detector, image: np.ndarray) -> tuple[int, int, int, int]:
    x = torch.from_numpy(image).permute(2, 0, 1).float() / 255
    with torch.no_grad():
        out = detector([x])[0]
    keep = out["scores"] > 0.5
    assert keep.sum() == 1, out["scores"][:5]
    x1, y1, x2, y2 = out["boxes"][keep][0].round().int().tolist()
    return max(x1, 0), max(y1, 0), x2, y2


@pytest.mark.parametrize("name,max_outside", [("camera", 0.10), ("astronaut", None)])
def test_selfie_foreground_fills_the_detected_person_box(models, name, max_outside):
    detector, segmenter = models
    image = _rgb(name)
    x1, y1, x2, y2 = _person_box(detector, image)
    fg = _foreground(segmenter, image)
    inside = np.zeros_like(fg)
    inside[y1:y2, x1:x2] = True
    assert fg[inside].mean() >= 0.5
    if max_outside is not None:
        assert fg[~inside].mean() < max_outside


@pytest.mark.parametrize("name", ["brick", "rocket"])
def test_no_foreground_without_people(models, name):
    _detector, segmenter = models
    assert _foreground(segmenter, _rgb(name)).mean() < 0.01
