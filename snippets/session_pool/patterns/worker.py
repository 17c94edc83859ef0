"""Forked worker processes must not use the parent's pooled connections.

The fix: engine.dispose(close=False) in each worker process.

Run it:  python -m snippets.session_pool.patterns.worker
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import multiprocessing
import multiprocessing.util
import os
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.pool import ConnectionPoolEntry

# --8<-- [start:worker-settings]
# The chapter's settings for a background worker. Like every pool setting,
# they hold per process: a worker started with 8 processes has 8 pools,
# up to 8 * (5 + 5) connections.
WORKER_SETTINGS: dict[str, Any] = {
    "pool_size": 5,  # idle connections kept per process
    "max_overflow": 5,  # 10 connections at most per process
    # a task may wait longer for a connection than a web request
    "pool_timeout": 30,
    # a choice, not a magic number: stay below the shortest idle timeout
    # between you and the server (MySQL wait_timeout, a proxy, a firewall)
    "pool_recycle": 1800,
    # replaces connections that died while idle in the pool;
    # it does NOT notice a connection that another process is using too
    "pool_pre_ping": True,
}
# --8<-- [end:worker-settings]

# the worker's engine: set by make_engine(), inherited by fork
_engine: Engine | None = None


def remember_creator(
    dbapi_connection: Any, connection_record: ConnectionPoolEntry
) -> None:
    # stays with this DBAPI connection
    connection_record.info["opened_by_pid"] = os.getpid()


def make_engine(url: str) -> Engine:
    global _engine
    _engine = create_engine(url, **WORKER_SETTINGS)
    event.listen(_engine, "connect", remember_creator)
    return _engine


def get_engine() -> Engine:
    assert _engine is not None, "make_engine() first"
    return _engine


def session_id(conn: Connection) -> str:
    """How the server names this connection's session.

    (SQLite: the DBAPI object's id.)
    """
    if conn.dialect.name == "postgresql":
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        return f"pg_backend_pid() {pid}"
    if conn.dialect.name in {"mysql", "mariadb"}:
        cid = conn.execute(text("SELECT CONNECTION_ID()")).scalar_one()
        return f"CONNECTION_ID() {cid}"
    return f"id(sqlite3 connection) {id(conn.connection.dbapi_connection)}"


@dataclass(frozen=True)
class Checkout:
    pid: int  # the process that checked the connection out
    parent_pid: int
    opened_by_pid: int  # the process that opened the connection
    session: str

    def describe(self, who: str) -> str:
        if self.opened_by_pid == self.pid:
            origin = "opened by this process"
        elif self.opened_by_pid == self.parent_pid:
            origin = "opened by the PARENT process, inherited through fork"
        else:
            origin = f"opened by process {self.opened_by_pid}"
        return f"  {who + ':':<18} {self.session},\n{'':<21}{origin}"


def task(seconds: float = 0.0) -> Checkout:
    """A unit of work: check out a connection, ask the server who we are,
    hold it a moment."""
    with get_engine().connect() as conn:
        opened_by = conn.connection.info["opened_by_pid"]
        found = Checkout(os.getpid(), os.getppid(), opened_by, session_id(conn))
        time.sleep(seconds)
    return found


# --8<-- [start:dispose-in-child]
def init_worker() -> None:
    """Pool initializer: runs once in each new worker process,
    right after the fork."""
    engine = get_engine()
    # forget the parent's connections; do not close them
    engine.dispose(close=False)
    # close this process's own connections when it exits after pool.close()
    # and pool.join(); atexit handlers do not run in forked worker processes,
    # multiprocessing's Finalize does
    multiprocessing.util.Finalize(None, engine.dispose, exitpriority=0)
    # --8<-- [end:dispose-in-child]


def init_worker_closing() -> None:
    """The same with dispose() (close=True): closes connections the parent
    still uses."""
    engine = get_engine()
    engine.dispose()
    multiprocessing.util.Finalize(None, engine.dispose, exitpriority=0)


def run(
    url: str, title: str, initializer: Callable[[], None] | None, processes: int
) -> None:
    engine = make_engine(url)
    ping_errors: list[str] = []

    @event.listens_for(engine, "handle_error")
    def on_error(context: ExceptionContext) -> None:
        # the pre-ping's own error, before the pool reconnects
        if context.is_pre_ping:
            error = context.original_exception
            ping_errors.append(
                f"{type(error).__module__}.{type(error).__name__}: {error}"
            )

    try:
        print(title)
        # the parent uses the engine: its pool now holds an open connection
        before = task()
        print(before.describe("parent"))
        # --8<-- [start:fork-pool]
        context = multiprocessing.get_context("fork")
        with context.Pool(processes, initializer=initializer) as pool:
            found = pool.map_async(task, [0.05] * processes, chunksize=1).get(
                timeout=10
            )
            pool.close()
            pool.join()
        # --8<-- [end:fork-pool]
        for number, checkout in enumerate(found, 1):
            print(checkout.describe(f"task {number}, worker"))
            if checkout.opened_by_pid != checkout.pid:
                what = (
                    "connection"
                    if make_url(url).get_backend_name() == "sqlite"
                    else "session"
                )
                print(f"    -> two processes, ONE database {what}")
        after = task()
        same = (
            "the same connection"
            if after.session == before.session
            else "a NEW connection"
        )
        print(f"  {'parent, after:':<18} {after.session},\n{'':<21}{same}")
        for error in ping_errors:
            first_line = error.splitlines()[0]
            print("    because the pre-ping on checkout failed:")
            print(
                textwrap.fill(
                    first_line,
                    76,
                    initial_indent="      ",
                    subsequent_indent="        ",
                )
            )
    finally:
        engine.dispose()


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    # The default depends on the platform and the Python: 'fork' on Linux
    # up to Python 3.13, 'forkserver' from 3.14; 'spawn' on macOS and Windows
    default = multiprocessing.get_all_start_methods()[0]
    print(f"Default start method here: {default!r};")
    print("these workers use 'fork' explicitly\n")
    # one worker only: two processes using one connection AT THE SAME TIME
    # corrupt its stream
    run(url, "1. Fork, nothing else (the chapter's worker):", None, processes=1)
    print()
    run(
        url,
        "2. engine.dispose(close=False) in the Pool initializer:",
        init_worker,
        processes=2,
    )
    print()
    run(
        url,
        "3. engine.dispose() (close=True) in the initializer:",
        init_worker_closing,
        1,
    )


if __name__ == "__main__":
    main()
