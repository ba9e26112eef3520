"""One entry point for every inference path: `prepare(model, path=...)` -> a callable that takes
the network's NCHW input and returns what the reference (eager) network returns."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import Tensor, nn

from engine.errors import InvalidInput, check_range
from engine.models import catalog
from engine.runtime import int8, onnx_path, torch_paths
from engine.runtime.available import available_paths, check_path
from engine.runtime.network import Outputs, as_tensor, network_of, output_keys
from engine.threads import torch_threads



def fastest_exact_path() -> str:
    """The fp32 path the live pipeline and the profiler should default to: onnxruntime when it
    is installed (about 2.5-3.5× torch eager for MobileNetV3 on this class of CPU, see
    bench/suite.py), else the fast torch path."""
    return "onnxruntime" if "onnxruntime" in available_paths() else "fast"


@dataclass
class Prepared:
    """A network ready on one path. Call it with the network's N×3×H×W float input (tensor or
    numpy); for detectors that is the transformed batch (see engine.runtime.network)."""

    model: str
    path: str
    width: float
    resolution: int
    threads: int
    task: str
    network: nn.Module  # the reference network (eager, as built)
    run: Callable[[Tensor], Outputs] = field(repr=False)
    detector: nn.Module | None = field(default=None, repr=False)  # the full detector, for detect()
    details: dict = field(default_factory=dict)  # what the path did: BNs folded, int8 fallbacks, ONNX file
    _shapes: dict = field(default_factory=dict, repr=False)

    def __call__(self, x) -> Outputs:
        return self.run(x if getattr(self.run, "takes_numpy", False) else as_tensor(x))

    def detect(self, images: Sequence[Tensor] | Tensor) -> list[dict[str, Tensor]]:
        """Detections exactly as the detector's forward returns them, the network part on this
        path (transform, anchors and postprocess stay eager)."""
        if self.detector is None:
            raise InvalidInput(f"{self.model} is a {self.task} model; detect() is for detectors")
        det = self.detector
        original_sizes = [tuple(img.shape[-2:]) for img in images]
        with torch.inference_mode():
            image_list, _ = det.transform(images)
            head = self(image_list.tensors)
            features = [torch.empty(1, 0, h, w) for h, w in self.feature_shapes(image_list.tensors.shape[-2:])]
            anchors = det.anchor_generator(image_list, features)
            found = det.postprocess_detections(head, anchors, image_list.image_sizes)
            return det.transform.postprocess(found, image_list.image_sizes, original_sizes)

    def feature_shapes(self, size) -> list[tuple[int, int]]:
        """Feature-map sizes (all the anchor generator reads from the features), once per size."""
        key = tuple(size)
        if key not in self._shapes:
            with torch.inference_mode():
                features = self.detector.backbone(torch.zeros(1, 3, *key)).values()
            self._shapes[key] = [tuple(f.shape[-2:]) for f in features]
        return self._shapes[key]

    def describe(self) -> str:
        """One line for the UI: which path ran and how."""
        extra = {"fast": "BN folded, channels_last", "bf16": "BN folded, channels_last, bf16 autocast",
                 "int8": f"int8 {int8.BACKEND}", "onnxruntime": "onnxruntime, spinning off",
                 "openvino": "OpenVINO, f32", "openvino-bf16": "OpenVINO, bf16",
                 "openvino-int8": f"OpenVINO on the int8 {int8.BACKEND} file",
                 "litert": "LiteRT, XNNPACK"}.get(self.path, "eager")
        return f"{self.path} ({extra}, {self.threads} threads)"


def network_input_size(module: nn.Module, task: str, resolution: int) -> tuple[int, int]:
    """The (H, W) the network is fed for a `resolution` input: a detector's transform resizes
    to its own size (the person detector to 300 whatever it is given), so an export traced at
    `resolution` would be fed another shape (onnxruntime: 'Got: 300 Expected: 224')."""
    if task != "detection":
        return resolution, resolution
    with torch.inference_mode():
        batch, _ = module.transform([torch.zeros(3, resolution, resolution)])
    return tuple(batch.tensors.shape[-2:])


def prepare(
    model: str, *, width: float = 1.0, resolution: int | None = None, path: str = "fast", threads: int = 2,
    weights: str | Path | None = None, module: nn.Module | None = None, batch: int = 1,
    calibration: Tensor | Sequence[Tensor] | None = None, bf16: bool = False, opset: int = onnx_path.DEFAULT_OPSET,
    spinning: bool = False, keep_export: bool | None = None, **options,
) -> Prepared:
    """Build (or take `module`, an already built and loaded model of `model`) and ready it on
    `path`. resolution: the network input size (default: the model's). threads: intra-op
    threads of the path. int8: `calibration` = network inputs (default: synthetic images).
    bf16=True on "fast" is the same as path "bf16". onnxruntime: the ONNX file is cached per
    weights and input shape and verified before each load; spinning stays off unless asked.
    keep_export: keep the export in the user cache (default: unless the weights are random,
    i.e. no `module` and no `weights`; exports of random weights last one process)."""
    check_path(path, model)
    keep = keep_export if keep_export is not None else (module is not None or weights is not None)
    info = catalog.model_info(model)
    check_range("threads", threads, 1, 256)
    resolution = resolution or info.input.size
    catalog.check_resolution(resolution)
    if module is None:
        module = catalog.build_model(model, width=width, weights=weights, **options)
    else:
        catalog.check_config(info, width, options)
    module = module.eval()
    network = network_of(model, module)
    example = torch.zeros(batch, 3, *network_input_size(module, info.task, resolution))
    details: dict = {}
    if path == "reference":
        run: Callable = torch_paths.reference(network, threads)
    elif path in ("fast", "bf16"):
        run, details["batchnorms_folded"] = torch_paths.fast(network, threads, bf16=bf16 or path == "bf16")
        path = "bf16" if bf16 else path
    elif path in ("int8", "openvino-int8"):  # one quantised file, two runtimes (the bench keeps the faster)
        with torch_threads(threads), torch.no_grad():
            keys = output_keys(network(example))
            file = onnx_path.cached_onnx(model, network, example, opset=opset, keep=keep)
        calib = calibration if calibration is not None else int8.synthetic_calibration(resolution)
        qdq, report = int8.quantize_onnx(file, calib, keep=keep)
        if path == "int8":
            run = onnx_path.OrtRunner(qdq, keys, threads, spinning=spinning)
        else:
            from engine.runtime.openvino_path import OvRunner  # late: OpenVINO loads in ~0.5 s

            run = OvRunner(qdq, keys, threads)
        details.update(int8=report, onnx_file=str(qdq), float_onnx_file=str(file))
    else:  # the runtimes that run the ONNX export
        with torch_threads(threads), torch.no_grad():
            keys = output_keys(network(example))
            file = onnx_path.cached_onnx(model, network, example, opset=opset, keep=keep)
        if path == "onnxruntime":
            run = onnx_path.OrtRunner(file, keys, threads, spinning=spinning)
        elif path == "litert":
            from engine.runtime.litert_path import LiteRtRunner, cached_tflite  # late: loads LiteRT

            tflite = cached_tflite(file, keep=keep)
            run = LiteRtRunner(tflite, keys, threads)
            details["tflite_file"] = str(tflite)
        else:
            from engine.runtime.openvino_path import OvRunner  # late: OpenVINO loads in ~0.5 s

            run = OvRunner(file, keys, threads, bf16=path == "openvino-bf16")
        details["onnx_file"] = str(file)
    return Prepared(model=model, path=path, width=float(width), resolution=resolution, threads=threads,
                    task=info.task, network=network, run=run,
                    detector=module if info.task == "detection" else None, details=details)
