"""A Celery worker with the prefork pool that used its engine before it
forked its pool processes, run twice. Without a worker_process_init
handler, they get its pooled connection, and a process that closes its
connections closes the others' too. With the fix, a worker_process_init
handler that calls engine.dispose(close=False), each pool process opens
connections of its own.

Run it:  python -m snippets.session_pool.servers.celery_prefork
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
The broker and result backend: REDIS_URL, redis://127.0.0.1:6379/0 by
default. Each run uses a queue of its own, and deletes it afterwards.

This file is also the Celery app of the workers that main() starts: a
worker runs in this file's folder and imports it by its name. Copied
elsewhere, it runs as it is: python celery_prefork.py
"""

# databases: postgresql, mysql

import functools
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import celery
from celery import Celery, signals
from sqlalchemy import Connection, Engine, create_engine, exc, make_url, text
from sqlalchemy.pool import NullPool

THIS_FILE = Path(__file__).resolve()
# set for main()'s first worker: its app has no worker_process_init handler
WITHOUT_PROCESS_INIT = "POOLING_GUIDE_WITHOUT_PROCESS_INIT"
TIMEOUT = 20.0  # seconds: for a task's result, and for the worker to stop
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
SESSION_ID_SQL = {
    "postgresql": "SELECT pg_backend_pid()",
    "mysql": "SELECT CONNECTION_ID()",
}
SESSION_OPEN_SQL = {
    "postgresql": "SELECT count(*) FROM pg_stat_activity WHERE pid = :id",
    "mysql": "SELECT count(*) FROM information_schema.PROCESSLIST"
    " WHERE ID = :id",
}

app = Celery("pooling_guide", broker=REDIS_URL, backend=REDIS_URL)
app.conf.update(
    broker_connection_retry_on_startup=True,
    worker_enable_remote_control=False,  # no broadcast queue in Redis
)


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


# --8<-- [start:worker]
@functools.cache
def get_engine() -> Engine:
    """The process's engine. A forked process inherits it, pool included."""
    return create_engine(database_url())


@functools.cache
def startup_session() -> int:
    """Check the database: the session that the check used. Cached, so a
    forked process answers with its parent's."""
    with get_engine().connect() as conn:
        return session_id(conn)


def check_database(**_: Any) -> None:
    """In the worker's main process, before it forks its pool processes."""
    startup_session()


def close_connections(**_: Any) -> None:
    """In a pool process that exits: close its connections."""
    get_engine().dispose()


signals.worker_init.connect(check_database)
signals.worker_process_shutdown.connect(close_connections)


@app.task(name="servers.report_session")
def report_session() -> dict[str, Any]:
    """This process's pid, and the server session its query used, or the
    error it got."""
    answer: dict[str, Any] = {"pid": os.getpid(), "startup": startup_session()}
    try:
        with get_engine().connect() as conn:
            answer["session"] = session_id(conn)
    except exc.DBAPIError as error:
        answer["error"] = error_text(error)
    return answer
    # --8<-- [end:worker]


# --8<-- [start:process-init]
def forget_parent_connections(**_: Any) -> None:
    """In each new pool process, before its first task: forget the
    parent's pooled connections, without closing them."""
    get_engine().dispose(close=False)


signals.worker_process_init.connect(forget_parent_connections)
# --8<-- [end:process-init]

if os.environ.get(WITHOUT_PROCESS_INIT):
    signals.worker_process_init.disconnect(forget_parent_connections)


@contextmanager
def celery_worker(
    app_file: Path, queue: str, process_init: bool
) -> Iterator[None]:
    """Start a worker of the app in `app_file` on `queue`, with its
    worker_process_init handler or without it; stop it afterwards."""
    # --8<-- [start:command]
    app_module = app_file.stem  # the module's name, in its folder
    command = [
        sys.executable, "-m", "celery", "-A", app_module, "worker",
        "--pool", "prefork",
        "--concurrency", "2",
        "--max-tasks-per-child", "1",  # a new pool process after each task
        "--queues", queue,
        "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    # --8<-- [end:command]
    env = dict(os.environ)
    if not process_init:
        env[WITHOUT_PROCESS_INIT] = "1"
    with tempfile.TemporaryFile() as log:
        worker = subprocess.Popen(
            command,
            cwd=app_file.parent,  # where the worker imports `app_module`
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        try:
            yield
        except BaseException:
            log.seek(0)
            print(log.read().decode(errors="replace"), file=sys.stderr)
            raise
        finally:
            stop(worker)


def stop(worker: subprocess.Popen[bytes]) -> None:
    """SIGTERM: a warm shutdown; after TIMEOUT, kill its processes."""
    worker.terminate()
    try:
        worker.wait(TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


def run_task(queue: str) -> dict[str, Any]:
    result = report_session.apply_async(queue=queue)
    try:
        answer: dict[str, Any] = result.get(timeout=TIMEOUT)
        return answer
    finally:
        result.forget()  # its key in the result backend


def delete_queue(queue: str) -> None:
    """Delete the run's queue from Redis: its list and its bindings."""
    with app.connection_for_write() as connection:
        bound = app.amqp.queues[queue].bind(connection.default_channel)
        bound.declare()  # this connection learns the queue's bindings
        bound.delete()


def is_open(monitor: Engine, session: int) -> bool:
    with monitor.connect() as conn:
        sql = SESSION_OPEN_SQL[conn.dialect.name]
        return bool(conn.execute(text(sql), {"id": session}).scalar_one())


def wait_until_ended(monitor: Engine, session: int) -> None:
    """Watch the server until the session has ended."""
    deadline = time.monotonic() + TIMEOUT
    while is_open(monitor, session):
        if time.monotonic() > deadline:
            raise TimeoutError(f"server session {session} still open")
        time.sleep(0.02)


def describe(answer: dict[str, Any]) -> str:
    if "error" in answer:
        return textwrap.fill(
            answer["error"], 74, initial_indent="    ", subsequent_indent="    "
        )
    shared = answer["session"] == answer["startup"]
    whose = "the parent's" if shared else "its own"
    return f"    server session {answer['session']}, {whose}"


def run(app_file: Path, monitor: Engine, process_init: bool) -> None:
    """A task, its process exits, then a task in another process."""
    queue = f"pooling-guide-{uuid.uuid4().hex}"
    try:
        with celery_worker(app_file, queue, process_init):
            first = run_task(queue)
            print(f"  parent, at start-up: server session {first['startup']}")
            print("  task 1, in a pool process:")
            print(describe(first))
            wait_until_ended(monitor, first["session"])
            ended = first["session"]
            print(f"  its process exited; server session {ended} ended")
            second = run_task(queue)
            other = "another" if second["pid"] != first["pid"] else "the same"
            print(f"  task 2, in {other} pool process:")
            print(describe(second))
            parent = first["startup"]
            still = "still open" if is_open(monitor, parent) else "gone"
            print(f"  the parent's server session {parent}: {still}")
    finally:
        delete_queue(queue)


def main() -> None:
    require_server(SESSION_ID_SQL)
    print(f"Celery {celery.__version__}, --pool prefork --concurrency 2,")
    print("worker_process_shutdown: engine.dispose()")
    monitor = create_engine(database_url(), poolclass=NullPool)
    try:
        print("1. without a worker_process_init handler:")
        run(THIS_FILE, monitor, process_init=False)
        print("2. with worker_process_init: engine.dispose(close=False)")
        run(THIS_FILE, monitor, process_init=True)
    finally:
        monitor.dispose()


if __name__ == "__main__":
    main()
