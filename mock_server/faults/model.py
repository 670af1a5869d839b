"""Faults only the model-judged tests catch (issue 18): wrong in places no rule case, postcondition or invariant
looks at — a code repeated inside one import request, ``is_expired`` of a code past its expiry date (only the
model-based machine and the rare states expire a code), codes compared one way on import and another on get (only
the model's code identity readings, ``x-code-identity``, send another spelling of a held code), a pool that forgets
a code given back (only the pool drain drains a program). ``make power`` runs them with ``--oracle '[model <op>]'``.
"""

from __future__ import annotations

from collections import deque

from mock_server import errors
from mock_server.faults.wrapping import Record, handler_fault, records_edited
from mock_server.handlers import Context, Envelope, Request, code_of, program_of
from mock_server.parts import Handler


@handler_fault(
    "import-repeat-inserted",
    "import of a code repeated inside one request reports every repeat as inserted (error 0, counted in inserted), "
    "though the program holds the code once",
    op="import",
    oracles=("[model import]",),
)
def _import_repeat_inserted(faithful: Handler, ctx: Context, request: Request) -> Envelope:
    envelope = faithful(ctx, request)
    program_of(ctx, request)
    items = envelope["data"]
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        code = item["code"]
        if code in first and items[first[code]]["error"] == 0 and item["error"] == errors.DUPLICATED.code:
            item.update(error=0, error_text="")  # the repeat of a code this very request inserted
            envelope["inserted"] += 1
            envelope["duplicated"] -= 1
        first.setdefault(code, index)
    return envelope


def _never_expired(record: Record) -> None:
    if record.get("is_expired"):
        record["is_expired"] = False
        record["expired"] = ""


records_edited(
    "get-never-expired",
    "get reports is_expired false (and expired empty) for a code past its expire_date",
    op="get",
    oracles=("[model get]",),
    edit=_never_expired,
)


@handler_fault(
    "code-case-inconsistent",
    "import calls a code that differs from a held one only in letter case a duplicate (it compares codes "
    "case-insensitively), while get, attach, detach, activate and update compare them exactly: no one reading of "
    "code identity explains both",
    op="import",
    oracles=("[model import]", "[model get]"),
)
def _code_case_inconsistent(faithful: Handler, ctx: Context, request: Request) -> Envelope:
    program = program_of(ctx, request)
    codes: list[str] = request["codes"]
    with ctx.store.lock:  # the fault's own index: one pass over the program per import (test seeds are small)
        folded = {code.casefold() for code in program.codes}
        variants = {i for i, code in enumerate(codes) if code not in program.codes and code.casefold() in folded}
    if not variants:
        return faithful(ctx, request)
    kept = [code for i, code in enumerate(codes) if i not in variants]
    envelope = faithful(ctx, dict(request, codes=kept))
    served = iter(envelope["data"])
    duplicate = {"error": errors.DUPLICATED.code, "error_text": errors.DUPLICATED.text}
    envelope["data"] = [dict(duplicate, code=code) if i in variants else next(served) for i, code in enumerate(codes)]
    envelope["duplicated"] += len(variants)
    return envelope


@handler_fault(
    "pool-forgets-detached",
    "a code detached (free again) is never drawn again: a program whose free codes were all drawn refuses a draw "
    "while the detached code is free",
    op="detach",
    oracles=("[model attach]",),
)
def _pool_forgets_detached(faithful: Handler, ctx: Context, request: Request) -> Envelope:
    envelope = faithful(ctx, request)  # refusals raise: only a detach that succeeded gets here
    program = program_of(ctx, request)
    with ctx.store.lock:
        code = code_of(program, request["code"]).code
        program.pool = deque(entry for entry in program.pool if entry != code)
    return envelope
