"""`live`: argument and source errors (one line, exit 2, before any model loads), and the JSON
document built from a real pipeline run with the small test runner."""

import pytest

from engine.cli import main
from engine.cli.live_cmd import run_pipeline
from engine.video.stats import STAGES
from engine.video.sources import DemoSource
from tests.engine.test_video_pipeline import TinyClassifier


@pytest.mark.parametrize("argv, message", [
    (["--source", "webcam:99"], "no camera at index 99"),
    (["--source", "webcam:abc"], "valid sources: demo, webcam:N"),
    (["--source", "/no/such/clip.mp4"], "no such file or folder"),
    (["--frames", "0"], "frames 0 is out of range"),
    (["--task", "juggle"], "invalid choice: 'juggle'"),
    (["--size", "640"], "bad size '640'; valid: WIDTHxHEIGHT"),
    (["--size", "8x8"], "width in --size 8 is out of range; valid: 16 to 8192"),
    (["--camera-backend", "tape"], "invalid choice: 'tape'"),
])
def test_bad_arguments_fail_in_one_line_with_exit_2(argv, message, capsys):
    base = ["live", "--task", "detect", "--model", "ssdlite_mobilenet_v2_person"]
    code = main(base + argv)
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_size_sets_the_demo_clips_frames(monkeypatch):
    """--size reaches the source: the demo clip renders at that size (a webcam is asked for it)."""
    import engine.cli.live_cmd as live_cmd
    from engine.video.sources import open_source

    opened = []

    def spy(spec, **kw):  # the real open_source; the test only keeps what it returned
        opened.append(open_source(spec, **kw))
        return opened[-1]

    monkeypatch.setattr(live_cmd, "open_source", spy)
    assert main(["live", "--task", "classify", "--model", "mobilenet_v3_small", "--random-weights",
                 "--size", "200x150", "--frames", "2", "--json"]) == 0
    assert opened[0].size == (200, 150) and opened[0].frame_number >= 2  # it rendered frames at that size


def test_corrupt_video_is_reported_before_any_model_loads(tmp_path, capsys):
    clip = tmp_path / "broken.mp4"
    clip.write_bytes(b"not a video at all" * 100)
    assert main(["live", "--source", str(clip), "--task", "classify", "--model", "mobilenet_v2"]) == 2
    assert "cannot decode video" in capsys.readouterr().err


def test_run_pipeline_reports_stages_counters_and_model_latency():
    runners = [TinyClassifier("a"), TinyClassifier("b", delay_s=0.02)]
    doc = run_pipeline(DemoSource((160, 120)), runners, frames=8, seconds=4, pace="max")
    assert set(doc["stages_ms"]) == set(STAGES)
    assert doc["inferred"] >= 8 and doc["captured"] == doc["inferred"] + doc["dropped"]
    assert [lane["model"] for lane in doc["lanes"]] == ["a", "b"]
    assert doc["lanes"][1]["model_ms"] >= 20  # measured alone: the deliberate 20 ms is in it
    assert doc["fps"] > 0 and doc["pipeline_ms_per_frame"] == pytest.approx(1000 / doc["fps"])


def test_both_lanes_run_the_path_measured_fastest_for_the_first_model(capsys):
    """No --path: the first model's stored measurement (engine.tradeoffs.fastest) decides the one
    path both lanes run, and the document names it per lane."""
    import json

    from engine.tradeoffs.fastest import measure_fastest

    choice = measure_fastest("mobilenet_v3_small", None, 1, repeats=3)
    assert main(["live", "--task", "classify", "--model", "mobilenet_v3_small", "--model2", "mobilenet_v2",
                 "--random-weights", "--threads", "1", "--frames", "2", "--pace", "max", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["path"] == choice.path and [lane["path"] for lane in doc["lanes"]] == [choice.path] * 2
    assert main(["live", "--task", "classify", "--model", "mobilenet_v3_small", "--model2", "mobilenet_v2",
                 "--random-weights", "--threads", "1", "--frames", "2"]) == 0
    assert capsys.readouterr().out.count(f" FPS on the {choice.path} path; ") == 2  # each lane names it
