"""gunicorn --preload with two workers, and an app that used its engine in
the master, run twice. Without a post_fork hook, both workers get the
master's pooled connection, and a worker that closes its connections closes
the other's too. With the fix, a post_fork hook that calls
engine.dispose(close=False), each worker opens connections of its own.

Run it:  python -m snippets.session_pool.servers.gunicorn_preload
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db

This file is also the app (create_app()) and the gunicorn configuration
(the hooks worker_exit() and post_fork()) of the servers that main()
starts: gunicorn runs in this file's folder and imports it by its name.
Copied elsewhere, it runs as it is: python gunicorn_preload.py
"""

# databases: postgresql, mysql

import functools
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import gunicorn
from sqlalchemy import Connection, Engine, create_engine, exc, make_url, text
from sqlalchemy.pool import NullPool

THIS_FILE = Path(__file__).resolve()
# set for main()'s first server: its configuration has no post_fork hook
WITHOUT_POST_FORK = "POOLING_GUIDE_WITHOUT_POST_FORK"
TIMEOUT = 20.0  # seconds: for the server to start, answer and stop
SESSION_ID_SQL = {
    "postgresql": "SELECT pg_backend_pid()",
    "mysql": "SELECT CONNECTION_ID()",
}
SESSION_OPEN_SQL = {
    "postgresql": "SELECT count(*) FROM pg_stat_activity WHERE pid = :id",
    "mysql": "SELECT count(*) FROM information_schema.PROCESSLIST"
    " WHERE ID = :id",
}
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def database_url() -> str:
    return os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")


def require_server(backends: Iterable[str]) -> None:
    """Exit with a message when DATABASE_URL names another database."""
    backend = make_url(database_url()).get_backend_name()
    if backend not in backends:
        sys.exit(f"Set DATABASE_URL to a {' or '.join(backends)} URL")


def session_id(conn: Connection) -> int:
    """The server's id for this connection's session."""
    sql = SESSION_ID_SQL[conn.dialect.name]
    return int(conn.execute(text(sql)).scalar_one())


def error_text(error: exc.DBAPIError) -> str:
    """The driver's exception: its class and the first line of its text."""
    cause = type(error.orig)
    first_line = str(error.orig).splitlines()[0]
    return f"{cause.__module__}.{cause.__name__}: {first_line}"


# --8<-- [start:app]
@functools.cache
def get_engine() -> Engine:
    """The process's engine. A forked worker inherits it, pool included."""
    return create_engine(database_url())


def create_app() -> Callable[[dict[str, Any], StartResponse], list[bytes]]:
    """gunicorn calls it once; with --preload, in the master."""
    with get_engine().connect() as conn:  # check the database at start-up
        startup_session = session_id(conn)

    def app(environ: dict[str, Any], start: StartResponse) -> list[bytes]:
        """Answer with this worker's pid, and the server session that its
        query used, or the error it got."""
        answer: dict[str, Any] = {
            "pid": os.getpid(),
            "startup": startup_session,
        }
        try:
            with get_engine().connect() as conn:
                answer["session"] = session_id(conn)
        except exc.DBAPIError as error:
            answer["error"] = error_text(error)
        start("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(answer).encode()]

    return app
    # --8<-- [end:app]


# --8<-- [start:worker-exit]
def worker_exit(server: Any, worker: Any) -> None:
    """gunicorn hook, in a worker that exits: close its connections."""
    get_engine().dispose()
    # --8<-- [end:worker-exit]


# --8<-- [start:post-fork]
def post_fork(server: Any, worker: Any) -> None:
    """gunicorn hook, in each new worker before it serves: forget the
    master's pooled connections, without closing them."""
    get_engine().dispose(close=False)
    # --8<-- [end:post-fork]


if os.environ.get(WITHOUT_POST_FORK):  # gunicorn uses the hooks it finds
    del post_fork


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def gunicorn_server(
    config_file: Path, port: int, post_fork: bool, workers: int = 2
) -> Iterator[subprocess.Popen[bytes]]:
    """Start gunicorn with the file `config_file` as its configuration and
    app, with its post_fork hook or without it; stop it afterwards."""
    # --8<-- [start:command]
    config = config_file.stem  # the module's name, in its folder
    command = [
        sys.executable, "-m", "gunicorn",
        "--config", f"python:{config}",
        "--preload",  # load the app in the master, then fork the workers
        "--workers", str(workers),
        "--bind", f"127.0.0.1:{port}",
        f"{config}:create_app()",
    ]  # fmt: skip
    # --8<-- [end:command]
    env = dict(os.environ)
    if not post_fork:
        env[WITHOUT_POST_FORK] = "1"
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            command,
            cwd=config_file.parent,  # where gunicorn imports `config` from
            env=env,
            stderr=log,
            start_new_session=True,
        )
        try:
            yield server
        except BaseException:
            log.seek(0)
            print(log.read().decode(errors="replace"), file=sys.stderr)
            raise
        finally:
            stop(server)


