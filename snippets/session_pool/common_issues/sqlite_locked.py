"""SQLite's error database is locked: two connections writing at once, and
what avoids it, measured.

SQLite lets one connection write at a time. A writer that finds the
database locked waits up to the driver's busy timeout (sqlite3's timeout,
5 s by default), then fails. The program sets timeout=0 so that it fails
at once, and holds a transaction open in a second connection, under its
own control, while the first writes. It prints the journal mode that the
writer's connection reads. Last, a writer that reads, then writes, in one
transaction, as SQLAlchemy's recipe for SQLite's BEGIN makes it. It creates
a table and drops it at the end, and gives the database back its journal
mode.

Run it:  python -m snippets.session_pool.common_issues.sqlite_locked
"""

# databases: sqlite

import os
import sqlite3
import threading
import time
from collections.abc import Callable
from typing import cast

from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry

TABLE = "locking_demo"
INSERT = f"INSERT INTO {TABLE} (n) VALUES (1)"
HOLDS = {  # what the other connection has open while the writer writes
    "a write transaction": "BEGIN IMMEDIATE",
    "a read transaction": "BEGIN",
}


# --8<-- [start:wal]
def use_wal(engine: Engine) -> None:
    """WAL journal mode, set on every new connection."""

    @event.listens_for(engine, "connect")
    def journal_mode(conn: DBAPIConnection, _r: ConnectionPoolEntry) -> None:
        cursor = conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()


# --8<-- [end:wal]


def journal_mode(engine: Engine) -> str:
    """The journal mode that a connection of `engine` reads."""
    with engine.connect() as conn:
        return str(conn.exec_driver_sql("PRAGMA journal_mode").scalar_one())


