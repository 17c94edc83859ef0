"""Measure the site's time budgets from a fresh clone, as medians of repeated runs.

Run it:  uv run python tests/measure_budgets.py [--ref HEAD] [--repeat 3] [--only build,serve]

* build:  ``uv run mkdocs build --strict``, with no database variables set;
* serve:  ``uv run mkdocs serve``: seconds from saving a page's prose to the reload, and from
  saving an example to the reload, with the number of examples that reload ran;
* pytest: ``uv run pytest`` with the servers of TEST_POSTGRESQL_URL / TEST_MYSQL_URL, as CI.

Each measurement clones the repository at --ref into a scratch folder, runs ``uv sync`` there
(not timed), then times the command. Prints a Markdown table. Budgets are reported, not
asserted: the machine's load decides too much for a test to hold them.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVER_VARIABLES = ("TEST_POSTGRESQL_URL", "TEST_MYSQL_URL", "TEST_REQUIRE_ALL_BACKENDS")


def clone(ref: str, into: Path) -> Path:
    work = into / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(work)], check=True)
    subprocess.run(["git", "-C", str(work), "checkout", "-q", ref], check=True)
    subprocess.run(["uv", "sync", "-q"], cwd=work, check=True, env=environment(servers=False))
    return work


def environment(*, servers: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "VIRTUAL_ENV"}}
    env["NO_MKDOCS_2_WARNING"] = "1"
    if not servers:
        for variable in SERVER_VARIABLES:
            env.pop(variable, None)
    return env


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:  # still timed: say so, and show why
        print(
            f"{' '.join(command)} FAILED in {cwd} (timed anyway):\n{done.stdout[-1500:]}"
            f"{done.stderr[-1500:]}",
            file=sys.stderr,
        )
    return elapsed


def measure_build(work: Path) -> dict[str, str]:
    env = environment(servers=False)
    seconds = timed(["uv", "run", "mkdocs", "build", "--strict", "-q"], work, env)
    return {"mkdocs build --strict (s)": f"{seconds:.1f}"}


def measure_pytest(work: Path) -> dict[str, str]:
    env = environment(servers=True)
    seconds = timed(["uv", "run", "pytest", "-q"], work, env)
    return {"pytest, all three databases (s)": f"{seconds:.1f}"}


def measure_serve(work: Path) -> dict[str, str]:
    """Start `mkdocs serve`, then time two reloads: after a prose edit and an example edit."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = work / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            ["uv", "run", "mkdocs", "serve", "-a", f"127.0.0.1:{port}"],
            cwd=work,
            env=environment(servers=False),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(log, "Serving on", 0)
        page = work / "docs" / "index.md"
        example = work / "snippets" / "session_pool" / "good_with_pooling.py"
        prose = reload_after(log, lambda: append(page, "\nOne more sentence of prose.\n"))
        ran_before = log.read_text().count("no fresh record on")
        code = reload_after(log, lambda: append(example, "\n# an edit\n"))
        ran = log.read_text().count("no fresh record on") - ran_before
    finally:
        server.terminate()
        server.wait(30)
    return {
        "serve: reload after a prose edit (s)": f"{prose:.1f}",
        "serve: reload after an example edit (s)": f"{code:.1f}",
        "examples run by that reload": str(ran),
    }


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


def wait_for(log: Path, marker: str, seen: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while log.read_text().count(marker) <= seen:
        if time.monotonic() > deadline:
            sys.exit(f"no {marker!r} in {log} after {timeout} s:\n{log.read_text()[-3000:]}")
        time.sleep(0.05)


def reload_after(log: Path, edit: Callable[[], None]) -> float:
    seen = log.read_text().count("Reloading browsers")
    time.sleep(1)  # a separate modification time
    start = time.perf_counter()
    edit()
    wait_for(log, "Reloading browsers", seen)
    return time.perf_counter() - start


MEASURES = {"build": measure_build, "serve": measure_serve, "pytest": measure_pytest}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ref", default="HEAD", help="the commit to measure (default HEAD)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default=",".join(MEASURES), help="build,serve,pytest")
    args = parser.parse_args()
    ref = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", args.ref],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    results: dict[str, list[float]] = {}
    for name in args.only.split(","):
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory(prefix="budgets-") as scratch:
                work = clone(ref, Path(scratch))
                for label, value in MEASURES[name](work).items():
                    results.setdefault(label, []).append(float(value))
                    print(f"{label}: {value}", file=sys.stderr, flush=True)
    compiled = "on" if re.search(r"compile-bytecode\s*=\s*true", pyproject(ref)) else "off"
    print(f"\nCommit {ref}, {args.repeat} runs each, byte-code compilation by uv: {compiled}\n")
    print("| measure | median | runs |\n|---|---|---|")
    for label, values in results.items():
        runs = ", ".join(f"{v:g}" for v in values)
        print(f"| {label} | {statistics.median(values):g} | {runs} |")


def pyproject(ref: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{ref}:pyproject.toml"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


if __name__ == "__main__":
    main()