def stop(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM: a graceful shutdown; after TIMEOUT, kill its processes."""
    server.terminate()
    try:
        server.wait(TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def ask(port: int, path: str = "/") -> dict[str, Any]:
    """One request; retried while the server does not listen yet."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            url = f"http://127.0.0.1:{port}{path}"
            with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
                answer: dict[str, Any] = json.load(response)
                return answer
        except urllib.error.URLError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def ask_both_workers(port: int) -> list[dict[str, Any]]:
    """Requests until two worker pids have answered: each worker's first
    answer, in the order they came."""
    answers: dict[int, dict[str, Any]] = {}
    deadline = time.monotonic() + TIMEOUT
    while len(answers) < 2:
        if time.monotonic() > deadline:
            raise TimeoutError("only one gunicorn worker answered")
        answer = ask(port)
        answers.setdefault(answer["pid"], answer)
    return list(answers.values())


def is_open(monitor: Engine, session: int) -> bool:
    with monitor.connect() as conn:
        sql = SESSION_OPEN_SQL[conn.dialect.name]
        return bool(conn.execute(text(sql), {"id": session}).scalar_one())


def wait_until_one_ends(monitor: Engine, sessions: set[int]) -> int:
    """Watch the server until one of the sessions has ended; return it."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        for session in sorted(sessions):
            if not is_open(monitor, session):
                return session
        time.sleep(0.02)
    raise TimeoutError(f"server sessions {sorted(sessions)} still open")


def describe(answer: dict[str, Any]) -> str:
    if "error" in answer:
        return textwrap.fill(
            answer["error"], 74, initial_indent="    ", subsequent_indent="    "
        )
    shared = answer["session"] == answer["startup"]
    whose = "the master's" if shared else "its own"
    return f"    server session {answer['session']}, {whose}"


def run(config_file: Path, monitor: Engine, post_fork: bool) -> None:
    """Two workers answer, one of them exits, then the other answers."""
    port = free_port()
    with gunicorn_server(config_file, port, post_fork) as server:
        first, second = ask_both_workers(port)
        print(f"  master, at start-up: server session {first['startup']}")
        for label, answer in (("first", first), ("second", second)):
            print(f"  the {label} worker to answer:")
            print(describe(answer))
        # gunicorn: one worker fewer; the older one exits (worker_exit)
        server.send_signal(signal.SIGTTOU)
        ended = wait_until_one_ends(
            monitor, {first["session"], second["session"]}
        )
        print(f"  SIGTTOU: a worker exited; server session {ended} ended")
        print("  the other worker, next request:")
        print(describe(ask(port)))
        still = "still open" if is_open(monitor, first["startup"]) else "gone"
        print(f"  the master's server session {first['startup']}: {still}")


def main() -> None:
    require_server(SESSION_ID_SQL)
    print(f"gunicorn {gunicorn.__version__}, --preload --workers 2,")
    print("worker_exit: engine.dispose()")
    monitor = create_engine(database_url(), poolclass=NullPool)
    try:
        print("1. without a post_fork hook:")
        run(THIS_FILE, monitor, post_fork=False)
        print("2. with post_fork: engine.dispose(close=False)")
        run(THIS_FILE, monitor, post_fork=True)
    finally:
        monitor.dispose()


if __name__ == "__main__":
    main()
