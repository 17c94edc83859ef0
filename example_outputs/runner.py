"""Run an example as a reader does, ``python -m snippets...``, and make a record of the run.

The program runs with the interpreter that runs this code (the tests' or the build's), never
with whatever ``python`` comes first on PATH.
"""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from example_outputs import records, servers

TIMEOUT = 60  # seconds; a safety net, examples take a few


@dataclass(frozen=True)
class Run:
    command: list[str]
    stdout: str
    stderr: str
    returncode: int | None  # None: killed after TIMEOUT
    duration: float


def environment(url: str) -> dict[str, str]:
    """The reader's environment: DATABASE_URL set, this interpreter's scripts first on PATH."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["DATABASE_URL"] = url
    return env


def run_example(module: str, url: str, cwd: Path) -> Run:
    command = [sys.executable, "-m", module]
    start = time.perf_counter()
    try:
        done = subprocess.run(
            command,
            cwd=cwd,
            env=environment(url),
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired as expired:

        def text(stream: str | bytes | None) -> str:
            return stream.decode() if isinstance(stream, bytes) else (stream or "")

        return Run(command, text(expired.stdout), text(expired.stderr), None, TIMEOUT)
    return Run(command, done.stdout, done.stderr, done.returncode, time.perf_counter() - start)


def make_record(module: str, database: str, url: str, server: str, run: Run) -> records.Record:
    return records.Record(
        example=module,
        database=database,
        server=server,
        python=platform.python_version(),
        libraries=servers.driver_versions(url, records.words(module)),
        recorded=datetime.date.today().isoformat(),
        exit_status=run.returncode if run.returncode is not None else -1,
        duration=run.duration,
        key=records.example_key(module),
        output=run.stdout,
    )
