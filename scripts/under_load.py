"""Run the example tests while busy processes compete for the CPU, and count record mismatches.

What an example prints must not depend on how the scheduler ran its threads; a quiet machine
hides such races. This starts BUSY processes that spin (six by default, for two cores), runs
``pytest tests/test_examples.py --check-records`` ROUNDS times with the servers of the
environment (TEST_POSTGRESQL_URL, TEST_MYSQL_URL), and stops the busy processes::

    TEST_POSTGRESQL_URL=... TEST_MYSQL_URL=... \
        uv run --group dev python scripts/under_load.py --rounds 3

It prints each round's failed cases (their diffs are in test-artifacts/under-load/) and exits
non-zero if any round had one.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPIN = "while True: pass"
LOGS = ROOT / "test-artifacts" / "under-load"  # each round's pytest output, with its diffs


def one_round(number: int, select: str) -> tuple[str, list[str]]:
    """One run of the example tests: pytest's summary line, and the cases that failed (the
    whole run, if pytest failed without naming a case). Its whole output goes to LOGS."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/test_examples.py", "--check-records", "-q"]
        + (["-k", select] if select else []),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    LOGS.mkdir(parents=True, exist_ok=True)
    (LOGS / f"round-{number}.log").write_text(done.stdout + done.stderr)
    lines = done.stdout.strip().splitlines() or ["(no output)"]
    failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", done.stdout, re.MULTILINE)
    if done.returncode and not failed:
        failed = [f"pytest exited with {done.returncode}: {done.stderr.strip()[-500:]}"]
    return lines[-1], failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--busy", type=int, default=6, help="spinning processes (default 6)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of the tests (default 3)")
    parser.add_argument("-k", dest="select", default="", help="pytest's -k, to run fewer cases")
    args = parser.parse_args()
    busy = [subprocess.Popen([sys.executable, "-c", SPIN]) for _ in range(args.busy)]
    failed_rounds = 0
    try:
        for number in range(1, args.rounds + 1):
            summary, failed = one_round(number, args.select)
            failed_rounds += bool(failed)
            print(f"round {number}: {summary}", *failed, sep="\n  ", flush=True)
    finally:
        for process in busy:
            process.kill()
            process.wait()
    print(f"{failed_rounds} of {args.rounds} rounds had a failure, with {args.busy} busy processes")
    return 1 if failed_rounds else 0


if __name__ == "__main__":
    sys.exit(main())
