"""The detectors' frame-to-input step on the live path against the tensor path the graph
comparisons use (tests/engine/test_detection_person.py checks that path against TensorFlow):
the compiled TF legacy resize must give the same float32 input bit for bit."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from engine.models.detection.transforms import ResizeNormalize, TfResizeScale


def _tensor(frame_bgr: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(cv2.cvtColor(frame_bgr, cv2.COLOR_BGR2RGB)).permute(2, 0, 1).float() / 255


@pytest.mark.parametrize("shape", [(480, 640), (301, 299), (17, 1000), (1000, 13), (150, 120), (1, 1)])
def test_tf_frame_path_equals_the_tensor_path_bit_for_bit(shape):
    frame = np.random.default_rng(sum(shape)).integers(0, 256, shape + (3,), dtype=np.uint8)
    transform = TfResizeScale(300)
    expected = transform.prepare(_tensor(frame), resize=True)
    got = transform.prepare_frame(frame)
    assert got.shape == (3, 300, 300) and got.dtype == torch.float32
    assert torch.equal(got, expected)
    assert float(got.min()) >= -1.0 and float(got.max()) <= 1.0


def test_frame_at_the_network_size_is_only_scaled():
    frame = np.random.default_rng(0).integers(0, 256, (300, 300, 3), dtype=np.uint8)
    got = TfResizeScale(300).prepare_frame(frame)
    assert torch.allclose(got, _tensor(frame) * 2 - 1, atol=1e-6)


def test_from_frame_batches_one_image_like_forward():
    frame = np.random.default_rng(2).integers(0, 256, (240, 320, 3), dtype=np.uint8)
    for transform in (TfResizeScale(300), ResizeNormalize(320, (0.5, 0.5, 0.5), (0.5, 0.5, 0.5))):
        batch = transform.from_frame(frame)
        reference, _ = transform([_tensor(frame)])
        assert batch.image_sizes == reference.image_sizes
        assert torch.allclose(batch.tensors, reference.tensors, atol=1e-6)
