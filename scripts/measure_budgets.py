"""Measure the budgets of the issues, from a fresh clone, as medians of repeated runs.

Run it:  uv run python scripts/measure_budgets.py [--ref HEAD] [--repeat 3] [--only build,...]

* build:    ``uv run mkdocs build --strict``, with no database variables set;
* serve:    ``uv run mkdocs serve``: seconds from saving a page's prose, and an example, to the
            reload;
* pytest:   ``uv run --group dev pytest`` with the servers of TEST_POSTGRESQL_URL /
            TEST_MYSQL_URL, as CI;
* examples: every example on every database, each on a database of its own (budget 3 s);
* lines:    lines of Python outside snippets/ and benchmark/ (budget 2,000).

Each measurement clones the repository at --ref into a scratch folder and runs
``uv sync --group dev`` there (not timed). Budgets are reported, not asserted: the machine's
load decides too much.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVERS = ("TEST_POSTGRESQL_URL", "TEST_MYSQL_URL", "TEST_REQUIRE_ALL_DATABASES")
MACHINERY = ("proof", "tests", "scripts")  # all Python but snippets/ and benchmark/


def environment(*, servers: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "VIRTUAL_ENV"}}
    env["NO_MKDOCS_2_WARNING"] = "1"
    return env if servers else {k: v for k, v in env.items() if k not in SERVERS}


def timed(command: str, work: Path, *, servers: bool = False) -> float:
    start = time.perf_counter()
    env = environment(servers=servers)
    done = subprocess.run(command.split(), cwd=work, env=env, capture_output=True, text=True)
    if done.returncode != 0:  # still timed: say so, and show why
        print(f"{command} FAILED:\n{done.stdout[-1500:]}{done.stderr[-1500:]}", file=sys.stderr)
    return time.perf_counter() - start


def measure_build(work: Path) -> dict[str, float]:
    return {"mkdocs build --strict (s)": timed("uv run mkdocs build --strict -q", work)}


def measure_pytest(work: Path) -> dict[str, float]:
    return {"pytest, every database (s)": timed("uv run --group dev pytest -q", work, servers=True)}


def measure_serve(work: Path) -> dict[str, float]:
    """Start `mkdocs serve`, then time two reloads: after a prose edit and an example edit."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = work / "serve.log"
    command = ["uv", "run", "mkdocs", "serve", "-a", f"127.0.0.1:{port}"]
    with log.open("w") as out:
        env = environment(servers=False)
        server = subprocess.Popen(command, cwd=work, env=env, stdout=out, stderr=out)
    try:
        wait_for(log, "Serving on", 0)
        page, example = work / "docs/index.md", work / "snippets/session_pool/good_with_pooling.py"
        return {
            "serve: reload after a prose edit (s)": reload_after(log, page, "\nMore prose.\n"),
            "serve: reload after an example edit (s)": reload_after(log, example, "\n# edit\n"),
        }
    finally:
        server.terminate()
        server.wait(30)


def wait_for(log: Path, marker: str, seen: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while log.read_text().count(marker) <= seen:
        if time.monotonic() > deadline:
            sys.exit(f"no {marker!r} in {log} after {timeout} s:\n{log.read_text()[-3000:]}")
        time.sleep(0.05)


def reload_after(log: Path, path: Path, text: str) -> float:
    seen = log.read_text().count("Reloading browsers")
    time.sleep(1)  # a separate modification time
    start = time.perf_counter()
    path.write_text(path.read_text() + text)
    wait_for(log, "Reloading browsers", seen)
    return time.perf_counter() - start


def measure_examples(work: Path) -> dict[str, float]:
    """Each (example, database), run as the tests run it: the slowest, and how many are over."""
    command = ["uv", "run", "python", "scripts/measure_budgets.py", "--time-examples"]
    env = environment(servers=True)
    done = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, check=True)
    times = sorted((float(t), name) for t, name in (ln.split() for ln in done.stdout.splitlines()))
    for seconds, name in times[-5:]:
        print(f"  {name}: {seconds} s", file=sys.stderr)
    return {"slowest example (s)": times[-1][0], "examples over 3 s": sum(t > 3 for t, _ in times)}


def time_examples() -> None:
    """Print the seconds of every (example, database) of this checkout, one per line."""
    sys.path.insert(0, str(ROOT))
    from proof import runner
    from proof.databases import DATABASES
    from proof.examples import examples

    for example in examples().values():
        for database in (d for d in example.databases if DATABASES[d].available()):
            with tempfile.TemporaryDirectory() as scratch:
                run, _ = runner.run_on_own_database(example, database, Path(scratch))
            if run.problem():
                sys.exit(run.problem())
            print(f"{run.duration:.2f} {example.name}-{database}", flush=True)


def measure_lines(work: Path) -> dict[str, float]:
    files = [p for p in work.rglob("*.py") if p.relative_to(work).parts[0] in MACHINERY]
    lines = sum(len(p.read_text().splitlines()) for p in files)
    return {"lines of Python outside snippets/ and benchmark/": lines}


MEASURES: dict[str, Callable[[Path], dict[str, float]]] = {
    "build": measure_build,
    "serve": measure_serve,
    "pytest": measure_pytest,
    "examples": measure_examples,
    "lines": measure_lines,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ref", default="HEAD", help="the commit to measure (default HEAD)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default=",".join(MEASURES), help=",".join(MEASURES))
    parser.add_argument("--time-examples", action="store_true", help="of this checkout, once")
    args = parser.parse_args()
    if args.time_examples:
        return time_examples()
    results: dict[str, list[float]] = {}
    for name in args.only.split(","):
        for _ in range(1 if name == "lines" else args.repeat):
            with tempfile.TemporaryDirectory(prefix="budgets-") as scratch:
                work = Path(scratch) / "clone"
                subprocess.run(["git", "clone", "-q", str(ROOT), str(work)], check=True)
                subprocess.run(["git", "-C", str(work), "checkout", "-q", args.ref], check=True)
                subprocess.run(["uv", "sync", "-q", "--group", "dev"], cwd=work, check=True)
                for label, value in MEASURES[name](work).items():
                    results.setdefault(label, []).append(value)
                    print(f"{label}: {value:.2f}", file=sys.stderr, flush=True)
    print(
        f"\n{args.ref}, medians of {args.repeat} runs\n\n| measure | median | runs |\n|---|---|---|"
    )
    for label, values in results.items():
        runs = ", ".join(f"{v:.1f}" for v in values)
        print(f"| {label} | {statistics.median(values):.1f} | {runs} |")


if __name__ == "__main__":
    main()
