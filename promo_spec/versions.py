"""The API versions ``spec/`` describes: the base document, then one Overlay per newer version.

``spec/openapi.yaml`` is the oldest version (its ``info.version``); each newer version N is
``spec/versions/N.overlay.yaml``, an Overlay 1.0 document applied to the version before it.
A ``Source`` reads those files from the working tree or from a git revision, so any
version can be resolved as it was at any commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from promo_spec.document import load_document
from promo_spec.errors import SpecError
from promo_spec.locate import REPO_ROOT, SPEC_DIR

BASE_FILE = "openapi.yaml"
OVERLAY_DIR = "versions"
_OVERLAY_NAME = re.compile(r"^(\d+)\.overlay\.yaml$")


class Source(Protocol):
    """Where the spec files come from."""

    def read(self, name: str) -> bytes:
        """Return the bytes of ``name`` (relative to ``spec/``); SpecError if it is missing."""

    def names(self, directory: str) -> list[str]:
        """Return the file names directly inside ``directory`` (relative to ``spec/``)."""

    def label(self, name: str) -> str:
        """Return how error messages name ``name``."""


@dataclass(frozen=True)
class DirectorySource:
    """The spec files of a directory (default: this checkout's ``spec/``)."""

    root: Path = SPEC_DIR

    def read(self, name: str) -> bytes:
        """Return the bytes of ``root/name``."""
        try:
            return (self.root / name).read_bytes()
        except OSError as exc:
            raise SpecError(self.label(name), "", f"cannot read the spec: {exc.strerror or exc}") from None

    def names(self, directory: str) -> list[str]:
        """Return the file names in ``root/directory`` (none when it does not exist)."""
        folder = self.root / directory
        return sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []

    def label(self, name: str) -> str:
        """Return the file's path."""
        return str(self.root / name)


@dataclass(frozen=True)
class GitSource:
    """The spec files of a git revision of the repository holding ``spec/``."""

    revision: str
    repo: Path = REPO_ROOT
    spec_dir: str = "spec"

    def _git(self, *args: str) -> bytes:
        import subprocess  # only a revision's files need git: not imported on the working tree's path

        try:
            done = subprocess.run(["git", "-C", str(self.repo), *args], capture_output=True, check=False, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SpecError(f"{self.spec_dir}@{self.revision}", "", f"cannot run git: {exc}") from None
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise SpecError(
                f"{self.spec_dir}@{self.revision}", "", f"git cannot read it: {message[-1] if message else 'failed'}"
            )
        return done.stdout

    def read(self, name: str) -> bytes:
        """Return the bytes of ``spec/name`` at the revision."""
        try:
            return self._git("show", f"{self.revision}:{self.spec_dir}/{name}")
        except SpecError as exc:
            raise SpecError(self.label(name), "", exc.message) from None

    def names(self, directory: str) -> list[str]:
        """Return the file names in ``spec/directory`` at the revision."""
        try:
            out = self._git("ls-tree", "--name-only", self.revision, f"{self.spec_dir}/{directory}/")
        except SpecError:
            return []
        return sorted(Path(line).name for line in out.decode("utf-8").splitlines() if line)

    def label(self, name: str) -> str:
        """Return ``spec/name@revision``."""
        return f"{self.spec_dir}/{name}@{self.revision}"


def _number(version: str) -> tuple[int, str]:
    return (int(version), version) if version.isdigit() else (10**9, version)


def overlay_files(source: Source | None = None) -> dict[str, str]:
    """Return ``{version: file name}`` of every overlay, oldest first."""
    found = {}
    for name in (source or DirectorySource()).names(OVERLAY_DIR):
        match = _OVERLAY_NAME.match(name)
        if match:
            found[match.group(1)] = f"{OVERLAY_DIR}/{name}"
    return dict(sorted(found.items(), key=lambda item: _number(item[0])))


def base_version(source: Source | None = None) -> str:
    """Return ``info.version`` of the base document."""
    src = source or DirectorySource()
    return _stated_version(src.label(BASE_FILE), src.read(BASE_FILE))


@lru_cache(maxsize=8)
def _stated_version(label: str, raw: bytes) -> str:
    """``info.version`` of a base file's bytes (asked for several times per command: parsed once)."""
    document = load_document(Path(label), raw)
    version = (document.get("info") or {}).get("version")
    if not isinstance(version, str) or not version:
        raise SpecError(label, "/info/version", "the base file must state its API version (a string)")
    return version


def known_versions(source: Source | None = None) -> list[str]:
    """Return every API version ``spec/`` describes, oldest first."""
    src = source or DirectorySource()
    return [base_version(src), *overlay_files(src)]


def newest_version(source: Source | None = None) -> str:
    """Return the newest API version described."""
    return known_versions(source)[-1]


@dataclass(frozen=True)
class Resolved:
    """One API version as a complete OpenAPI document, and the file that declared it."""

    version: str
    document: dict[str, Any]
    declared_in: str
    declaring_file: dict[str, Any]


def resolve(version: str, source: Source | None = None) -> Resolved:
    """Return the complete document of ``version``: the base with every overlay up to it applied, in order."""
    from promo_spec.overlay import apply_overlay  # python-jsonpath: imported only when an overlay is applied

    src = source or DirectorySource()
    known = known_versions(src)
    if version not in known:
        raise SpecError(
            src.label(""), "", f"unknown API version {version!r}; the project describes: {', '.join(known)}"
        )
    document = load_document(Path(src.label(BASE_FILE)), src.read(BASE_FILE))
    resolved = Resolved(known[0], document, src.label(BASE_FILE), document)
    for number, name in overlay_files(src).items():
        if _number(number) > _number(version):
            break
        overlay = load_document(Path(src.label(name)), src.read(name))
        document = apply_overlay(document, overlay, path=src.label(name))
        stated = (document.get("info") or {}).get("version")
        if stated != number:
            raise SpecError(
                src.label(name),
                "/actions",
                f"after this overlay info.version is {stated!r}; the overlay of version {number} must set it to "
                f"{number!r} (an action with target '$.info')",
            )
        resolved = Resolved(number, document, src.label(name), overlay)
    return resolved
