"""A connection checked out and never closed, freed by the garbage
collector: what an asyncio engine and a sync engine do with it, what they
warn and log, and what the server keeps.

Run it:  python -m snippets.session_pool.async_engines.forgotten_connection
Set DATABASE_URL to try another database; the asyncio part switches the URL
to the database's asyncio driver (psycopg, aiomysql or aiosqlite).
"""

import asyncio
import gc
import logging
import os
import textwrap
import time
import warnings
from typing import cast

from sqlalchemy import Connection, Engine, create_engine, make_url, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool, QueuePool

ASYNC_DRIVERS = {"postgresql": "psycopg", "mysql": "aiomysql"}
ASYNC_DRIVERS |= {"mariadb": "aiomysql", "sqlite": "aiosqlite"}
PID_QUERIES = {"postgresql": "SELECT pg_backend_pid()", "sqlite": "SELECT 0"}
PID_QUERIES |= {"mysql": "SELECT CONNECTION_ID()"}
PID_QUERIES |= {"mariadb": PID_QUERIES["mysql"]}
STATE_QUERIES = {
    "postgresql": "SELECT state FROM pg_stat_activity WHERE pid = :pid",
    "mysql": "SELECT COMMAND FROM information_schema.PROCESSLIST"
    " WHERE ID = :pid",
}
STATE_QUERIES |= {"mariadb": STATE_QUERIES["mysql"]}
GONE_WITHIN = 1.0  # seconds to wait for the server to end a session


def async_url(url: str) -> str:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    return parsed.set(
        drivername=f"{backend}+{ASYNC_DRIVERS[backend]}"
    ).render_as_string(hide_password=False)


class Logged(logging.Handler):
    """Keeps the records SQLAlchemy's pool logs."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


# --8<-- [start:collect]
def collect(logged: Logged) -> None:
    """Run the garbage collector; print what it warned and what SQLAlchemy's
    pool logged meanwhile (`logged` records the "sqlalchemy.pool" logger)."""
    logged.records.clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gc.collect()
    said = [f"warned {w.category.__name__}: {w.message}" for w in caught]
    for record in logged.records:
        text = record.getMessage()
        if any(text == str(w.message) for w in caught):
            text = "the text of the warning"
        said.append(f"logged {record.levelname} by {record.name}: {text}")
    for line in said:  # at most 76 characters a line; names kept whole
        print(
            textwrap.fill(
                line,
                76,
                initial_indent="   ",
                subsequent_indent="     ",
                break_on_hyphens=False,
            )
        )
    if not caught and not logged.records:
        print("   nothing warned, nothing logged")
    # --8<-- [end:collect]


def state(monitor: Engine, pid: int) -> str | None:
    """Session pid's state as the server lists it, read from another
    connection; None once the session ended, or on SQLite."""
    if monitor.dialect.name == "sqlite":
        return None
    query = STATE_QUERIES[monitor.dialect.name]
    with monitor.connect() as conn:
        found = conn.execute(text(query), {"pid": pid}).scalar()
    return None if found is None else str(found)


def server_view(monitor: Engine, pid: int) -> str:
    if monitor.dialect.name == "sqlite":
        return "SQLite has no server"
    found = state(monitor, pid)
    return f"server session {pid}: {'gone' if found is None else repr(found)}"


async def once_gone(monitor: Engine, pid: int) -> str:
    """server_view() once the session ended, or after GONE_WITHIN seconds;
    the event loop runs meanwhile."""
    deadline = time.monotonic() + GONE_WITHIN
    while state(monitor, pid) is not None and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    return server_view(monitor, pid)


def session_pid(conn: Connection) -> int:
    """The server's id for the connection's session (0 on SQLite)."""
    query = PID_QUERIES[conn.dialect.name]
    return int(conn.execute(text(query)).scalar_one())


# --8<-- [start:session-pid]
async def async_session_pid(conn: AsyncConnection) -> int:
    """A request that uses a connection; returns the server's id for the
    session (0 on SQLite)."""
    query = PID_QUERIES[conn.dialect.name]
    return int((await conn.execute(text(query))).scalar_one())
    # --8<-- [end:session-pid]


def print_next_checkout(monitor: Engine, pid: int, again: int) -> None:
    if monitor.dialect.name != "sqlite":
        print(f"   the next checkout gets server session {pid}: {again == pid}")


async def asyncio_engine(url: str, monitor: Engine, logged: Logged) -> None:
    engine = create_async_engine(async_url(url))
    pool = cast(QueuePool, engine.pool)
    print(f"asyncio engine ({engine.url.drivername}), connection forgotten:")
    # --8<-- [start:asyncio-gc]
    conn = await engine.connect()
    pid = await async_session_pid(conn)
    del conn  # nothing refers to the connection any more
    print(f"   checked out {pool.checkedout()}; {server_view(monitor, pid)}")
    collect(logged)
    after = await once_gone(monitor, pid)  # up to GONE_WITHIN s, loop running
    print(f"   checked out {pool.checkedout()}; {after}")
    # --8<-- [end:asyncio-gc]
    async with engine.connect() as conn:
        print_next_checkout(monitor, pid, await async_session_pid(conn))
    await engine.dispose()

    print(f"asyncio engine ({engine.url.drivername}), connection closed:")
    # --8<-- [start:asyncio-clean]
    engine = create_async_engine(async_url(url))
    async with engine.connect() as conn:  # closed on exit, inside the loop
        await async_session_pid(conn)
    await engine.dispose()  # closes the pooled connections, inside the loop
    collect(logged)
    # --8<-- [end:asyncio-clean]


def sync_engine(url: str, monitor: Engine, logged: Logged) -> None:
    engine = create_engine(url)
    pool = cast(QueuePool, engine.pool)
    print(f"sync engine ({engine.url.drivername}), connection forgotten:")
    # --8<-- [start:sync-gc]
    conn = engine.connect()
    pid = session_pid(conn)
    del conn  # nothing refers to the connection any more
    print(f"   checked out {pool.checkedout()}; {server_view(monitor, pid)}")
    collect(logged)
    print(f"   checked out {pool.checkedout()}; {server_view(monitor, pid)}")
    # --8<-- [end:sync-gc]
    with engine.connect() as conn:
        print_next_checkout(monitor, pid, session_pid(conn))
    engine.dispose()


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    logged = Logged()
    logging.getLogger("sqlalchemy.pool").addHandler(logged)
    monitor = create_engine(url, poolclass=NullPool)
    gc.collect()
    gc.disable()  # the program runs the collector itself, for a stable output
    try:
        asyncio.run(asyncio_engine(url, monitor, logged))
        sync_engine(url, monitor, logged)
    finally:
        gc.enable()
        monitor.dispose()


if __name__ == "__main__":
    main()
