"""Turn a ``promo-gen diff`` argument into a loaded spec: a version, a file, or either at a git revision."""

from __future__ import annotations

import os
from pathlib import Path

from promo_spec.document import load_document
from promo_spec.errors import SpecError
from promo_spec.loader import Spec, spec_of_document
from promo_spec.versions import DirectorySource, GitSource, Source, known_versions, resolve


def load_side(argument: str) -> Spec:
    """Load ``72`` (a version), ``path/to/openapi.yaml`` (a file), or ``74@main`` / ``FILE@REV`` (at a git revision).

    SpecError names what could not be read and why.
    """
    # A file whose name holds '@' is still a file; otherwise NAME@REV means NAME at git revision REV.
    name, revision = argument, ""
    if "@" in argument and not Path(argument).exists():
        name, _, revision = argument.rpartition("@")
    source: Source = GitSource(revision) if revision else DirectorySource()
    if name.isdigit():
        known = known_versions(source)
        if name not in known:
            where = f" at {revision}" if revision else ""
            raise SpecError(argument, "", f"unknown API version {name!r}{where}; known: {', '.join(known)}")
        resolved = resolve(name, source)
        return spec_of_document(resolved.document, Path(resolved.declared_in))
    path = Path(name)
    raw = _git_show(path, revision) if revision else _read(path)
    label = Path(f"{name}@{revision}") if revision else path
    document = load_document(label, raw)
    if "overlay" in document and "openapi" not in document:
        raise SpecError(str(label), "/overlay", "an overlay alone is not a description; name its version (e.g. 74)")
    return spec_of_document(document, label)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SpecError(str(path), "", f"cannot read it: {exc.strerror or exc} (give a version, a file, or FILE@REV)") \
            from None


def _git_show(path: Path, revision: str) -> bytes:
    # './' makes git read the path relative to the working directory, as the user typed it.
    import subprocess  # only for FILE@REV: not imported by commands that never read a revision

    relative = path.as_posix() if path.is_absolute() else f"./{path.as_posix()}"
    try:
        done = subprocess.run(["git", "show", f"{revision}:{relative}"], capture_output=True, check=False, timeout=60,
                              cwd=os.getcwd())
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SpecError(f"{path}@{revision}", "", f"cannot run git: {exc}") from None
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise SpecError(f"{path}@{revision}", "", f"git cannot read it: {lines[-1] if lines else 'failed'}")
    return done.stdout
