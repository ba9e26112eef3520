"""Live-quality classification with the real MobileNetV2 weights, torchvision's preprocessing,
and folder evaluation."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
import torch
from PIL import Image

from engine.tasks.base import UNTRAINED
from engine.tasks.classify import Preprocess, load_classifier
from engine.tasks.evaluate import evaluate_folder
from engine.cli import main
from engine.errors import InvalidInput
from engine.paths import labels
from tests.conftest import sample_image

CATS = {"tabby", "tiger cat", "Egyptian cat"}


@pytest.fixture(scope="module")
def _classifier_cache():
    return {}


@pytest.fixture
def classifier(real_weights, _classifier_cache):
    if "v2" not in _classifier_cache:
        _classifier_cache["v2"] = load_classifier("mobilenet_v2")
    return _classifier_cache["v2"]


def _write(path, rgb: np.ndarray) -> str:
    cv2.imwrite(str(path), rgb[:, :, ::-1] if rgb.ndim == 3 else rgb)
    return str(path)


def test_chelsea_is_a_cat_and_coffee_is_espresso_or_a_cup(classifier):
    chelsea, coffee = classifier.predict([sample_image("chelsea"), sample_image("coffee")], topk=5)
    assert chelsea[0].label in CATS, chelsea
    assert {"espresso", "cup"} & {p.label for p in coffee}, coffee
    assert classifier.weights == "mobilenet_v2.imagenet1k_v1" and not classifier.untrained


def test_preprocessing_matches_pil_resize_and_crop():
    """PIL's bilinear resize (antialiased when shrinking) is what torchvision's transform
    reproduces on tensors: an independent implementation of the same pipeline."""
    rgb = sample_image("chelsea")  # 300×451
    ours = Preprocess()(rgb)
    h, w = rgb.shape[:2]
    new_w, new_h = (256, int(256 * h / w)) if w <= h else (int(256 * w / h), 256)
    small = np.asarray(Image.fromarray(rgb).resize((new_w, new_h), Image.BILINEAR), dtype=np.float32)
    top, left = int(round((new_h - 224) / 2)), int(round((new_w - 224) / 2))
    crop = small[top:top + 224, left:left + 224] / 255.0
    theirs = (torch.from_numpy(crop).permute(2, 0, 1) - torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)) \
        / torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1)
    assert ours.shape == theirs.shape == (3, 224, 224)
    diff = (ours - theirs).abs() * torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1) * 255
    assert diff.max() <= 2.01 and diff.mean() < 0.2  # uint8 levels


def test_classify_cli_prints_topk_labels_with_probabilities(real_weights, tmp_path, capsys):
    image = _write(tmp_path / "chelsea.jpg", sample_image("chelsea"))
    assert main(["classify", image, "--topk", "3", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    top = doc["results"][0]["top"]
    assert len(top) == 3 and top[0]["label"] in CATS
    assert labels("imagenet")[top[0]["index"]] == top[0]["label"]
    assert top[0]["probability"] >= top[1]["probability"] >= top[2]["probability"] > 0
    assert doc["untrained"] is False


def test_random_weights_are_labelled_untrained(tmp_path, capsys):
    image = _write(tmp_path / "coffee.png", sample_image("coffee"))
    assert main(["classify", image, "--model", "mobilenet_v3_small", "--random-weights"]) == 0
    assert UNTRAINED in capsys.readouterr().out


def test_missing_weights_without_random_flag_say_how_to_get_them(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("https_proxy", "http://127.0.0.1:9")  # torchvision URL: offline, fast
    monkeypatch.delenv("no_proxy", raising=False)
    image = _write(tmp_path / "coffee.png", sample_image("coffee"))
    assert main(["classify", image, "--model", "mobilenet_v3_small"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert "weights import mobilenet_v3_small.imagenet1k_v1 PATH" in err[-1]
    assert "--random-weights" in err[-1]


def test_evaluate_folder_counts_top1_and_top5(classifier, tmp_path):
    # Class folders by index and by label text (any case).
    for folder, name in (("967", "coffee"), ("Egyptian CAT", "chelsea"), ("tabby", "chelsea")):
        (tmp_path / folder).mkdir()
        _write(tmp_path / folder / f"{name}.png", sample_image(name))
    seen = []
    result = evaluate_folder(classifier, tmp_path, progress=lambda done, total: seen.append((done, total)))
    probs = classifier.probabilities([sample_image("coffee"), sample_image("chelsea")])
    top5 = probs.topk(5).indices.tolist()
    # Expected from the model's own ranking, computed independently of evaluate_folder.
    hits1 = (top5[0][0] == 967) + (top5[1][0] == 285) + (top5[1][0] == 281)
    hits5 = (967 in top5[0]) + (285 in top5[1]) + (281 in top5[1])
    assert result.images == 3 and result.classes == 3
    assert result.top1 == pytest.approx(hits1 / 3) and result.top5 == pytest.approx(hits5 / 3)
    assert seen[-1] == (3, 3)
    assert evaluate_folder(classifier, tmp_path, limit=1).images == 1


def test_evaluate_rejects_unknown_class_folders(tmp_path):
    (tmp_path / "n01440764").mkdir()
    clf = load_classifier("mobilenet_v2", weights=None)
    with pytest.raises(InvalidInput, match=r"n01440764.*0-999.*imagenet.txt"):
        evaluate_folder(clf, tmp_path)


def test_classify_rejects_non_classification_models(tmp_path, capsys):
    image = _write(tmp_path / "coffee.png", sample_image("coffee"))
    assert main(["classify", image, "--model", "no_such_model", "--random-weights"]) == 2
    assert "mobilenet_v2" in capsys.readouterr().err


def test_cached_weights_say_default_only_for_verified_files_in_the_cache(real_weights, tmp_path, monkeypatch):
    """What the GUI's runners use: 'default' for a model whose weights are cached and verify,
    None (random weights) for one without, and for a cached file whose bytes changed; it never
    downloads (the proxy below would make any download fail)."""
    from engine.tasks import cached_weights
    from engine.weights import cache, manifest

    monkeypatch.setenv("https_proxy", "http://127.0.0.1:9")
    assert cached_weights("mobilenet_v2") == "default"
    assert cached_weights("mobilenet_v3_small") is None  # registered, not cached
    assert cached_weights("mobilenet_v1") is None  # nothing registered
    copy = tmp_path / "home"
    entry = manifest.for_model("mobilenet_v2")[0]
    original = cache.converted_path(entry.name)
    monkeypatch.setenv("MOBILENET_STUDIO_HOME", str(copy))
    target = cache.converted_path(entry.name)
    target.parent.mkdir(parents=True)
    target.write_bytes(original.read_bytes()[:-1] + b"\0")  # one byte changed, sidecar kept
    cache.sidecar(target).write_bytes(cache.sidecar(original).read_bytes())
    assert cached_weights("mobilenet_v2") is None
