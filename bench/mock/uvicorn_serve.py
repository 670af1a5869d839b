"""The mock's app behind uvicorn + uvloop (a small ASGI adapter): the alternative that throughput.py measures.

Usage: python bench/mock/uvicorn_serve.py --port N (token from $ALTCRAFT_TOKEN, default seed).
"""

from __future__ import annotations

import argparse
import os
from typing import Any

import uvicorn

from mock_server import DEFAULT_TOKEN, TOKEN_ENV
from mock_server.app import MockApp, create_app
from mock_server.errors import ApiError
from mock_server.seed import load_seed


class AsgiAdapter:
    """Route, read the body (refusing it past the limit), answer: the same steps as mock_server.serve.RsgiAdapter."""

    def __init__(self, app: MockApp) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        app = self.app
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        answer = app.route(scope["method"], scope["path"])
        if isinstance(answer, str):
            op_id = answer
            try:
                app.declared_length(headers.get("content-length", ""))
                chunks, size, more = [], 0, True
                while more:
                    message = await receive()
                    chunk = message.get("body", b"")
                    size += len(chunk)
                    if size > app.max_body:
                        raise app.too_long()
                    chunks.append(chunk)
                    more = message.get("more_body", False)
                answer = app.answer(op_id, headers.get("content-type", ""), b"".join(chunks))
            except ApiError as exc:
                answer = app.refusal(exc)
        status, out_headers, body = answer
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in out_headers]
        await send({"type": "http.response.start", "status": status, "headers": raw})
        await send({"type": "http.response.body", "body": body})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = create_app(load_seed(None), token=os.environ.get(TOKEN_ENV) or DEFAULT_TOKEN)
    uvicorn.run(
        AsgiAdapter(app), host="127.0.0.1", port=args.port, loop="uvloop", http="httptools", log_level="warning"
    )


if __name__ == "__main__":
    main()
