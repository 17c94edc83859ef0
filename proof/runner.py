"""Run an example as a reader does, ``python -m snippets...``, and make a record of the run.

The program runs with the interpreter that runs this code (the tests' or the build's), never
with whatever ``python`` comes first on PATH. An example a page draws (``pages.drawn``) runs
under ``proof.recorder``, which writes its pool events for its record.
"""

from __future__ import annotations

import dataclasses
import datetime
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from proof import databases, pages, recorder
from proof.examples import Example, running
from proof.records import Record

TIMEOUT = 60  # seconds; a safety net, examples take a few


@dataclass(frozen=True)
class Run:
    example: Example
    database: str
    url: str  # the run's own database
    stdout: str
    stderr: str
    returncode: int | None  # None: stopped after TIMEOUT
    duration: float
    events: str = ""  # its pools' events (proof.events), if a page draws it

    def problem(self) -> str:
        """Why the run failed, with the end of what it printed; empty when it did not."""
        if self.returncode == 0:
            return ""
        how = f"exited with {self.returncode}"
        if self.returncode is None:
            how = f"was still running after {TIMEOUT} s"

        def tail(text: str) -> str:
            return "\n".join(text.rstrip().splitlines()[-30:]) or "(nothing)"

        return (
            f"python -m {self.example.module} on {self.database} {how}.\n"
            f"--- stdout ---\n{tail(self.stdout)}\n--- stderr ---\n{tail(self.stderr)}"
        )

    def by_hand(self) -> str:
        """The reader's command that reruns it on the same server."""
        variable = databases.DATABASES[self.database].variable
        url = f"DATABASE_URL=${variable} " if variable else ""
        return f"{url}uv run python -m {shlex.quote(self.example.module)}"


def environment(url: str) -> dict[str, str]:
    """The reader's environment: DATABASE_URL set, this interpreter's scripts first on PATH."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["DATABASE_URL"] = url
    return env


def run(example: Example, database: str, url: str, cwd: Path) -> Run:
    if example.module not in pages.drawn():
        return _run(example, database, url, cwd, [], {})
    with tempfile.TemporaryDirectory(prefix="pool-events-") as scratch:
        log = Path(scratch) / "events.txt"
        done = _run(example, database, url, cwd, ["proof.recorder"], {recorder.VARIABLE: str(log)})
        return dataclasses.replace(done, events=log.read_text() if log.exists() else "")


def _run(
    example: Example, database: str, url: str, cwd: Path, wrapper: list[str], env: dict[str, str]
) -> Run:
    start = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-m", *wrapper, example.module],
            cwd=cwd,
            env=environment(url) | env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired as expired:

        def text(stream: str | bytes | None) -> str:
            return stream.decode() if isinstance(stream, bytes) else (stream or "")

        out, err = text(expired.stdout), text(expired.stderr)
        return Run(example, database, url, out, err, None, TIMEOUT)
    elapsed = time.perf_counter() - start
    return Run(example, database, url, done.stdout, done.stderr, done.returncode, elapsed)


def record(run: Run, server: str) -> Record:
    return Record(
        example=run.example.module,
        database=run.database,
        server=server,
        python=platform.python_version(),
        libraries=databases.libraries(run.url, run.example.words()),
        recorded=datetime.date.today().isoformat(),
        exit_status=-1 if run.returncode is None else run.returncode,
        duration=run.duration,
        key=run.example.key(running()),
        output=run.stdout,
        events=run.events,
    )


def run_on_own_database(example: Example, database: str, cwd: Path) -> tuple[Run, str]:
    """Run it on a database of its own on the server of the environment; also the server."""
    db = databases.DATABASES[database]
    url = db.url()
    server = databases.server_version(db, url)
    with databases.own_database(db, url) as own:
        return run(example, database, own, cwd), server
