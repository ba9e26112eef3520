"""Per-frame agreement of two detectors (the Live page's default side-by-side): people each
found and boxes paired one-to-one at IoU >= 0.5, only on frames both lanes processed."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from engine.models.detection.agreement import frame_agreement, match
from engine.tasks import make_runner
from engine.tasks.detect import Detection
from engine.video.agreement import LIVE_DEFAULT_PAIR, AgreementTracker, person_agreement
from engine.video.sources import DemoVideoSource
from engine.weights import fetch, manifest
from tests.conftest import _USER_HOME


def test_iou_threshold_is_inclusive_and_matching_one_to_one():
    a = [(0, 0, 10, 10), (0, 0, 10, 10)]
    b = [(0, 0, 10, 10), (0, 0, 10, 20)]  # IoU 1.0 and exactly 0.5 with both a boxes
    assert frame_agreement(a, b) == frame_agreement(a, b, 0.5)
    got = frame_agreement(a, b)
    assert (got.count_a, got.count_b, got.matched) == (2, 2, 2)  # 0.5 counts at ">= 0.5"
    assert frame_agreement(a[:1], b).matched == 1  # one box pairs once
    assert frame_agreement(a, [(5, 0, 15, 10)]).matched == 0  # IoU 1/3
    assert frame_agreement([], b).to_json() == {"count_a": 0, "count_b": 2, "matched": 0}
    # greedy by IoU: the better pair is taken first, whatever the order of the boxes
    pairs = match([(0, 0, 10, 12), (0, 0, 10, 10)], [(0, 0, 10, 10)], iou_min=0.5)
    assert [(i, j) for i, j, _ in pairs] == [(1, 0)]


def _result(*boxes_and_names):
    return SimpleNamespace(detections=tuple(Detection(box, score, 1, name) for box, score, name in boxes_and_names))


def test_only_people_at_the_display_score_count():
    a = _result(((0, 0, 10, 10), 0.9, "person"), ((20, 0, 30, 10), 0.9, "car"), ((40, 0, 50, 10), 0.3, "person"))
    b = _result(((0, 0, 10, 11), 0.6, "Person"), ((40, 0, 50, 10), 0.8, "person"))  # OIDv4 spells it Person
    got = person_agreement(a, b)
    assert (got.count_a, got.count_b, got.matched) == (1, 2, 1)


def test_tracker_answers_for_the_newest_frame_both_lanes_finished():
    tracker = AgreementTracker(keep=3)
    person = ((0, 0, 10, 10), 0.9, "person")

    def live(lane, frame_id, *dets):
        return SimpleNamespace(lane=lane, frame=SimpleNamespace(id=frame_id), result=_result(*dets))

    assert tracker.latest() is None
    for frame_id in (1, 2, 3, 4):
        tracker.add(live(0, frame_id, person))
    tracker.add(live(1, 2))  # the slow lane finished frame 2, with nobody found
    got = tracker.latest()
    assert got.frame_id == 2 and got.to_json() == {"frame_id": 2, "count_a": 1, "count_b": 0, "matched": 0}
    tracker.add(live(1, 4, person))
    assert tracker.latest().frame_id == 4 and tracker.latest().agreement.matched == 1
    tracker.add(live(0, 5, person))
    tracker.add(live(0, 6, person))
    assert tracker.latest().frame_id == 4  # lane 0 keeps 4, 5, 6 (keep=3)
    tracker.add(live(0, 7, person))
    assert tracker.latest() is None  # frame 4 has left lane 0's window


def _user_cached(name: str):
    with pytest.MonkeyPatch.context() as mp:
        if _USER_HOME:
            mp.setenv("MOBILENET_STUDIO_HOME", _USER_HOME)
        else:
            mp.delenv("MOBILENET_STUDIO_HOME", raising=False)
        state = fetch.cached_state(manifest.get(name))
    if not state.ok:
        pytest.skip(f"{name} is not in the cache; run 'mobilenet-studio weights fetch --shipped' and '--demo'")
    return state.path


def test_the_default_pair_finds_the_walking_people_on_the_demo_video(real_weights, tmp_path):
    video = _user_cached("vtest")
    coco = _user_cached("ssd_mobilenet_v2_coco.coral_uint8")
    import shutil

    from engine.weights import cache

    entry = manifest.get("ssd_mobilenet_v2_coco.coral_uint8")
    mine = cache.converted_path(entry.name)
    shutil.copyfile(coco, mine)
    shutil.copyfile(cache.sidecar(coco), cache.sidecar(mine))
    person, coco_ssd = (make_runner("detect", name) for name in LIVE_DEFAULT_PAIR)
    assert not person.untrained and not coco_ssd.untrained
    source = DemoVideoSource(video)
    found = []
    for n in range(241):
        frame = source.read()
        if n in (80, 240):  # 8 s and 24 s in: five or six people crossing
            found.append(person_agreement(person.run(frame), coco_ssd.run(frame)))
    for got in found:
        assert got.count_a >= 3 and got.count_b >= 3
        assert 3 <= got.matched <= min(got.count_a, got.count_b)
