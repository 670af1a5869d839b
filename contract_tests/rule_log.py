"""What each rule case showed, kept small: its last example's masked exchange, and the answers counted per rule.

The rule runner calls ``RuleLog.saw`` once per example; the run's verdicts (``contract_tests.verdicts``)
take each rule's evidence and its answers where the docs are silent (error numbers, HTTP statuses,
response media types) from here. Everything stored is masked already.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from contract_tests.masking import Masker
from contract_tests.wire import Exchange

BODY_LIMIT = 4000  # characters of a request or response body kept as evidence


def _clip(text: str, limit: int = BODY_LIMIT) -> str:
    return text if len(text) <= limit else text[:limit] + f"... ({len(text) - limit} more characters)"


def _header(headers: dict[str, str], name: str) -> str:
    return next((v for k, v in headers.items() if k.lower() == name), "")


def evidence_of(exchange: Exchange, mask: Masker) -> dict[str, Any]:
    """One request and its answer as sent and received (bodies as text, JSON or XML), token masked."""
    return {
        "request": {
            "method": exchange.method,
            "url": mask(exchange.url),
            "headers": {k: mask(v) for k, v in exchange.request_headers.items()},
            "body": mask(_clip(exchange.request_body.decode("utf-8", "replace"))),
        },
        "response": {
            "status": exchange.status,
            "headers": {
                k: mask(v) for k, v in exchange.response_headers.items() if k.lower() in ("content-type", "allow")
            },
            "body": mask(_clip(exchange.response_body.decode("utf-8", "replace"))),
        },
    }


def answers_of(exchange: Exchange) -> dict[str, str]:
    """What an answer chose where the docs are silent: its error number, HTTP status and media type."""
    media = _header(exchange.response_headers, "content-type").split(";", 1)[0].strip() or "(none)"
    error = exchange.error
    return {
        "error": "(no envelope)" if error is None else str(error),
        "http_status": str(exchange.status),
        "content_type": media,
    }


@dataclass
class RuleLog:
    """Per case id the last example's evidence; per rule id how often each answer was seen (thread-safe)."""

    evidence: dict[str, dict[str, Any]] = field(default_factory=dict)
    answers: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def saw(self, case_id: str, rule_id: str, exchange: Exchange, mask: Masker) -> None:
        """Record one example of a rule case: its evidence replaces the case's earlier one."""
        shown = evidence_of(exchange, mask)
        with self._lock:
            self.evidence[case_id] = shown
            counts = self.answers.setdefault(rule_id, {})
            for what, value in answers_of(exchange).items():
                counts.setdefault(what, {})
                counts[what][value] = counts[what].get(value, 0) + 1

    def part(self) -> dict[str, Any]:
        """Plain data for the pytest-xdist controller."""
        with self._lock:
            return {"evidence": dict(self.evidence), "answers": self.answers}

    def merge(self, part: dict[str, Any]) -> None:
        """Add a worker's part."""
        with self._lock:
            self.evidence.update(part.get("evidence", {}))
            for rule, kinds in part.get("answers", {}).items():
                mine = self.answers.setdefault(rule, {})
                for what, values in kinds.items():
                    counts = mine.setdefault(what, {})
                    for value, count in values.items():
                        counts[value] = counts.get(value, 0) + int(count)
