"""The Live page's default comparison: two real detectors on the demo video, the TF person
SSDLite against the COCO SSD, and how far they agree on each frame: the people each found and
how many of their boxes pair up at IoU >= 0.5.

The two lanes of the live pipeline run at their own pace and may skip frames, so agreement is
computed only for a frame both lanes processed: `AgreementTracker` keeps each lane's recent
results by frame id and answers for the newest frame they share.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from engine.models.detection.agreement import FrameAgreement, frame_agreement

LIVE_DEFAULT_PAIR = ("ssdlite_mobilenet_v2_person", "ssd_mobilenet_v2_coco")
PERSON = "person"
DISPLAY_SCORE = 0.5  # the Live page's default display threshold
MATCH_IOU = 0.5


def people(result, score: float = DISPLAY_SCORE) -> list[tuple[float, float, float, float]]:
    """Boxes of the person class (by label name, any detector's label list) at or above `score`."""
    return [d.box for d in result.detections if d.name.lower() == PERSON and d.score >= score]


def person_agreement(result_a, result_b, score: float = DISPLAY_SCORE, iou: float = MATCH_IOU) -> FrameAgreement:
    """Two detectors' results on the same frame (engine.tasks DetectResult)."""
    return frame_agreement(people(result_a, score), people(result_b, score), iou)


@dataclass(frozen=True)
class LaneAgreement:
    frame_id: int
    agreement: FrameAgreement

    def to_json(self) -> dict:
        return {"frame_id": self.frame_id, **self.agreement.to_json()}


class AgreementTracker:
    """Feed it each lane's LiveResults (engine.video.pipeline); `latest()` is the agreement on
    the newest frame both lanes finished, or None before there is one."""

    def __init__(self, keep: int = 32, score: float = DISPLAY_SCORE, iou: float = MATCH_IOU):
        self.keep, self.score, self.iou = keep, score, iou
        self._lanes: tuple[OrderedDict, OrderedDict] = (OrderedDict(), OrderedDict())

    def add(self, live_result) -> None:
        lane = self._lanes[live_result.lane]
        lane[live_result.frame.id] = live_result.result
        while len(lane) > self.keep:
            lane.popitem(last=False)

    def latest(self) -> LaneAgreement | None:
        shared = set(self._lanes[0]) & set(self._lanes[1])
        if not shared:
            return None
        frame_id = max(shared)
        return LaneAgreement(frame_id, person_agreement(self._lanes[0][frame_id], self._lanes[1][frame_id],
                                                        self.score, self.iou))