def set_journal_mode(url: str, mode: str) -> None:
    """Store the journal mode in the database file (WAL stays there)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        conn.exec_driver_sql(f"PRAGMA journal_mode={mode}")
    engine.dispose()


def hold(engine: Engine, begin: str) -> Connection:
    """A connection with a transaction open: BEGIN IMMEDIATE takes the
    write lock; BEGIN and a SELECT take a read lock."""
    conn = engine.connect()
    conn.exec_driver_sql(begin)
    conn.exec_driver_sql(f"SELECT count(*) FROM {TABLE}").all()
    return conn


def try_write(engine: Engine) -> str:
    """One INSERT and its commit; which of them failed, and how."""
    step = "INSERT"
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(INSERT)
            step = "COMMIT"
            conn.commit()
        return "written"
    except exc.OperationalError as error:
        kind = f"{type(error.orig).__module__}.{type(error.orig).__name__}"
        return f"{step}: {kind}: {error.orig}"


def matrix(url: str) -> None:
    """timeout=0, while another connection holds a transaction open."""
    for wal in (False, True):
        writer = create_engine(url, connect_args={"timeout": 0})
        other = create_engine(url)
        if wal:
            use_wal(writer)
            use_wal(other)
        mode = journal_mode(writer)
        for holds, begin in HOLDS.items():
            held = hold(other, begin)
            print(f"  journal_mode={mode}, {holds} open:")
            print(f"    {try_write(writer)}")
            held.rollback()
            held.close()
        writer.dispose()
        other.dispose()


def when_started(engine: Engine, prefixes: tuple[str, ...]) -> threading.Event:
    """An event, set when a connection of `engine` starts a statement that
    begins with one of `prefixes` (sqlite3's trace callback)."""
    started = threading.Event()

    @event.listens_for(engine, "connect")
    def trace(conn: DBAPIConnection, _r: ConnectionPoolEntry) -> None:
        def traced(statement: str) -> None:
            if statement.startswith(prefixes):
                started.set()

        cast(sqlite3.Connection, conn).set_trace_callback(traced)

    return started


def against_writer(
    url: str, write: Callable[[], str], writing: threading.Event, release: bool
) -> tuple[str, float]:
    """Run `write` in a thread while another connection holds a write
    transaction; that one commits once `writing` is set, if `release`.
    What `write` returned, and the seconds it took."""
    other = create_engine(url)
    held = hold(other, HOLDS["a write transaction"])
    held.exec_driver_sql(INSERT)  # a change, which its commit writes
    result: list[str] = []
    thread = threading.Thread(target=lambda: result.append(write()))
    start = time.perf_counter()
    thread.start()
    writing.wait()  # the writer's write has begun
    if release:
        held.commit()
    thread.join()
    elapsed = time.perf_counter() - start
    held.rollback()
    held.close()
    other.dispose()
    return result[0], elapsed


# --8<-- [start:busy-timeout]
def busy_timeout(url: str, seconds: float, release: bool) -> None:
    """The writer may wait `seconds` while another connection writes;
    that one commits once the writer's INSERT has begun, if `release`."""
    writer = create_engine(url, connect_args={"timeout": seconds})
    # --8<-- [end:busy-timeout]
    writing = when_started(writer, ("INSERT",))
    result, elapsed = against_writer(
        url, lambda: try_write(writer), writing, release
    )
    then = "committed once the INSERT began" if release else "kept open"
    print(f"  timeout={seconds}, the other's write transaction {then}:")
    print(f"    {result}, after")
    print(f"    {elapsed:.2f} s")
    writer.dispose()


# --8<-- [start:one-writer]
def one_writer(url: str, threads: int = 4) -> None:
    """Every write through one engine with one connection: writers wait
    for it in the pool, not for SQLite's lock."""
    writer = create_engine(
        url, connect_args={"timeout": 0}, pool_size=1, max_overflow=0
    )
    barrier = threading.Barrier(threads)
    results: list[str] = []

    def work() -> None:
        barrier.wait()  # all threads write at the same moment
        results.append(try_write(writer))

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    writer.dispose()
    # --8<-- [end:one-writer]
    print(f"  {threads} threads at once, timeout=0:")
    print(f"    written: {results.count('written')} of {threads}")


# --8<-- [start:begin]
def sqlalchemy_begins(engine: Engine, begin: str) -> None:
    """SQLAlchemy's recipe for SQLite: sqlite3 emits no BEGIN of its own,
    and each transaction starts with `begin`, "BEGIN" in the recipe."""

    @event.listens_for(engine, "connect")
    def no_sqlite3_begin(
        conn: DBAPIConnection, _r: ConnectionPoolEntry
    ) -> None:
        cast(sqlite3.Connection, conn).isolation_level = None

    @event.listens_for(engine, "begin")
    def emit_begin(conn: Connection) -> None:
        conn.exec_driver_sql(begin)


def read_then_write(engine: Engine) -> str:
    """One transaction: a SELECT, then an INSERT; which step failed."""
    step = "BEGIN"
    try:
        with engine.begin() as conn:
            step = "SELECT"
            conn.exec_driver_sql(f"SELECT count(*) FROM {TABLE}").all()
            step = "INSERT"
            conn.exec_driver_sql(INSERT)
            step = "COMMIT"
        return "written"
    except exc.OperationalError as error:
        kind = f"{type(error.orig).__module__}.{type(error.orig).__name__}"
        return f"{step}: {kind}: {error.orig}"
    # --8<-- [end:begin]


def reader_writer(url: str, begin: str) -> None:
    """A writer with timeout=5 that reads, then writes, while another
    connection writes; that one commits once the writer's write began."""
    writer = create_engine(url, connect_args={"timeout": 5})
    sqlalchemy_begins(writer, begin)
    writing = when_started(writer, ("INSERT", "BEGIN IMMEDIATE"))
    mode = journal_mode(writer)
    result, elapsed = against_writer(
        url, lambda: read_then_write(writer), writing, release=True
    )
    print(f"  {begin}, journal_mode={mode}:")
    print(f"    {result}, after")
    print(f"    {elapsed:.2f} s")
    writer.dispose()


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    setup = create_engine(url)
    with setup.begin() as conn:
        mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar_one()
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {TABLE}")
        conn.exec_driver_sql(f"CREATE TABLE {TABLE} (n INTEGER)")
    try:
        setup.dispose()
        set_journal_mode(url, "DELETE")
        print("a writer with timeout=0 while another connection has")
        matrix(url)  # leaves the database file in WAL mode
        set_journal_mode(url, "DELETE")
        print(f"the busy timeout, journal_mode={journal_mode(setup)}:")
        busy_timeout(url, 0.5, release=False)
        busy_timeout(url, 5, release=True)
        print(f"one writer, journal_mode={journal_mode(setup)}:")
        one_writer(url)
        print("a writer that reads, then writes; timeout=5, while another")
        print("connection writes, and commits once the writer's write began:")
        for mode in ("DELETE", "WAL"):
            set_journal_mode(url, mode)
            for begin in ("BEGIN", "BEGIN IMMEDIATE"):
                reader_writer(url, begin)
    finally:
        with setup.begin() as conn:
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {TABLE}")
        with setup.connect() as conn:
            conn.exec_driver_sql(f"PRAGMA journal_mode={mode}")
        setup.dispose()


if __name__ == "__main__":
    main()
