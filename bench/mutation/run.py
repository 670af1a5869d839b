"""The suite's mutation score (``make mutation``): Cosmic Ray mutates the faithful mock, the suite must notice.

Steps, each with Cosmic Ray's own tools (config: bench/mutation/cosmic-ray.toml):

1. ``cosmic-ray init``: every mutant of the configured modules into a session database (``--session``, default
   reports/mutation/session.sqlite; not committed);
2. filters: ``cr-filter-pragma`` (lines marked ``# pragma: no mutate``), ``cr-filter-operators`` (the config's
   ``exclude-operators``), and two filters here: a mutant inside a type annotation is never executed (every mutated
   module has ``from __future__ import annotations``), and a mutant that does not compile (Cosmic Ray rewrites the bare
   ``*`` of keyword-only parameters as a binary operator) is no program; both are skipped and counted apart;
3. two ``cosmic-ray http-worker`` processes, each in its own copy of the tree (a mutant is written to disk, so two at a
   time need two trees), with the project's Python first on PATH; ``cosmic-ray exec`` with the http distributor; each
   mutant runs ``bench/mutation/suite_once.py`` (the suite's fixed-seed mutation profile against the mutated mock);
4. ``bench/mutation/report.py`` writes RESULTS.md from the session and verdicts.yaml (every survivor classified).

``--rerun-survivors OLD_SESSION`` runs only the mutants that survived in OLD_SESSION (same source, same mutants): after
a new check, it shows which of them the suite now kills.

Usage: python bench/mutation/run.py [--session FILE] [--rerun-survivors OLD_SESSION] [--workers N] [--no-report]
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
HERE = Path(__file__).resolve().parent
CONFIG = HERE / "cosmic-ray.toml"
BIN = Path(sys.executable).parent  # the project's venv: cosmic-ray, cr-* and python
# what a worker's copy needs to run the suite against the mock of the copy
TREE = ("mock_server", "promo_spec", "contract_tests", "spec", "bench/mutation", "pyproject.toml")
FIRST_PORT = 9871  # the config's worker-urls: http://127.0.0.1:9871, :9872, ...


def cr(*args: str, cwd: Path = ROOT) -> None:
    """Run one of Cosmic Ray's commands; stop on failure."""
    subprocess.run([str(BIN / args[0]), *args[1:]], cwd=cwd, check=True)


def copy_tree(dest: Path) -> Path:
    """A copy of the parts of this tree the suite and the mock read."""
    for part in TREE:
        src = ROOT / part
        if src.is_dir():
            shutil.copytree(src, dest / part, ignore=shutil.ignore_patterns("__pycache__", "*.sqlite"))
        else:
            (dest / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / part)
    return dest


