"""Catalog entries for the detectors (imported by engine.models.task_models via the package)."""

from __future__ import annotations

from functools import partial

from engine.models.info import MODELS, InputSpec, ModelInfo
from engine.models.detection.person import INPUT_SIZE as PERSON_SIZE
from engine.models.detection.person import ssdlite_mobilenet_v2_person
from engine.models.detection.tflite_ports import INPUT_SIZE as TFLITE_SIZE
from engine.models.detection.tflite_ports import ssd_mobilenet_v2_coco, ssd_mobilenet_v2_oidv4
from engine.models.detection.zoo import ssdlite, ssdlite320_mobilenet_v3_large

LAYOUT = "list of 3×H×W RGB tensors in [0,1] (resized inside the model)"
HALF = (0.5, 0.5, 0.5)

for backbone, family in (("mobilenet_v1", "v1"), ("mobilenet_v2", "v2"),
                         ("mobilenet_v3_large", "v3-large"), ("mobilenet_v3_small", "v3-small")):
    name = f"ssdlite_{backbone}"
    MODELS.add(name, ModelInfo(
        name=name, task="detection", family=family, builder=partial(ssdlite, backbone),
        description=f"SSDLite on {backbone} (torchvision's recipe, COCO classes) for latency exploration",
        input=InputSpec(size=320, mean=HALF, std=HALF, layout=LAYOUT), labels="coco91",
        options=("reduced_tail",) if family.startswith("v3") else (),
    ))

MODELS.add("ssdlite320_mobilenet_v3_large", ModelInfo(
    name="ssdlite320_mobilenet_v3_large", task="detection", family="v3-large",
    builder=ssdlite320_mobilenet_v3_large,
    description="SSDLite320 MobileNetV3-Large, torchvision's COCO detector layout",
    input=InputSpec(size=320, mean=HALF, std=HALF, layout=LAYOUT), labels="coco91", has_width=False,
))

MODELS.add("ssdlite_mobilenet_v2_person", ModelInfo(
    name="ssdlite_mobilenet_v2_person", task="detection", family="v2",
    builder=ssdlite_mobilenet_v2_person,
    description="SSDLite MobileNetV2 person detector, port of a TF Object Detection API graph",
    input=InputSpec(size=PERSON_SIZE, mean=HALF, std=HALF, layout=LAYOUT), labels="coco91", has_width=False,
))

MODELS.add("ssd_mobilenet_v2_coco", ModelInfo(
    name="ssd_mobilenet_v2_coco", task="detection", family="v2", builder=ssd_mobilenet_v2_coco,
    description="SSD MobileNetV2 on COCO (80 classes), port of Coral's uint8 TFLite run in float",
    input=InputSpec(size=TFLITE_SIZE, mean=HALF, std=HALF, layout=LAYOUT), labels="coco91", has_width=False,
))

MODELS.add("ssd_mobilenet_v2_oidv4", ModelInfo(
    name="ssd_mobilenet_v2_oidv4", task="detection", family="v2", builder=ssd_mobilenet_v2_oidv4,
    description="SSD MobileNetV2 on OpenImages v4 (23 desk-scene classes), port of MediaPipe Objectron's TFLite",
    input=InputSpec(size=TFLITE_SIZE, mean=HALF, std=HALF, layout=LAYOUT), labels="oidv4", has_width=False,
))
