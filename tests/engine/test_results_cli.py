"""The results commands end to end (in-process CLI), and `evaluate` saving its accuracy."""

from __future__ import annotations

import json

import cv2
import pytest
import torch

from engine.cli import main
from engine.models import catalog
from engine.results import ResultsDB
from tests.conftest import sample_image
from tests.engine.test_tradeoffs import SYNTHETIC, run_of


@pytest.fixture
def stored():
    with ResultsDB() as db:
        for (width, resolution), (latency, _) in SYNTHETIC.items():
            db.save_run(run_of(width, resolution, latency))


def test_recommend_json(stored, capsys):
    assert main(["recommend", "--target-ms", "21", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["recommended"]["label"] == "mobilenet_v3_large 1/192"  # worked out in test_tradeoffs
    assert doc["most_accurate_within"]["label"] == "mobilenet_v3_large 1/192"
    assert doc["w"] == -0.07 and len(doc["ranked"]) == len(SYNTHETIC)
    assert "Figure 7" in doc["explanation"]


def test_recommend_text_and_bad_w(stored, capsys):
    assert main(["recommend", "--target-ms", "100", "--w", "-0.15"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("recommended for 100 ms (w=-0.15): mobilenet_v3_large 1/128")
    assert main(["recommend", "--target-ms", "10", "--w", "2"]) == 2
    assert capsys.readouterr().err.strip() == "error: w 2 is out of range; valid: -1 to 0"


def test_results_list_export_import(stored, capsys, tmp_path, monkeypatch):
    assert main(["results", "export", str(tmp_path / "all.json")]) == 0
    assert main(["results", "export", str(tmp_path / "all.csv")]) == 0
    assert len((tmp_path / "all.csv").read_text().splitlines()) == 1 + len(SYNTHETIC)
    capsys.readouterr()
    monkeypatch.setenv("MOBILENET_STUDIO_HOME", str(tmp_path / "elsewhere"))
    assert main(["results", "import", str(tmp_path / "all.json"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["runs_added"] == len(SYNTHETIC)
    assert main(["results", "import", str(tmp_path / "all.json"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["runs_skipped"] == len(SYNTHETIC)
    assert main(["results", "list", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["runs"]) == len(SYNTHETIC)


@pytest.mark.parametrize("argv,message", [
    (["results", "export", "out.txt"], "must end in .json or .csv"),
    (["results", "import", "missing.json"], "missing.json does not exist"),
    (["sweep", "--models", "resnet"], "sweep model 'resnet' is not a backbone"),
    (["recommend", "--target-ms", "5"], "run 'mobilenet-studio sweep' first"),
])
def test_bad_input_is_one_line(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_evaluate_stores_its_accuracy(tmp_path, capsys):
    model = catalog.build("mobilenet_v3_small")
    torch.save(model.state_dict(), tmp_path / "ckpt.pth")
    folder = tmp_path / "mini-val" / "281"
    folder.mkdir(parents=True)
    cv2.imwrite(str(folder / "cat.png"), cv2.cvtColor(sample_image("chelsea"), cv2.COLOR_RGB2BGR))
    argv = ["evaluate", str(tmp_path / "mini-val"), "--model", "mobilenet_v3_small",
            "--weights", str(tmp_path / "ckpt.pth"), "--json"]
    assert main(argv) == 0
    doc = json.loads(capsys.readouterr().out)
    with ResultsDB() as db:
        (acc,) = db.accuracies()
    assert (acc.model, acc.width, acc.resolution, acc.dataset, acc.n) == ("mobilenet_v3_small", 1.0, 224, "mini-val", 1)
    assert (acc.top1, acc.top5, acc.weights) == (doc["top1"], doc["top5"], str(tmp_path / "ckpt.pth"))
    assert main([*argv, "--no-save"]) == 0
    assert main([*argv[:-3], "--random-weights"]) == 0  # an untrained model's accuracy is not stored
    with ResultsDB() as db:
        assert len(db.accuracies()) == 1
