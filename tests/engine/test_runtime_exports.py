"""Cached exports are verified before they are loaded: a damaged file is rebuilt, never run;
exports of random weights are not kept."""

from __future__ import annotations

import json

import pytest
import torch

from engine import paths
from engine.api import build_model
from engine.profiling.latency import profile_model
from engine.runtime import exports, prepare
from engine.runtime.available import installed
from engine.weights.cache import sha256_file, sidecar
from tests.engine.test_runtime import assert_outputs_close, randomize_batchnorm

pytestmark = pytest.mark.skipif(not installed("onnxruntime"), reason="onnxruntime is not installed")
NAME, SIZE = "mobilenet_v3_small", 64


@pytest.fixture
def model():
    return randomize_batchnorm(build_model(NAME))


def _prepared(model):
    return prepare(NAME, resolution=SIZE, path="onnxruntime", threads=1, module=model)


def _damage(file, how: str) -> None:
    data = bytearray(file.read_bytes())
    if how == "bitflip":  # a flipped bit in the weights: loads fine, changes results
        data[len(data) // 2] ^= 0x10
    else:  # truncated: onnxruntime cannot parse it
        data = data[: len(data) // 3]
    file.write_bytes(bytes(data))


@pytest.mark.parametrize("how", ["bitflip", "truncate"])
def test_a_damaged_cached_export_is_rebuilt_not_loaded(model, how):
    x = torch.rand(1, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(5))
    first = _prepared(model)
    file = exports.root() / "onnx" / first.details["onnx_file"].rsplit("/", 1)[-1]
    assert str(file) == first.details["onnx_file"]  # real weights-of-a-module exports are kept
    good = file.read_bytes()
    assert json.loads(sidecar(file).read_text())["sha256"] == sha256_file(file)
    _damage(file, how)
    assert not exports.verified(file)
    again = _prepared(model)
    assert again.details["onnx_file"] == str(file)
    assert file.read_bytes() == good  # exported again from the model (the export is deterministic)
    assert_outputs_close(again(x), prepare(NAME, resolution=SIZE, path="reference", threads=1, module=model)(x))


def test_a_missing_sidecar_means_rebuilt(model):
    file = exports.root() / "onnx" / _prepared(model).details["onnx_file"].rsplit("/", 1)[-1]
    sidecar(file).unlink()
    stamp = file.stat().st_mtime_ns
    _prepared(model)
    assert sidecar(file).is_file() and file.stat().st_mtime_ns != stamp


def test_random_weight_exports_are_not_kept():
    for _ in range(2):
        profile_model(NAME, resolution=SIZE, repeats=3, warmup=0, threads=1, path="onnxruntime")
    cached = list((paths.cache_dir()).rglob("*.onnx"))
    assert cached == []  # each profile run used to leave another file in the user cache
    scratch = list(exports.scratch_dir().rglob("*.onnx"))
    assert len(scratch) >= 2  # they lived in this process's scratch folder instead


@pytest.mark.skipif(not installed("ai_edge_litert"), reason="ai-edge-litert is not installed")
def test_a_damaged_cached_tflite_is_rebuilt(model):
    first = prepare(NAME, resolution=SIZE, path="litert", threads=1, module=model)
    file = exports.root() / "tflite" / first.details["tflite_file"].rsplit("/", 1)[-1]
    assert str(file) == first.details["tflite_file"]
    good = file.read_bytes()
    _damage(file, "truncate")
    again = prepare(NAME, resolution=SIZE, path="litert", threads=1, module=model)
    assert file.read_bytes() == good and exports.verified(file)
    x = torch.rand(1, 3, SIZE, SIZE)
    assert_outputs_close(again(x), first(x))


def test_two_threads_exporting_at_once_both_succeed(tmp_path):
    """torch's exporter keeps process-wide state: two lanes loading at once (or a task switch
    while the last task's models still load) failed with 'GLOBALS.in_onnx_export must be False'.
    Exports are serialised, so both threads get a file onnxruntime opens."""
    import threading

    import onnxruntime as ort

    from engine.runtime.onnx_path import export_onnx

    nets = [randomize_batchnorm(build_model(NAME)) for _ in range(2)]
    example = torch.rand(1, 3, SIZE, SIZE)
    barrier, errors, files = threading.Barrier(2), [], []

    def export(i: int) -> None:
        barrier.wait()
        try:
            files.append(export_onnx(nets[i], example, tmp_path / f"lane{i}.onnx"))
        except Exception as exc:  # noqa: BLE001 - the test reports whatever the race raised
            errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=export, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(f.name for f in files) == ["lane0.onnx", "lane1.onnx"]
    for file in files:
        ort.InferenceSession(str(file), providers=["CPUExecutionProvider"])
