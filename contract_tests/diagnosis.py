"""Whose fault a preflight answer shows: the target file's (it can fix it: exit 4) or the server's (a contract
violation the file cannot cause: exit 1, with the evidence).

A target file can be wrong about the server in a few ways only: the base URL (nothing listens, or something that
is not the API answers), the token, a program, a profile's identifier. Each shows as a well-formed refusal (an
envelope with an integer ``error``) or as no answer at all. An answer the API never gives (an HTTP 5xx, a broken
envelope), or two answers that contradict each other or the spec, is the server's fault whatever the file says:
``ServerFault``, which the run reports as a failing test (``contract_tests/preflight_verdict.py``).
"""

from __future__ import annotations

from collections.abc import Iterable

from contract_tests.client import Client
from contract_tests.validity import response_problems
from contract_tests.wire import Exchange

TAG = "[preflight]"  # how a failure names this oracle (contract_tests/report.ORACLE_TAG)
# the kinds of fault, each the words after the tag: ``make power`` matches a fault by them
SERVER_ERROR = "an HTTP 5xx answer"
BROKEN_ENVELOPE = "a broken envelope"
CONTRADICTION = "contradicting answers"
VALID_REFUSED = "a valid request refused"
TOKEN_IGNORED = "a refusal that does not depend on the token"
KINDS = (SERVER_ERROR, BROKEN_ENVELOPE, CONTRADICTION, VALID_REFUSED, TOKEN_IGNORED)


class ServerFault(Exception):
    """The preflight saw the server break the contract: the kind, what, and the evidence (requests and answers,
    masked)."""

    def __init__(self, kind: str, what: str, evidence: Iterable[str] = ()) -> None:
        self.kind = kind
        self.what = what
        self.evidence = [e for e in evidence if e]
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The failure's text: the tag and kind, what the server did, why the target file cannot cause it, the
        evidence."""
        shown = "\n".join(f"evidence {i}:\n{e}" for i, e in enumerate(self.evidence, 1))
        return (
            f"{TAG} {self.kind}: {self.what}\n"
            "The server broke the contract before any test; no target file causes this, so the run stopped before "
            "its tests: look at the server." + (f"\n{shown}" if shown else "")
        )


def answer_fault(client: Client, exchange: Exchange, doing: str) -> ServerFault | None:
    """The fault an answer shows by itself, whatever the target file says (None when it is a well-formed envelope):
    an HTTP 5xx, no envelope, or an envelope that breaks the response schema (an integer ``error`` and a string
    ``error_text``; a success the whole schema)."""
    evidence = [client.describe(exchange)]
    if exchange.status >= 500:
        return ServerFault(
            SERVER_ERROR, f"{doing} answered HTTP {exchange.status}, which the API never answers", evidence
        )
    if exchange.envelope is None:
        return ServerFault(
            BROKEN_ENVELOPE,
            f"{doing} answered something that is not the API's envelope ({exchange.decode_error})",
            evidence,
        )
    problems = response_problems(client.spec.response_checkers[exchange.operation], exchange.envelope)
    if problems:
        return ServerFault(
            BROKEN_ENVELOPE,
            f"{doing} answered an envelope that breaks the response schema: {'; '.join(problems[:3])}",
            evidence,
        )
    return None


def check(client: Client, exchange: Exchange, doing: str) -> Exchange:
    """``exchange`` when its answer is well-formed; else raise the ``ServerFault`` it shows."""
    fault = answer_fault(client, exchange, doing)
    if fault is not None:
        raise fault
    return exchange


def looks_like_the_api(exchange: Exchange) -> bool:
    """Whether an answer carries the envelope's keys (so it is the API answering, however badly)."""
    envelope = exchange.envelope
    return isinstance(envelope, dict) and ("error" in envelope or "error_text" in envelope)
