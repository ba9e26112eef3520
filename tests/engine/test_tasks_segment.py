"""The segment runner: the real selfie segmenter behind the TaskRunner contract (mask at the
frame's size, coverage consistent with the mask), VOC segmenters with random weights, and the
three display modes."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from engine import paths
from engine.errors import InvalidInput
from engine.models import catalog
from engine.tasks import SegmentResult, TaskResult, make_runner
from engine.tasks.segment import draw_segmentation, label_colours
from tests.conftest import sample_image
from tests.engine.test_detection_person import ASTRONAUT_BY_EYE
from tests.engine.test_tasks_detect import runner_in, task_home  # noqa: F401 (fixture)


@pytest.fixture(scope="module")
def selfie(task_home):  # noqa: F811
    return runner_in(task_home, "segment", "selfie_segmentation")


@pytest.fixture(scope="module")
def astronaut_bgr():
    return cv2.cvtColor(sample_image("astronaut"), cv2.COLOR_RGB2BGR)


def _independent_foreground(model: torch.nn.Module, rgb: np.ndarray) -> np.ndarray:
    """The selfie convention written out directly on the model (as the detector/segmenter
    cross-check does): MediaPipe's bilinear resize to 256×256, [0, 1] RGB, bilinear back up,
    p > 0.5."""
    small = cv2.resize(rgb, (256, 256), interpolation=cv2.INTER_LINEAR)
    with torch.no_grad():
        prob = model(torch.from_numpy(small).permute(2, 0, 1)[None].float() / 255)["out"][0, 0].numpy()
    return cv2.resize(prob, (rgb.shape[1], rgb.shape[0]), interpolation=cv2.INTER_LINEAR) > 0.5


def test_selfie_mask_coverage_and_the_astronaut(selfie, astronaut_bgr):
    result = selfie.run(astronaut_bgr)
    assert isinstance(result, TaskResult) and not result.untrained
    assert result.kind == "foreground" and result.labels == ("background", "person")
    assert result.mask.shape == (512, 512) and result.probabilities.shape == (1, 256, 256)
    assert result.coverage["person"] == pytest.approx(result.mask.mean(), abs=1e-12)
    assert result.coverage["person"] + result.coverage["background"] == pytest.approx(1.0)
    x1, y1, x2, y2 = (int(v) for v in ASTRONAUT_BY_EYE)
    assert result.mask[y1:y2, x1:x2].mean() >= 0.5  # issue 5: at least half of her box is foreground
    reference = _independent_foreground(selfie.network, sample_image("astronaut"))
    assert (reference == result.mask.astype(bool)).mean() > 0.995  # only rounding at the 0.5 edge differs
    assert set(result.to_json()["coverage"]) == {"background", "person"}


@pytest.mark.parametrize("model", ["lraspp_mobilenet_v3_large",
                                   pytest.param("deeplabv3_mobilenet_v3_large", marks=pytest.mark.slow)])
def test_voc_models_with_random_weights(model):
    runner = make_runner("segment", model, None, threads=1)
    frame = np.random.default_rng(0).integers(0, 256, (120, 160, 3), dtype=np.uint8)
    result = runner.run(frame)
    voc = paths.labels("voc")
    assert len(voc) == 21 and result.labels == tuple(voc) and result.kind == "classes"
    assert result.untrained and result.to_json()["untrained"] is True
    assert result.mask.shape == (120, 160) and result.mask.dtype == np.uint8
    assert result.probabilities.shape == (21, 520, 693)  # torchvision's Resize(520): shorter side 520
    assert np.allclose(result.probabilities.sum(axis=0), 1.0, atol=1e-4)
    values, counts = np.unique(result.mask, return_counts=True)
    expected = dict.fromkeys(voc, 0.0) | {voc[v]: c / result.mask.size for v, c in zip(values, counts)}
    assert result.coverage == pytest.approx(expected)
    assert catalog.model_info(model).labels == "voc"


def test_draw_modes(selfie, astronaut_bgr):
    result = selfie.run(astronaut_bgr)
    original = selfie.draw(astronaut_bgr, result, mode="original")
    assert np.array_equal(original, astronaut_bgr) and original is not astronaut_bgr
    mask = selfie.draw(astronaut_bgr, result, mode="mask", legend=False)
    person = label_colours(result.labels)[1]
    assert tuple(person) == tuple(label_colours(paths.labels("voc"))[paths.labels("voc").index("person")])
    assert np.all(mask[result.mask == 1] == person) and not mask[result.mask == 0].any()
    clear = selfie.draw(astronaut_bgr, result, opacity=0.0, legend=False)
    assert np.array_equal(clear, astronaut_bgr)
    tinted = selfie.draw(astronaut_bgr, result, opacity=0.8, legend=False)
    change = np.abs(tinted.astype(int) - astronaut_bgr).max(axis=2)
    assert (change[result.mask == 1] > 0).mean() > 0.95  # soft edges: the tint follows the probability,
    assert change[result.mask == 0].mean() < 3 < 20 < change[result.mask == 1].mean()  # faint below 0.5
    with_legend = selfie.draw(astronaut_bgr, result, opacity=0.0)
    assert (with_legend != astronaut_bgr).any(axis=2)[:40, -200:].any()  # legend at the top-right
    with pytest.raises(InvalidInput, match="valid: overlay, mask, original"):
        selfie.draw(astronaut_bgr, result, mode="xray")
    with pytest.raises(InvalidInput, match="opacity 1.5 is out of range"):
        selfie.draw(astronaut_bgr, result, opacity=1.5)


def test_voc_overlay_tints_each_class_in_its_colour():
    labels = tuple(paths.labels("voc"))
    mask = np.zeros((60, 90), np.uint8)
    mask[10:30, 10:40] = labels.index("person")
    mask[35:55, 50:80] = labels.index("dog")
    frame = np.full((60, 90, 3), 100, np.uint8)
    from engine.tasks.base import StageTimes

    result = SegmentResult("test", None, (60, 90), StageTimes(0, 0, 0), "classes", labels, mask,
                           np.zeros((21, 1, 1), np.float32), {})
    drawn = draw_segmentation(frame, result, opacity=1.0, legend=False, show_untrained=False)
    colours = label_colours(labels)
    assert np.all(drawn[20, 20] == colours[labels.index("person")])
    assert np.all(drawn[45, 60] == colours[labels.index("dog")])
    assert np.all(drawn[5, 5] == 100)
    half = draw_segmentation(frame, result, opacity=0.5, legend=False, show_untrained=False)
    expected = np.round(0.5 * 100 + 0.5 * colours[labels.index("dog")].astype(float))
    assert np.allclose(half[45, 60], expected, atol=1)
    banner = draw_segmentation(frame, result, opacity=0.0, legend=False)  # untrained: weights None
    assert (banner != frame).any(axis=2)[-10:].any()


def test_selfie_tint_is_the_per_pixel_alpha_blend(selfie, astronaut_bgr):
    """The live overlay's one-colour shortcut against the blend written out in float:
    frame × (1 − w) + colour × w with w = p × opacity, p the probability at the frame's size."""
    result = selfie.run(astronaut_bgr)
    drawn = selfie.draw(astronaut_bgr, result, opacity=0.7, legend=False)
    weight = result.foreground().astype(np.float64)[..., None] / 255 * 0.7
    colour = label_colours(result.labels)[1].astype(np.float64)
    expected = astronaut_bgr * (1 - weight) + colour * weight
    assert np.abs(drawn - expected).max() <= 1.0  # uint8 rounding


