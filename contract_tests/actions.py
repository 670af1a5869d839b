"""Setup steps sent as ordinary requests (import, attach, activate), each required to succeed."""

from __future__ import annotations

from typing import Any

from contract_tests.client import Client
from contract_tests.target import Profile, Target
from contract_tests.world import ContractViolation, require_success


def import_codes(client: Client, program: int, codes: list[str]) -> None:
    """Import ``codes`` into ``program``; each must be inserted."""
    exchange = client.call("import", {"loyalty_id": program, "codes": codes})
    data = require_success(client, exchange, f"setup: import into program {program}")
    bad = [item for item in data or [] if isinstance(item, dict) and item.get("error") != 0]
    if bad or not isinstance(data, list) or len(data) != len(codes):
        raise ContractViolation(
            f"setup: import into program {program} did not insert every code\n{client.describe(exchange)}"
        )


def attach_body(
    target: Target, program: int, profile: Profile, *, code: str | None, mode: str = "profile_id"
) -> dict[str, Any]:
    """The body of an attach or detach of ``code`` for ``profile`` matched by ``mode``."""
    body: dict[str, Any] = {"db_id": target.db_id, "loyalty_id": program}
    if mode != "default":
        body["matching"] = mode
    body.update(profile.identifiers(mode))
    if code is not None:
        body["code"] = code
    return body


def attach(client: Client, target: Target, program: int, code: str, profile: Profile) -> None:
    """Attach ``code`` to ``profile`` (matched by profile_id)."""
    exchange = client.call("attach", attach_body(target, program, profile, code=code))
    require_success(client, exchange, f"setup: attach {code!r} in program {program}")


def activate(client: Client, program: int, code: str) -> None:
    """Activate ``code``."""
    exchange = client.call("activate", {"loyalty_id": program, "code": code})
    require_success(client, exchange, f"setup: activate {code!r} in program {program}")


def detach(client: Client, target: Target, program: int, code: str, profile: Profile) -> bool:
    """Try to detach ``code`` from ``profile``; True when the server agreed."""
    exchange = client.call("detach", attach_body(target, program, profile, code=code))
    return exchange.error == 0
