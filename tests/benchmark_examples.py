"""How long each example takes as a program, per backend: the "under 3 s" target, measured.

Run it:  uv run python tests/benchmark_examples.py [--repeat 3] [--limit 3.0]

Uses the same servers as the tests (TEST_POSTGRESQL_URL, TEST_MYSQL_URL); SQLite runs on a file
in a scratch folder. Prints a Markdown table of wall-clock seconds (best of --repeat runs, and
the worst) including interpreter start-up, and exits 1 if any example's best run exceeds --limit.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import harness

from example_outputs import runner

SERVERS = {"postgresql": "TEST_POSTGRESQL_URL", "mysql": "TEST_MYSQL_URL"}


def urls(scratch: Path) -> dict[str, str]:
    found = {"sqlite": f"sqlite:///{scratch / 'pooling_guide.db'}"}
    for backend, variable in SERVERS.items():
        if os.environ.get(variable):
            found[backend] = os.environ[variable]
    return found


def timed_run(module: str, url: str, cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", module],
        cwd=cwd,
        env=runner.environment(url),
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--limit", type=float, default=3.0)
    args = parser.parse_args()
    over = []
    with tempfile.TemporaryDirectory() as scratch:
        backends = urls(Path(scratch))
        print("| example | " + " | ".join(backends) + " |")
        print("|---|" + "---|" * len(backends))
        for example in harness.examples().values():
            cells = []
            for backend, url in backends.items():
                if backend not in example.backends:
                    cells.append("n/a")
                    continue
                runs = [timed_run(example.module, url, Path(scratch)) for _ in range(args.repeat)]
                cells.append(f"{min(runs):.2f} (max {max(runs):.2f})")
                if min(runs) > args.limit:
                    over.append(f"{example.module} on {backend}: {min(runs):.2f} s")
            print(f"| `{example.module}` | " + " | ".join(cells) + " |")
    missing = [b for b in SERVERS if b not in backends]
    if missing:
        print(f"\nnot measured (variable not set): {', '.join(missing)}")
    if over:
        print(f"\nover {args.limit} s:\n" + "\n".join(over))
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
