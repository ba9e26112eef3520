"""`save_evaluation`: the one way an evaluation reaches the results database (the CLI's `evaluate`
and the Classify page). What it stores is read back independently, the trade-off point of that
configuration then carries the measured top-1, and untrained weights or an inexact path store
nothing."""

from __future__ import annotations

import cv2
import pytest
import torch

from engine import api
from engine.models import catalog
from engine.results import ResultsDB
from engine.tradeoffs.points import tradeoff_points
from tests.conftest import sample_image

MODEL = "mobilenet_v3_small"


@pytest.fixture
def classifier(tmp_path):
    """A trained-looking classifier (a checkpoint file, so not 'untrained') and a one-class folder."""
    torch.manual_seed(0)
    torch.save(catalog.build(MODEL).state_dict(), tmp_path / "ckpt.pth")
    folder = tmp_path / "mini-val"
    for label, name in ((281, "chelsea"), (985, "coffee")):
        (folder / str(label)).mkdir(parents=True)
        cv2.imwrite(str(folder / str(label) / f"{name}.png"), cv2.cvtColor(sample_image(name), cv2.COLOR_RGB2BGR))
    return api.load_classifier(MODEL, str(tmp_path / "ckpt.pth"), threads=1), folder


def test_an_evaluation_is_stored_and_becomes_the_points_accuracy(classifier):
    clf, folder = classifier
    result = api.evaluate_folder(clf, folder)
    record = api.save_evaluation(clf, result, "mini-val")
    with ResultsDB() as db:
        (stored,) = db.accuracies()
    size = api.model_info(MODEL).input.size
    assert (stored.model, stored.width, stored.resolution, stored.dataset, stored.n) == (MODEL, 1.0, size, "mini-val", 2)
    assert (stored.top1, stored.top5, stored.weights) == (result.top1, result.top5, str(clf.weights))
    assert stored.uuid == record.uuid

    profile = api.profile_model(MODEL, resolution=size, repeats=3, threads=1, per_layer=False)
    with ResultsDB() as db:
        db.save_run(profile)
        (point,) = tradeoff_points(db, path=profile.path)
    assert point.accuracy_measured and point.accuracy == pytest.approx(100 * result.top1)
    assert point.latency_ms == profile.total_ms.median and "mini-val (2 images)" in point.accuracy_source


def test_random_weights_store_nothing(tmp_path):
    clf = api.load_classifier(MODEL, None, threads=1)
    folder = tmp_path / "281"
    folder.mkdir()
    cv2.imwrite(str(folder / "cat.png"), cv2.cvtColor(sample_image("chelsea"), cv2.COLOR_RGB2BGR))
    assert clf.untrained
    assert api.save_evaluation(clf, api.evaluate_folder(clf, tmp_path), "random") is None
    with ResultsDB() as db:
        assert db.accuracies() == []


def test_an_inexact_paths_accuracy_is_not_taken_for_the_models(classifier):
    clf, folder = classifier
    inexact = [s.name for s in api.path_statuses() if not s.exact and s.available and s.name in ("int8", "bf16")]
    if not inexact:
        pytest.skip("no inexact inference path (int8, bf16) is available on this machine")
    clf.use_path(inexact[0])
    assert api.save_evaluation(clf, api.evaluate_folder(clf, folder), "mini-val") is None
    with ResultsDB() as db:
        assert db.accuracies() == []