def annotation_spans(path: Path) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(start, end) positions (line 1-based, column 0-based) of every annotation of the module at ``path``."""
    spans = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        notes: list[ast.expr | None] = []
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            args = node.args
            every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
            notes += [a.annotation for a in every if a is not None]
            notes.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            notes.append(node.annotation)
        for note in notes:
            if note is not None and note.end_lineno is not None and note.end_col_offset is not None:
                spans.append(((note.lineno, note.col_offset), (note.end_lineno, note.end_col_offset)))
    return spans


def skip_annotations(session: Path) -> int:
    """Mark every pending mutant inside a type annotation as skipped (Cosmic Ray's WorkDB); return how many."""
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    skipped = 0
    spans: dict[Path, list[tuple[tuple[int, int], tuple[int, int]]]] = {}
    with use_db(str(session), WorkDB.Mode.open) as db:
        for item in list(db.pending_work_items):
            for m in item.mutations:
                path = ROOT / m.module_path
                if path not in spans:
                    spans[path] = annotation_spans(path)
                start, end = tuple(m.start_pos), tuple(m.end_pos)
                if any(a <= start and end <= b for a, b in spans[path]):
                    note = "annotation: never evaluated (from __future__ import annotations)"
                    db.set_result(item.job_id, WorkResult(output=note, worker_outcome=WorkerOutcome.SKIPPED))
                    skipped += 1
                    break
    return skipped


def skip_uncompilable(session: Path) -> int:
    """Mark every pending mutant whose mutated module does not compile as skipped; return how many.

    Cosmic Ray's binary-operator replacement also rewrites the bare ``*`` that starts keyword-only parameters
    (``def f(a, *, b)`` -> ``def f(a, +, b)``): a syntax error, no mutant of the program's behaviour.
    """
    import cosmic_ray.plugins
    from cosmic_ray.mutating import mutate_code
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    skipped = 0
    with use_db(str(session), WorkDB.Mode.open) as db:
        for item in list(db.pending_work_items):
            for m in item.mutations:
                operator = cosmic_ray.plugins.get_operator(m.operator_name)()
                mutated = mutate_code((ROOT / m.module_path).read_text(encoding="utf-8"), operator, m.occurrence)
                try:
                    compile(mutated or "", str(m.module_path), "exec")
                except SyntaxError as exc:
                    note = f"does not compile: {exc.msg} (line {exc.lineno}); not a mutant of the behaviour"
                    db.set_result(item.job_id, WorkResult(output=note, worker_outcome=WorkerOutcome.SKIPPED))
                    skipped += 1
                    break
    return skipped


def keep_only_survivors_of(session: Path, old: Path) -> int:
    """Skip every mutant of ``session`` that did not survive in ``old`` (same module, operator, occurrence)."""
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    survivors = set()
    with use_db(str(old), WorkDB.Mode.open) as db:
        for item, result in db.completed_work_items:
            if result.worker_outcome == WorkerOutcome.NORMAL and result.test_outcome == "survived":
                survivors |= {(str(m.module_path), m.operator_name, m.occurrence) for m in item.mutations}
    kept = 0
    with use_db(str(session), WorkDB.Mode.open) as db:
        for item in list(db.pending_work_items):
            key = {(str(m.module_path), m.operator_name, m.occurrence) for m in item.mutations}
            if key <= survivors:
                kept += 1
            else:
                db.set_result(item.job_id, WorkResult(output="not a survivor", worker_outcome=WorkerOutcome.SKIPPED))
    return kept


@contextmanager
def http_workers(count: int, base: Path) -> Iterator[None]:
    """``count`` Cosmic Ray http workers, each serving mutants in its own copy of the tree."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    procs = []
    try:
        for n in range(count):
            tree = copy_tree(base / f"worker{n}")
            log = (base / f"worker{n}.log").open("w")
            worker_env = {**env, "PYTHONPATH": str(tree)}
            command = [str(BIN / "cosmic-ray"), "http-worker", "--port", str(FIRST_PORT + n)]
            procs.append(subprocess.Popen(command, cwd=tree, env=worker_env, stdout=log, stderr=subprocess.STDOUT))
        time.sleep(3)  # aiohttp binds its port at once; exec retries nothing, so let them start
        for p in procs:
            if p.poll() is not None:
                raise SystemExit(f"a cosmic-ray http-worker exited at start (exit {p.returncode}); see {base}")
        yield
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


def write_config(workers: int, dest: Path) -> Path:
    """The committed config with ``workers`` worker URLs."""
    text = CONFIG.read_text(encoding="utf-8")
    urls = ", ".join(f'"http://127.0.0.1:{FIRST_PORT + n}"' for n in range(workers))
    lines = [f"worker-urls = [{urls}]" if line.startswith("worker-urls") else line for line in text.splitlines()]
    dest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dest


def counts(session: Path) -> str:
    """Mutants by outcome, from the session database."""
    with sqlite3.connect(session) as db:
        total = db.execute("SELECT count(*) FROM work_items").fetchone()[0]
        rows = db.execute("SELECT worker_outcome, test_outcome, count(*) FROM work_results GROUP BY 1, 2").fetchall()
    return f"{total} mutants; " + ", ".join(f"{w}/{t}: {n}" for w, t, n in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/mutation/run.py", description=__doc__)
    parser.add_argument("--session", type=Path, default=ROOT / "reports" / "mutation" / "session.sqlite")
    parser.add_argument("--rerun-survivors", type=Path, metavar="OLD_SESSION")
    parser.add_argument("--workers", type=int, default=2, help="http workers, each in its own tree copy (default 2)")
    parser.add_argument("--no-report", action="store_true", help="do not write RESULTS.md")
    args = parser.parse_args(argv)
    if args.workers < 1:
        parser.error("--workers must be at least 1")
    if args.rerun_survivors is not None and not args.rerun_survivors.is_file():
        parser.error(f"{args.rerun_survivors} is no session database; run make mutation first")
    session: Path = args.session.resolve()
    session.parent.mkdir(parents=True, exist_ok=True)
    session.unlink(missing_ok=True)
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", *TREE], cwd=ROOT, capture_output=True, text=True).stdout
    campaign = {
        "commit": commit + (" (with uncommitted changes)" if dirty.strip() else ""),
        "started (UTC)": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
        "machine": f"{os.cpu_count()} cores, shared; load average at start {os.getloadavg()[0]:.1f}",
        "command": "make mutation (python bench/mutation/run.py --workers 2)"
        + (f"; this run: --rerun-survivors {args.rerun_survivors}" if args.rerun_survivors else ""),
        "workers": f"{args.workers} cosmic-ray http-workers, each in its own copy of the tree",
        "per mutant": "python bench/mutation/suite_once.py: phase 1 --profile mutation -x --hypothesis-seed=1 on the "
        "embedded mock (v72, default seed); phase 2 (if phase 1 passes) -k '" + "auth.header or creation-disallowed"
        "' on a v74 mock serving creation_disallowed_seed.yaml",
    }
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mutation-") as tmp:
        config = write_config(args.workers, Path(tmp) / "cosmic-ray.toml")
        cr("cosmic-ray", "init", str(config), str(session))
        cr("cr-filter-pragma", str(session))
        cr("cr-filter-operators", str(session), str(config))
        print(f"annotation filter: {skip_annotations(session)} mutants inside type annotations skipped")
        print(f"compile filter: {skip_uncompilable(session)} mutants that are no valid Python skipped")
        if args.rerun_survivors is not None:
            print(f"re-running {keep_only_survivors_of(session, args.rerun_survivors.resolve())} survivors")
        print(counts(session), flush=True)
        with http_workers(args.workers, Path(tmp)):
            cr("cosmic-ray", "exec", str(config), str(session))
    seconds = time.monotonic() - started
    print(counts(session))
    print(f"campaign wall time: {seconds:.0f} s")
    campaign["wall time"] = f"{seconds / 60:.1f} min ({seconds:.0f} s)"
    campaign["machine"] += f", at end {os.getloadavg()[0]:.1f}"
    (session.parent / "campaign.json").write_text(json.dumps(campaign, indent=1) + "\n", encoding="utf-8")
    if not args.no_report:
        subprocess.run([sys.executable, str(HERE / "report.py"), "--session", str(session)], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
