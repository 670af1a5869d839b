"""What the client tests share: the two runners, the calls as each client makes them, outcomes compared.

run_python.py runs in a process with only one API version's Python client on PYTHONPATH;
run_typescript.ts is compiled beside that version's client.ts. Both read one plan (runs, calls) on
stdin and print one outcome per call: {"ok": value}, {"refused": {class, error, text}} (an ApiError)
or {"failed": {class, message}} (any other error of the client).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from generator.ir import Api, Model, Operation
from promo_spec.versions import known_versions

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
TSC = REPO / "node_modules" / ".bin" / "tsc"
RUN_TIMEOUT = 300  # a healthy run takes seconds; this only stops a hung one


def tree(version: str) -> Path:
    """The generated tree of ``version``: the oldest at generated_clients/, each newer one under vN/."""
    oldest = known_versions()[0]
    return REPO / "generated_clients" / ("" if version == oldest else f"v{version}")


def _operation(api: Api, op_id: str) -> Operation:
    found = next((op for op in api.operations if op.id == op_id), None)
    assert found is not None, f"calls.yaml names {op_id!r}, an operation API v{api.version} does not have"
    return found


def python_call(api: Api, call: dict[str, Any]) -> dict[str, Any]:
    """The call as run_python.py makes it: method name, keyword arguments, the model classes of profile/options."""
    op = _operation(api, call["op"])
    kwargs = {k: v for k, v in call["args"].items() if k not in {"profile", "options"}}
    profile = options = None
    if op.matching is not None and "profile" in call["args"]:
        given = dict(call["args"]["profile"])
        wanted = given.pop(op.matching.param)
        mode = next(m for m in op.matching.modes if m.value == wanted)
        profile = {"class": mode.class_name, "kwargs": given}
    if op.options is not None and "options" in call["args"]:
        given = call["args"]["options"]
        variant = next(v for v in op.options.variants if all(f.name in given for f in v.required))
        options = {"class": variant.class_name, "kwargs": given}
    return {
        "method": op.method_name,
        "kwargs": kwargs,
        "profile": profile,
        "options": options,
        "client": call.get("client"),
    }


def typescript_call(api: Api, call: dict[str, Any]) -> dict[str, Any]:
    """The call as run_typescript.ts makes it: method name and the arguments object as the table writes it."""
    return {"method": _operation(api, call["op"]).ts_name, "args": call["args"], "client": call.get("client")}


# -- running the clients --------------------------------------------------------------------------


def compile_runner(version: str, workdir: Path) -> Path:
    """run_typescript.ts compiled with ``version``'s client.ts by the project's tsc; the .js to run."""
    workdir.mkdir(parents=True)
    shutil.copy(tree(version) / "typescript" / "client.ts", workdir / "client.ts")
    shutil.copy(HERE / "run_typescript.ts", workdir / "run.ts")
    (workdir / "node_modules").symlink_to(REPO / "node_modules")  # the client's XML parser
    (workdir / "package.json").write_text('{"type": "module"}\n', encoding="utf-8")
    command = [
        str(TSC), "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022",
        "--types", "node", "--typeRoots", str(REPO / "node_modules" / "@types"), "--outDir", str(workdir / "out"),
        str(workdir / "client.ts"), str(workdir / "run.ts"),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, cwd=workdir, timeout=RUN_TIMEOUT, check=False)
    assert done.returncode == 0, f"tsc failed on run_typescript.ts:\n{done.stdout}{done.stderr}"
    (workdir / "out" / "package.json").write_text('{"type": "module"}\n', encoding="utf-8")
    return workdir / "out" / "run.js"


def run_plan(version: str, client: str, plan: dict[str, Any], typescript: Path | None = None) -> list[list[Any]]:
    """Run one runner on ``plan``: run_python.py, or the compiled run_typescript.ts; each run's outcomes."""
    command = ["node", str(typescript)] if client == "typescript" else [sys.executable, str(HERE / "run_python.py")]
    env = {**os.environ, "PYTHONPATH": str(tree(version) / "python")}
    done = subprocess.run(
        command, input=json.dumps(plan), capture_output=True, text=True, env=env, timeout=RUN_TIMEOUT, check=False
    )
    assert done.returncode == 0, f"the {client} runner failed:\n{done.stderr}"
    runs: list[list[Any]] = json.loads(done.stdout)["runs"]
    return runs


def _project(models: dict[str, Model], name: str, value: Any) -> Any:
    """``value`` as model ``name`` declares it: its fields only, absent and null alike left out."""
    if isinstance(value, list):
        return [_project(models, name, item) for item in value]
    if not isinstance(value, dict):
        return value
    projected = {}
    for field in models[name].fields:
        inner = value.get(field.name)
        if inner is not None:
            projected[field.name] = _project(models, field.model, inner) if field.model else inner
    return projected


def canonical(api: Api, op_id: str, outcome: dict[str, Any]) -> dict[str, Any]:
    """An outcome as both clients must agree on it: a result projected onto its declared fields."""
    if "ok" not in outcome:
        return outcome
    op = _operation(api, op_id)
    value = outcome["ok"]
    if op.result.kind == "none":
        return {"ok": value}
    return {"ok": _project({m.name: m for m in api.models}, op.result.model, value)}
