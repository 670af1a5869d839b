"""One contract run as the site shows it: read from a ``contract-report.json`` (keys ``run`` and ``rules``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docsite.errors import DocsiteError


@dataclass(frozen=True)
class Message:
    """A request or a response as sent or received (token masked by the suite)."""

    start_line: str  # "POST http://…/attach" or "HTTP 200"
    headers: tuple[tuple[str, str], ...]
    body: str

    @property
    def language(self) -> str:
        """``json``, ``xml`` or ``text``: what the body is, by its first character."""
        first = self.body.lstrip()[:1]
        return "json" if first in ("{", "[") else "xml" if first == "<" else "text"


@dataclass(frozen=True)
class Evidence:
    """One example of a rule case: its request and response, and its problem when it failed."""

    case: str
    outcome: str
    problem: str
    request: Message
    response: Message


@dataclass(frozen=True)
class RuleResult:
    """A rule's verdict in one run."""

    verdict: str  # pass | fail | recorded | not run
    cases: dict[str, int]
    failed_cases: tuple[str, ...]
    problem: str
    not_run_because: str
    not_applicable: bool  # not run because the rule does not apply to the target's declared program settings
    evidence: tuple[Evidence, ...]
    reproduce: str
    answers: dict[str, dict[str, int]]  # error | http_status | content_type -> value -> count
    answer_texts: dict[str, list[str]]  # error_text | changes -> distinct values seen
    silent: tuple[str, ...]  # which of the answers the docs are silent about


@dataclass(frozen=True)
class RunReport:
    """One run of the suite against one target and API version."""

    path: Path
    run_id: str
    date: str
    target: str
    api_version: str
    seed: str
    profile: str
    outcome: dict[str, int]
    failures: tuple[dict[str, str], ...]
    rules: dict[str, RuleResult]
    # the reading of code identity (x-code-identity) the run's answers fit, as the report words it ("exact",
    # "undecided", "incoherent: ..."); "" for a report written before the suite recorded it
    identity: str = ""

    @property
    def key(self) -> tuple[str, str]:
        """(target, API version)."""
        return (self.target, self.api_version)


def _message(data: dict[str, Any], *, request: bool) -> Message:
    start = f"{data.get('method', 'POST')} {data.get('url', '')}" if request else f"HTTP {data.get('status', '?')}"
    headers = tuple((str(k), str(v)) for k, v in (data.get("headers") or {}).items())
    return Message(start, headers, str(data.get("body", "")))


def _result(data: dict[str, Any]) -> RuleResult:
    return RuleResult(
        verdict=str(data["verdict"]),
        cases={str(k): int(v) for k, v in (data.get("cases") or {}).items()},
        failed_cases=tuple(data.get("failed_cases") or ()),
        problem=str(data.get("problem", "")),
        not_run_because=str(data.get("not_run_because", "")),
        not_applicable=bool(data.get("not_applicable", False)),
        evidence=tuple(
            Evidence(
                case=str(e.get("case", "")),
                outcome=str(e.get("outcome", "")),
                problem=str(e.get("problem", "")),
                request=_message(e.get("request") or {}, request=True),
                response=_message(e.get("response") or {}, request=False),
            )
            for e in data.get("evidence") or ()
        ),
        reproduce=str(data.get("reproduce", "")),
        answers={str(k): {str(a): int(n) for a, n in v.items()} for k, v in (data.get("answers") or {}).items()},
        answer_texts={str(k): [str(t) for t in v] for k, v in (data.get("answer_texts") or {}).items()},
        silent=tuple(data.get("silent") or ()),
    )


def read_report(path: Path) -> RunReport | None:
    """The run a report describes; None for a report written before verdicts were recorded."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DocsiteError(f"{path}: not a readable contract report ({exc}); remove it or run the suite") from None
    if not isinstance(data, dict):
        raise DocsiteError(f"{path}: not a contract report (a JSON object is expected)")
    if "run" not in data or "rules" not in data:
        return None
    try:
        run = data["run"]
        return RunReport(
            path=path,
            run_id=str(run["id"]),
            date=str(run["date"]),
            target=str(run["target"]),
            api_version=str(run["api_version"]),
            seed=str(run.get("hypothesis_seed", "")),
            profile=str(run.get("profile", "")),
            outcome={str(k): int(v) for k, v in (data.get("outcome") or {}).items()},
            failures=tuple(data.get("failures") or ()),
            rules={str(rule): _result(found) for rule, found in data["rules"].items()},
            identity=str((data.get("code_identity") or {}).get("shown", "")),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DocsiteError(
            f"{path}: the run or rules section is not as the suite writes it ({type(exc).__name__}: {exc}); "
            "run the suite again"
        ) from None
