"""Make the shared table's calls with the generated Python client; print what each call got, as JSON.

Runs with only the client of one API version on PYTHONPATH (nothing else of this repository).
Reads {"token", "runs": [{url, request_format, response_format[, calls]}], "calls": [...]} from
stdin, the calls resolved by tests/clients (method name, model classes; a run's own calls, when it
has them, instead of the plan's); prints {"runs": [[outcome, ...], ...]}, one outcome per call:
{"ok": value}, {"refused": {class, error, text}} or {"failed": {class, message}}.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from typing import Any

import altcraft_promo_client as package
from altcraft_promo_client import ApiError, PromoClient, PromoClientError


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _argument(spec: dict[str, Any] | None) -> Any:
    return None if spec is None else getattr(package, spec["class"])(**spec["kwargs"])


def _call(client: PromoClient, call: dict[str, Any]) -> dict[str, Any]:
    kwargs = dict(call["kwargs"])
    for name in ("profile", "options"):
        if call.get(name) is not None:
            kwargs[name] = _argument(call[name])
    try:
        return {"ok": _plain(getattr(client, call["method"])(**kwargs))}
    except ApiError as exc:
        return {"refused": {"class": type(exc).__name__, "error": exc.error, "text": exc.error_text}}
    except PromoClientError as exc:
        return {"failed": {"class": type(exc).__name__, "message": str(exc)}}


def main() -> None:
    plan = json.load(sys.stdin)
    runs = []
    for run in plan["runs"]:
        formats = {"request_format": run["request_format"], "response_format": run["response_format"]}
        outcomes = []
        with PromoClient(run["url"], plan["token"], **formats) as default:
            for call in run.get("calls", plan["calls"]):
                options = call.get("client") or {}
                if not options:
                    outcomes.append(_call(default, call))
                    continue
                token = options.get("token", plan["token"])
                extra = {"token_in": options["token_in"]} if "token_in" in options else {}
                with PromoClient(run["url"], token, **formats, **extra) as own:
                    outcomes.append(_call(own, call))
        runs.append(outcomes)
    sys.stdout.write(json.dumps({"runs": runs}, ensure_ascii=False))  # one write: json.dump writes per token


if __name__ == "__main__":
    main()
