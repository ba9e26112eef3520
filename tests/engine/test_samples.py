"""Labelled sample sets (engine.tasks.samples) and `evaluate --sample`: reading with unreadable photos
named and skipped, top-1 / top-5 counted against labels made for the test, and the Wilson
interval checked against its defining equation."""

from __future__ import annotations

import json
import math
import zipfile

import cv2
import numpy as np
import pytest

from engine.tasks import samples
from engine.cli import main
from engine.errors import InvalidInput
from engine.tasks import make_runner
from engine.weights import cache, fetch, manifest
from tests.conftest import _USER_HOME, sample_image

Z95 = 1.959963984540054


def _jpeg(rgb: np.ndarray) -> bytes:
    return cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))[1].tobytes()


def _zip(path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


@pytest.mark.parametrize("k,n", [(0, 20), (1, 20), (19, 20), (20, 20), (7, 13), (500, 1000)])
def test_wilson_bounds_solve_the_score_equation(k, n):
    low, high = samples.wilson_interval(k, n)
    p = k / n
    assert 0 <= low <= p <= high <= 1
    for bound in (low, high):  # |p - bound| = z * sqrt(bound (1 - bound) / n) at both ends
        assert abs(p - bound) == pytest.approx(Z95 * math.sqrt(bound * (1 - bound) / n), abs=1e-9)
    if k == 0:
        assert low == 0
    if k == n:
        assert high == 1
    assert high - low > (0.15 if n == 20 else 0)  # 20 images leave a wide interval


def test_wilson_refuses_impossible_counts():
    for k, n in ((1, 0), (-1, 5), (6, 5)):
        with pytest.raises(InvalidInput):
            samples.wilson_interval(k, n)


def test_unreadable_photos_are_named_skipped_and_the_rest_read(tmp_path):
    path = tmp_path / "set.zip"
    good = _jpeg(sample_image("chelsea"))
    _zip(path, {"00_281.jpg": good, "01_1.jpg": b"not a jpeg at all", "02_5.jpg": good[: len(good) // 3],
                "notes.txt": b"ignored"})
    warnings = []
    read = list(samples.read_samples(path, warnings.append))
    names = [s.name for s in read]
    assert "00_281.jpg" in names and "01_1.jpg" not in names
    assert read[0].label == 281 and read[0].rgb.shape == sample_image("chelsea").shape
    assert any(w.startswith("01_1.jpg: not a decodable image") for w in warnings)
    assert all("\n" not in w for w in warnings)
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(InvalidInput, match="not a readable zip"):
        list(samples.read_samples(bad))


def test_top1_and_top5_count_against_the_labels(tmp_path, real_weights):
    runner = make_runner("classify", "mobilenet_v2")  # the shipped weights; the labels are ours
    photos = [sample_image(n) for n in ("chelsea", "coffee", "astronaut")]
    ranked = runner.probabilities(photos).argsort(dim=1, descending=True)
    labels = [int(ranked[0, 0]), int(ranked[1, 3]), int(ranked[2, 900])]  # top-1, top-5 only, neither
    path = tmp_path / "set.zip"
    _zip(path, {f"{i:02d}_{label}.jpg": _jpeg(rgb) for i, (rgb, label) in enumerate(zip(photos, labels))})
    # the JPEG round trip can move the ranking a little: recompute on the decoded photos
    decoded = [s.rgb for s in samples.read_samples(path)]
    ranked = runner.probabilities(decoded).argsort(dim=1, descending=True)
    want_top1 = sum(int(ranked[i, 0]) == labels[i] for i in range(3))
    want_top5 = sum(labels[i] in ranked[i, :5].tolist() for i in range(3))
    assert want_top1 >= 1 and want_top5 > want_top1  # the three cases are still distinct
    result = samples.evaluate_samples(runner, "imagenet-sample-20", path=path)
    assert (result.images, result.top1_correct, result.top5_correct) == (3, want_top1, want_top5)
    assert result.to_json()["top1_interval95"] == list(samples.wilson_interval(want_top1, 3))


def test_evaluate_needs_a_folder_or_a_sample_set(capsys):
    assert main(["evaluate"]) == 2
    assert main(["evaluate", "somewhere", "--sample", "imagenet-sample-20"]) == 2
    assert main(["evaluate", "--sample", "cifar"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 3 and "valid: imagenet-sample-20" in err[-1]


def _real_sample_zip():
    with pytest.MonkeyPatch.context() as mp:
        if _USER_HOME:
            mp.setenv("MOBILENET_STUDIO_HOME", _USER_HOME)
        else:
            mp.delenv("MOBILENET_STUDIO_HOME", raising=False)
        state = fetch.cached_state(manifest.get("imagenet-sample-20"))
    if not state.ok:
        pytest.skip("imagenet-sample-20 is not in the cache; run 'mobilenet-studio weights fetch --shipped'")
    return state.path


def test_evaluate_sample_names_a_broken_photo_and_scores_the_rest(real_weights, capsys):
    source = _real_sample_zip()
    entry = manifest.get("imagenet-sample-20")
    target = cache.converted_path(entry.name, entry.suffix)
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for i, name in enumerate(sorted(zin.namelist())):
            zout.writestr(name, b"broken" if i == 3 else zin.read(name))
    cache.record(target, entry=entry.name, model="", converter=entry.converter, source_sha256=entry.sha256)
    assert main(["evaluate", "--sample", "imagenet-sample-20", "--json"]) == 0
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert doc["images"] == 19 and len(doc["skipped"]) == 1 and doc["skipped"][0].startswith("03_")
    assert "warning: 03_" in err
    low, high = doc["top1_interval95"]
    assert low <= doc["top1"] <= high and doc["model"] == "mobilenet_v2" and doc["path"] == "reference"
    from engine.results import ResultsDB

    with ResultsDB() as db:  # stored with its n, so the Trade-offs page can draw the interval
        stored = [a for a in db.accuracies(model="mobilenet_v2") if a.dataset == "imagenet-sample-20"]
    assert len(stored) == 1 and stored[0].n == 19 and stored[0].top1 == pytest.approx(doc["top1"])
