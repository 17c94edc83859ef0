"""gunicorn --preload, and a worker killed while its query waits for the
server's answer: the next worker, which has the master's pooled connection
too, reads that answer as the answer to its own query.

Run it:  DATABASE_URL=mysql+pymysql://user:pass@127.0.0.1/db \\
         python -m snippets.session_pool.servers.gunicorn_killed_worker

This file is also the app (create_app()) of the server that main()
starts, without hooks: gunicorn runs in this file's folder and imports it
by its name. Copied elsewhere, it runs as it is:
DATABASE_URL=... python gunicorn_killed_worker.py
"""

# databases: mysql

import functools
import http.client
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
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import gunicorn
from sqlalchemy import Connection, Engine, create_engine, exc, make_url, text
from sqlalchemy.pool import NullPool

THIS_FILE = Path(__file__).resolve()
TIMEOUT = 20.0  # seconds: for the server to start, answer and stop
LOCK = "pooling_guide_slow"  # the lock that the slow query waits for
SESSION_SQL = "SELECT CONNECTION_ID()"
SLOW_SQL = f"SELECT 'the slow answer' FROM (SELECT GET_LOCK('{LOCK}', 60)) l"
# what the server says of a session: waits for the lock; has answered
WAITING_SQL = "SELECT STATE = 'User lock'"
DONE_SQL = "SELECT COMMAND = 'Sleep'"
OF_SESSION = " FROM information_schema.PROCESSLIST WHERE ID = :id"
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def database_url() -> str:
    return os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")


def require_server(backends: Iterable[str]) -> None:
    """Exit with a message when DATABASE_URL names another database."""
    backend = make_url(database_url()).get_backend_name()
    if backend not in backends:
        sys.exit(f"Set DATABASE_URL to a {' or '.join(backends)} URL")


@functools.cache
def get_engine() -> Engine:
    """The process's engine. A forked worker inherits it, pool included."""
    return create_engine(database_url())


def described(error: exc.SQLAlchemyError) -> str:
    """The exception: the driver's, if any; its class and first line."""
    cause = error.orig if isinstance(error, exc.DBAPIError) else error
    first_line = str(cause).splitlines()[0]
    return f"{type(cause).__module__}.{type(cause).__name__}: {first_line}"


# --8<-- [start:app]
def run_query(conn: Connection, path: str) -> Any:
    """GET /slow: the slow query; any other path: the session id."""
    sql = SLOW_SQL if path == "/slow" else SESSION_SQL
    return conn.execute(text(sql)).scalar_one()


def create_app() -> Callable[[dict[str, Any], StartResponse], list[bytes]]:
    """gunicorn calls it once; with --preload, in the master."""
    with get_engine().connect() as conn:  # check the database at start-up
        startup_session = run_query(conn, "/")

    def app(environ: dict[str, Any], start: StartResponse) -> list[bytes]:
        """Answer with this worker's pid, what its query returned, and
        each error it met: the query's, or the rollback's at the end."""
        answer: dict[str, Any] = {
            "pid": os.getpid(),
            "startup": startup_session,
        }
        try:
            with get_engine().connect() as conn:
                answer["got"] = run_query(conn, environ["PATH_INFO"])
        except exc.SQLAlchemyError as error:
            answer["error"] = described(error)
        start("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(answer).encode()]

    return app
    # --8<-- [end:app]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def gunicorn_server(
    config_file: Path, port: int, workers: int = 2
) -> Iterator[subprocess.Popen[bytes]]:
    """Start gunicorn with the file `config_file` as its configuration and
    app; stop it afterwards."""
    config = config_file.stem  # the module's name, in its folder
    command = [
        sys.executable, "-m", "gunicorn",
        "--config", f"python:{config}",
        "--preload",  # load the app in the master, then fork the workers
        "--workers", str(workers),
        "--bind", f"127.0.0.1:{port}",
        f"{config}:create_app()",
    ]  # fmt: skip
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            command,
            cwd=config_file.parent,  # where gunicorn imports `config` from
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


def slow_request(port: int) -> str:
    """GET /slow, once, never retried: the answer, or "no answer"."""
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        client.request("GET", "/slow")
        return client.getresponse().read().decode()
    except OSError:  # the worker died before it answered
        return "no answer"
    finally:
        client.close()


def wait_for(monitor: Engine, sql: str, session: int) -> None:
    """Watch the server until `sql` is true of the session."""
    deadline = time.monotonic() + TIMEOUT
    with monitor.connect() as conn:
        while not conn.execute(
            text(sql + OF_SESSION), {"id": session}
        ).scalar():
            if time.monotonic() > deadline:
                raise TimeoutError(f"server session {session}: {sql}")
            time.sleep(0.02)


def is_open(monitor: Engine, session: int) -> bool:
    with monitor.connect() as conn:
        sql = f"SELECT count(*){OF_SESSION}"
        return bool(conn.execute(text(sql), {"id": session}).scalar_one())


def show(answer: dict[str, Any]) -> None:
    """Print what a request's query returned, and its error, if any."""
    got = answer.get("got")
    if isinstance(got, int):
        shared = got == answer["startup"]
        whose = "the master's" if shared else "its own"
        print(f"    server session {got}, {whose}")
    elif got is not None:
        print(f"    the session id query returned {got!r}")
    if "error" in answer:
        error = answer["error"]
        print(
            textwrap.fill(
                error, 74, initial_indent="    ", subsequent_indent="    "
            )
        )


def kill_during_slow_query(port: int, monitor: Engine) -> dict[str, Any]:
    """Worker 1 answers GET /, then dies while its GET /slow waits for a
    lock that `monitor` holds; the server then answers the slow query.
    Returns worker 1's answer to GET /."""
    lock = {"lock": LOCK}
    with monitor.connect() as holder, ThreadPoolExecutor(1) as thread:
        holder.execute(text("SELECT GET_LOCK(:lock, 0)"), lock)
        first = ask(port)
        print("  worker 1, GET /:")
        show(first)
        slow = thread.submit(slow_request, port)
        wait_for(monitor, WAITING_SQL, first["startup"])
        print("  worker 1, GET /slow: its query waits for a lock")
        os.kill(first["pid"], signal.SIGKILL)
        print(f"  worker 1 killed (SIGKILL): GET /slow got {slow.result()}")
        holder.execute(text("SELECT RELEASE_LOCK(:lock)"), lock)
    wait_for(monitor, DONE_SQL, first["startup"])
    shared = first["startup"]
    print(f"  lock released: server session {shared} answers the slow query")
    return first


def main() -> None:
    require_server(["mysql"])
    print(f"gunicorn {gunicorn.__version__}, --preload --workers 1, no hooks")
    monitor = create_engine(database_url(), poolclass=NullPool)
    port = free_port()
    with gunicorn_server(THIS_FILE, port, workers=1):
        first = kill_during_slow_query(port, monitor)
        for _ in range(2):
            answer = ask(port)
            new = answer["pid"] != first["pid"]
            print(f"  {'the new worker' if new else 'worker 1'}, GET /:")
            show(answer)
        master = first["startup"]
        still = "still open" if is_open(monitor, master) else "gone"
        print(f"  the master's server session {master}: {still}")
    monitor.dispose()


if __name__ == "__main__":
    main()
