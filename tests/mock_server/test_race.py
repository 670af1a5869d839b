"""Concurrency: one personal code attached from many threads at once goes to exactly one profile."""

from __future__ import annotations

import io
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests
import yaml

from mock_server.app import MockApp, create_app
from mock_server.seed import Seed, parse_seed
from mock_server.serve import start_background
from tests.mock_server.conftest import BASE, TOKEN, Api

THREADS = 16
ROUNDS = 40


CROWD: dict[str, Any] = {
    "databases": [{"id": 1, "profiles": [{"profile_id": f"p{n:02d}"} for n in range(THREADS)]}],
    "programs": [{"id": 1, "kind": "personal", "codes": []}],
}


def crowd_seed(codes: int = 0) -> Seed:
    return parse_seed(
        {**CROWD, "programs": [{"id": 1, "kind": "personal", "codes": [f"F-{n:04d}" for n in range(codes)]}]}
    )


def attach(app: MockApp, profile: str, code: str | None) -> int:
    body: dict[str, Any] = {
        "token": TOKEN,
        "db_id": 1,
        "loyalty_id": 1,
        "matching": "profile_id",
        "profile_id": profile,
    }
    if code is not None:
        body["code"] = code
    raw = json.dumps(body).encode()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": BASE + "attach",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(raw)),
        "wsgi.input": io.BytesIO(raw),
    }
    error: int = json.loads(app.respond(environ)[2])["error"]
    return error


def race(app: MockApp, code: str) -> list[int]:
    """All threads attach ``code`` to their own profile at the same moment; return the error numbers."""
    gate = threading.Barrier(THREADS)

    def one(n: int) -> int:
        gate.wait()
        return attach(app, f"p{n:02d}", code)

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(one, range(THREADS)))


def test_one_personal_code_goes_to_exactly_one_profile() -> None:
    app = create_app(crowd_seed(), token=TOKEN)
    for n in range(ROUNDS):
        code = f"R-{n}"
        Api(app).ok("import", codes=[code], loyalty_id=1)
        errors = race(app, code)
        assert errors.count(0) == 1, errors
        assert set(errors) == {0, 431}
        assert len(app.store.programs[1].codes[code].holders) == 1


def test_the_race_test_catches_a_missing_lock() -> None:
    app = create_app(crowd_seed(), token=TOKEN, faults=frozenset({"attach-race"}))
    Api(app).ok("import", codes=["R-0"], loyalty_id=1)
    assert race(app, "R-0").count(0) > 1
    assert len(app.store.programs[1].codes["R-0"].holders) > 1


def test_concurrent_pool_draws_hand_out_distinct_codes() -> None:
    app = create_app(crowd_seed(codes=THREADS * ROUNDS // 2), token=TOKEN)
    gate = threading.Barrier(THREADS)

    def many(n: int) -> list[int]:
        gate.wait()
        return [attach(app, f"p{n:02d}", None) for _ in range(ROUNDS)]

    with ThreadPoolExecutor(THREADS) as pool:
        errors = [e for batch in pool.map(many, range(THREADS)) for e in batch]
    codes = app.store.programs[1].codes.values()
    assert errors.count(0) == THREADS * ROUNDS // 2 and set(errors) == {0, 437}
    assert all(len(state.holders) == 1 for state in codes)


def test_the_race_over_http(tmp_path: Path) -> None:
    seed_file = tmp_path / "crowd.yaml"
    seed_file.write_text(yaml.safe_dump(CROWD), encoding="utf-8")
    with start_background(seed_path=seed_file, token=TOKEN) as server:
        sessions = [requests.Session() for _ in range(THREADS)]
        for n in range(10):
            code = f"H-{n}"
            gate = threading.Barrier(THREADS)

            def one(i: int, code: str = code, gate: threading.Barrier = gate) -> int:
                body = {
                    "token": TOKEN,
                    "db_id": 1,
                    "loyalty_id": 1,
                    "matching": "profile_id",
                    "profile_id": f"p{i:02d}",
                    "code": code,
                }
                gate.wait()
                response = sessions[i].post(server.url + BASE + "attach", json=body, timeout=10)
                assert response.status_code == 200
                error: int = response.json()["error"]
                return error

            with ThreadPoolExecutor(THREADS) as pool:
                errors = list(pool.map(one, range(THREADS)))
            assert errors.count(0) == 1, errors
