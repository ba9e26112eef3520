"""Detection: SSDLite (MobileNetV2 paper section 6.3) over the MobileNets.

- `ssdlite_mobilenet_v1|v2|v3_large|v3_small`: generic SSDLite for latency exploration;
- `ssdlite320_mobilenet_v3_large`: torchvision's COCO layout (its checkpoint loads strictly);
- `ssdlite_mobilenet_v2_person`: port of a TF Object Detection API person detector;
- `ssd_mobilenet_v2_coco`, `ssd_mobilenet_v2_oidv4`: ports of two multi-class SSD MobileNetV2
  TFLite files (Coral's COCO model, MediaPipe Objectron's OpenImages v4 model).
Importing this package registers them in engine.models.info.MODELS (the catalog imports it).
"""

from engine.models.detection.nms import batched_nms, box_iou, nms
from engine.models.detection.person import ssdlite_mobilenet_v2_person
from engine.models.detection.ssdlite import SSDLite
from engine.models.detection.zoo import ssdlite, ssdlite320_mobilenet_v3_large
from engine.models.detection import registration  # noqa: F401  (catalog entries)

__all__ = [
    "SSDLite", "batched_nms", "box_iou", "nms", "ssdlite", "ssdlite320_mobilenet_v3_large",
    "ssdlite_mobilenet_v2_person",
]