def test_drawing_at_a_display_size_looks_like_the_full_drawing_shrunk(selfie, astronaut_bgr):
    """size= draws a big frame at its display size (the Segment page's path): the frame shrunk,
    the foreground upsampled from the network's output straight to that size. Compared with
    the full-size drawing shrunk afterwards by OpenCV's area interpolation."""
    result = selfie.run(astronaut_bgr)
    height, width = astronaut_bgr.shape[:2]
    size = (height // 2, width // 3)
    for mode in ("overlay", "mask", "original"):
        small = selfie.draw(astronaut_bgr, result, opacity=0.7, mode=mode, legend=False, size=size)
        full = selfie.draw(astronaut_bgr, result, opacity=0.7, mode=mode, legend=False)
        shrunk = cv2.resize(full, (size[1], size[0]), interpolation=cv2.INTER_AREA)
        assert small.shape == (*size, 3), mode
        difference = np.abs(small.astype(int) - shrunk.astype(int))
        assert difference.mean() < 2.0 and np.percentile(difference, 95) <= 6, mode
    same = selfie.draw(astronaut_bgr, result, opacity=0.7, legend=False, size=(height, width))
    assert np.array_equal(same, selfie.draw(astronaut_bgr, result, opacity=0.7, legend=False))


def test_preprocess_is_the_written_out_normalisation():
    """VOC segmenters: area resize down to the working size, RGB, (x − mean) / std per channel, as
    an independent numpy computation; the selfie model: bilinear 256×256 (MediaPipe), x / 255."""
    frame = np.random.default_rng(1).integers(0, 256, (600, 800, 3), dtype=np.uint8)
    voc = make_runner("segment", "lraspp_mobilenet_v3_large", None, threads=1)
    mean, std = np.array([0.485, 0.456, 0.406]), np.array([0.229, 0.224, 0.225])  # torchvision's ImageNet
    small = cv2.resize(frame, (693, 520), interpolation=cv2.INTER_AREA)[..., ::-1] / 255.0
    expected = ((small - mean) / std).transpose(2, 0, 1)[None]
    got = voc.preprocess(frame)
    assert got.shape == (1, 3, 520, 693) and got.dtype == torch.float32
    assert np.abs(got.numpy() - expected).max() < 1e-5
    selfie = make_runner("segment", "selfie_segmentation", None, threads=1)
    small = cv2.resize(frame, (256, 256), interpolation=cv2.INTER_LINEAR)[..., ::-1] / 255.0
    assert np.abs(selfie.preprocess(frame).numpy() - small.transpose(2, 0, 1)[None]).max() < 1e-6


def test_tint_touches_only_pixels_with_weight_and_is_the_float_blend():
    from engine.tasks import draw as overlay

    rng = np.random.default_rng(3)
    frame = rng.integers(0, 256, (700, 90, 3), dtype=np.uint8)  # taller than one blending strip
    alpha = np.zeros((700, 90), np.uint8)
    alpha[100:650, 20:60] = rng.integers(0, 256, (550, 40), dtype=np.uint8)
    colours = np.array([[0, 0, 0], [30, 200, 90]], np.uint8)
    tinted = overlay.tint(frame, colours[1], alpha, 0.6)
    weight = alpha.astype(np.float64)[..., None] / 255 * 0.6  # the blend written out in float
    expected = frame * (1 - weight) + colours[1].astype(np.float64) * weight
    assert np.abs(tinted - expected).max() <= 1.0  # uint8 rounding
    assert np.array_equal(tinted[alpha == 0], frame[alpha == 0])
    assert (tinted[alpha > 128] != frame[alpha > 128]).any(axis=1).mean() > 0.9
    assert np.array_equal(overlay.tint(frame, colours[1], np.zeros_like(alpha), 0.6), frame)


def test_preprocess_stage_apart_gives_the_same_result(selfie, astronaut_bgr):
    """`prepare` then `run_prepared` (the live pipeline prepares in its capture thread) is `run`:
    the same mask and alpha, and the preprocess time is the one the separate stage took."""
    whole = selfie.run(astronaut_bgr)
    prepared = selfie.prepare(astronaut_bgr)
    called: list[bool] = []
    staged = selfie.run_prepared(prepared, network_done=lambda: called.append(True))
    assert called == [True]
    assert np.array_equal(staged.mask, whole.mask) and np.array_equal(staged.alpha, whole.alpha)
    assert staged.timings.preprocess_ms == prepared.preprocess_ms > 0
    assert torch.equal(prepared.batch, selfie.preprocess(astronaut_bgr))


def test_live_pipeline_prepares_the_segmenters_frames_ahead(selfie):
    """The selfie lane gets the capture thread's prefetch (each result's preprocess time is the
    capture thread's stage) and its masks are what `run` makes of the same frames."""
    from engine.video.pipeline import LivePipeline
    from engine.video.sources import DemoSource

    import threading

    seen = []
    original = selfie.prepare
    selfie.prepare = lambda frame: seen.append((frame, threading.current_thread().name)) or original(frame)
    try:
        pipe = LivePipeline([selfie])
        pipe.start(DemoSource((320, 240)), pace="max")
        pipe.wait(inferred=3, seconds=20)
        assert pipe.stop()
    finally:
        del selfie.prepare
    latest, lane = pipe.latest(0), pipe.status().lanes[0]
    assert lane.inferred >= 3 and lane.failed == 0 and lane.captured == lane.inferred + lane.dropped
    assert "live-capture" in {name for frame, name in seen if frame is latest.frame.image}
    assert np.array_equal(latest.result.mask, selfie.run(latest.frame.image).mask)
