"""Fuzzing the readers of outside files (issue 18): a few hundred random mutations (bit flips,
byte overwrites, truncations, inserted garbage, duplicated ranges) of a valid results export, a
valid TFLite model and a valid frozen GraphDef, each thrown at its importer or converter: every
one must end in a clean one-line error (InvalidInput) or a correct read, never another exception.
The valid files are built here, and read back first, so the test needs nothing downloaded."""

from __future__ import annotations

import json
import random
import struct

import flatbuffers
import numpy as np
import pytest

from engine.errors import InvalidInput
from engine.results import ResultsDB, export_json, import_json
from engine.weights.converters.tf_graphdef import read_constants
from engine.weights.converters.tflite import read_tflite
from tests.engine.test_results import fake_run, other_machine

MUTATIONS = 300  # per format; the whole file runs in seconds (under 30 s on a loaded machine)


def mutate(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        kind = rng.randrange(5)
        at = rng.randrange(max(len(out), 1))
        if kind == 0 and out:
            out[at] ^= 1 << rng.randrange(8)
        elif kind == 1 and out:
            out[at:at + 4] = rng.randbytes(4)
        elif kind == 2:
            del out[rng.randrange(len(out) + 1):]
        elif kind == 3:
            out[at:at] = rng.randbytes(rng.randint(1, 16))
        else:
            end = min(len(out), at + rng.randint(1, 32))
            out[at:at] = out[at:end]
    return bytes(out)


# -- a frozen GraphDef, encoded by hand (protobuf wire format) ------------------------------

def varint(n: int) -> bytes:
    out = bytearray()
    while True:
        out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
        n >>= 7
        if not n:
            return bytes(out)


def field(number: int, payload: bytes) -> bytes:
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def const_node(name: str, values: np.ndarray) -> bytes:
    shape = b"".join(field(2, varint(1 << 3) + varint(d)) for d in values.shape)  # TensorShapeProto.dim.size
    tensor = varint(1 << 3) + varint(1) + field(2, shape) + field(4, values.astype("<f4").tobytes())  # DT_FLOAT
    attr = field(1, b"value") + field(2, field(8, tensor))  # map entry: key, AttrValue.tensor
    return field(1, field(1, name.encode()) + field(2, b"Const") + field(5, attr))


def graphdef() -> tuple[bytes, dict]:
    consts = {"conv/weights": np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 7,
              "conv/bias": np.array([0.5, -1.25], np.float32)}
    return b"".join(const_node(k, v) for k, v in consts.items()), consts


# -- a TFLite model, built with flatbuffers ----------------------------------------------------

def tflite() -> tuple[bytes, np.ndarray]:
    weights = (np.arange(12, dtype=np.float32) - 6).reshape(3, 4)
    b = flatbuffers.Builder(1024)

    def table(fields: list[tuple[int, str, object]]) -> int:
        b.StartObject(max(f[0] for f in fields) + 1)
        for slot, kind, value in fields:
            {"off": b.PrependUOffsetTRelativeSlot, "i32": b.PrependInt32Slot, "u32": b.PrependUint32Slot,
             "i8": b.PrependInt8Slot}[kind](slot, value, 0)
        return b.EndObject()

    def vector(items: list[int], kind: str) -> int:
        size = {"off": 4, "i32": 4, "u8": 1}[kind]
        b.StartVector(size, len(items), size)
        for item in reversed(items):
            {"off": b.PrependUOffsetTRelative, "i32": b.PrependInt32, "u8": b.PrependUint8}[kind](item)
        return b.EndVector()

    data = vector(list(weights.tobytes()), "u8")
    b.StartObject(1)
    empty = b.EndObject()  # buffer 0 is always the empty one
    buffers = vector([empty, table([(0, "off", data)])], "off")
    name = b.CreateString("dense/weights")
    shape = vector(list(weights.shape), "i32")
    tensor = table([(0, "off", shape), (1, "i8", 0), (2, "u32", 1), (3, "off", name)])  # FLOAT32, buffer 1
    code = table([(0, "i8", 3), (3, "i32", 3)])  # CONV_2D
    op = table([(0, "u32", 0), (1, "off", vector([0], "i32")), (2, "off", vector([0], "i32"))])
    subgraph = table([(0, "off", vector([tensor], "off")), (1, "off", vector([0], "i32")),
                      (2, "off", vector([0], "i32")), (3, "off", vector([op], "off"))])
    description = b.CreateString("fuzz seed")
    model = table([(0, "u32", 3), (1, "off", vector([code], "off")), (2, "off", vector([subgraph], "off")),
                   (3, "off", description), (4, "off", buffers)])
    b.Finish(model, file_identifier=b"TFL3")
    return bytes(b.Output()), weights


def test_the_seed_files_read_back_exactly():
    pb, consts = graphdef()
    read = read_constants(pb)
    assert read.keys() == consts.keys() and all(np.array_equal(read[k], v) for k, v in consts.items())
    model, weights = tflite()
    graph = read_tflite(model)
    assert graph.description == "fuzz seed" and graph.ops[0].name == "CONV_2D"
    assert np.array_equal(graph.constant(0), weights)


@pytest.mark.parametrize("name", ["graphdef", "tflite"])
def test_mutated_models_give_clean_errors(name):
    seed = graphdef()[0] if name == "graphdef" else tflite()[0]
    read = read_constants if name == "graphdef" else read_tflite
    rng = random.Random(18)
    clean = 0
    for _ in range(MUTATIONS):
        data = mutate(seed, rng)
        try:
            read(data)
        except InvalidInput as exc:
            assert "\n" not in str(exc)
            clean += 1
    assert clean > MUTATIONS // 4  # most mutations really are damage


def test_mutated_exports_are_refused_whole_or_imported(tmp_path):
    with ResultsDB(tmp_path / "other.sqlite3") as other:
        other.save_run(fake_run(machine=other_machine()))
        other.save_accuracy(model="mobilenet_v2", width=1.0, resolution=224, weights="w", dataset="val",
                            top1=0.7, top5=0.9, n=100, fingerprint=other_machine())
        export_json(other, tmp_path / "seed.json")
    seed = (tmp_path / "seed.json").read_bytes()
    json.loads(seed)
    rng = random.Random(6)
    refused = 0
    with ResultsDB() as db:
        for i in range(MUTATIONS):
            path = tmp_path / f"m{i}.json"
            path.write_bytes(mutate(seed, rng))
            before = len(db.runs())
            try:
                import_json(db, path)
            except InvalidInput as exc:
                assert "\n" not in str(exc) and len(db.runs()) == before  # nothing of a refused file stays
                refused += 1
        assert db.integrity() == "ok"
    assert refused > MUTATIONS // 2


def test_a_packed_struct_error_is_not_a_traceback():
    """The cheapest mutation: the TFLite root offset pointing past the end."""
    model, _ = tflite()
    with pytest.raises(InvalidInput, match="damaged TFLite model"):
        read_tflite(struct.pack("<I", len(model) + 100) + model[4:])
