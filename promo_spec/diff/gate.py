"""The CI gate: a spec change may break callers or servers only where its change file acknowledges it.

Each version's acknowledgements are the change ids (``fnmatch`` patterns allowed) listed in
``info.x-acknowledged-breaking`` of the file that declares it and of every file before it
(``openapi.yaml`` for the base version, ``versions/N.overlay.yaml`` for version N).
Compared: every version at the base revision with the same version now, and every new
version with the version before it.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path

from promo_spec.diff.compare import diff_specs
from promo_spec.diff.model import AUDIENCES, Change, DiffResult, tripping
from promo_spec.document import load_document
from promo_spec.errors import SpecError
from promo_spec.loader import spec_of_document
from promo_spec.versions import BASE_FILE, DirectorySource, GitSource, Source, known_versions, overlay_files, resolve

ACK_KEY = "x-acknowledged-breaking"
GATE_FAIL_ON = ("breaking", *AUDIENCES)  # which breaking changes must be acknowledged (default: all of them)


@dataclass(frozen=True)
class GateResult:
    """The comparisons made and the breaking changes nobody acknowledged."""

    compared: tuple[DiffResult, ...]
    unacknowledged: tuple[tuple[str, Change], ...]
    problems: tuple[str, ...]

    @property
    def passed(self) -> bool:
        """Whether the change may be merged."""
        return not self.unacknowledged and not self.problems


def acknowledged(version: str, source: Source) -> list[str]:
    """The acknowledgement patterns in force for ``version``."""
    files = [BASE_FILE] + [name for number, name in overlay_files(source).items() if int(number) <= int(version)]
    patterns: list[str] = []
    for name in files:
        document = load_document(Path(source.label(name)), source.read(name))
        listed = (document.get("info") or {}).get(ACK_KEY, [])
        if not isinstance(listed, list) or not all(isinstance(item, str) for item in listed):
            raise SpecError(source.label(name), f"/info/{ACK_KEY}", "must be a list of change ids (strings)")
        patterns += listed
    return patterns


def gate(
    base_revision: str, head: Source | None = None, repo: Path | None = None, *, fail_on: str = "breaking"
) -> GateResult:
    """Compare ``spec/`` at ``base_revision`` (of ``repo``, default this one) with ``head`` (default: the work tree).

    ``fail_on`` picks the changes that must be acknowledged: ``breaking`` (for callers or servers),
    ``callers`` or ``servers`` only.
    """
    if fail_on not in GATE_FAIL_ON:
        raise ValueError(f"unknown fail_on {fail_on!r}; known: {', '.join(GATE_FAIL_ON)}")
    now = head or DirectorySource()
    before = GitSource(base_revision) if repo is None else GitSource(base_revision, repo=repo)
    old_versions, new_versions = known_versions(before), known_versions(now)
    compared: list[DiffResult] = []
    problems = [f"version {v} was removed" for v in old_versions if v not in new_versions]
    pairs: list[tuple[str, Source, str]] = []  # (old version, its source, new version)
    for index, version in enumerate(new_versions):
        if version in old_versions:
            pairs.append((version, before, version))
        elif index > 0:
            pairs.append((new_versions[index - 1], now, version))
    unacknowledged: list[tuple[str, Change]] = []
    for old_version, old_source, new_version in pairs:
        old_spec = spec_of_document(resolve(old_version, old_source).document, Path(f"{old_version}@{base_revision}"))
        new_spec = spec_of_document(resolve(new_version, now).document, Path(new_version))
        old_label = f"{old_version}@{base_revision}" if old_source is before else old_version
        result = diff_specs(old_spec, new_spec, old_label=old_label, new_label=new_version)
        compared.append(result)
        patterns = acknowledged(new_version, now)
        for change in tripping(result, fail_on):
            if not any(fnmatch.fnmatchcase(change.id, pattern) for pattern in patterns):
                unacknowledged.append((new_version, change))
    return GateResult(tuple(compared), tuple(unacknowledged), tuple(problems))


def report(result: GateResult) -> str:
    """What was compared, and what blocks the merge with how to unblock it."""
    lines = []
    for diff in result.compared:
        lines.append(f"{diff.old} → {diff.new}: {len(diff.changes)} changes, {len(diff.breaking)} breaking")
    lines += [f"BLOCKED: {problem}" for problem in result.problems]
    for version, change in result.unacknowledged:
        lines.append(f"BLOCKED: v{version}: [{change.label}] {change.message}  ({change.id})")
    if result.unacknowledged:
        lines.append(
            f"If these breaking changes are intended, list their ids in `info.{ACK_KEY}` of the change file "
            "(spec/versions/N.overlay.yaml, or spec/openapi.yaml for the base version) and push again."
        )
    lines.append("gate: passed" if result.passed else "gate: failed")
    return "\n".join(lines) + "\n"
