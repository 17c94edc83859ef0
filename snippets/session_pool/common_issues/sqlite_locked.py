"""SQLite's error database is locked: two connections writing at once, and
what avoids it, measured.

SQLite lets one connection write at a time. A writer that finds the
database locked waits up to the driver's busy timeout (sqlite3's timeout,
5 s by default), then fails. The program sets timeout=0 so that it fails
at once, and holds a transaction open in a second connection, under its
own control, while the first writes. It creates a table and drops it at
the end, and gives the database back its journal mode.

Run it:  python -m snippets.session_pool.common_issues.sqlite_locked
"""

# databases: sqlite

import os
import sqlite3
import threading
import time
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
    for mode in ("delete", "wal"):
        writer = create_engine(url, connect_args={"timeout": 0})
        other = create_engine(url)
        if mode == "wal":
            use_wal(writer)
            use_wal(other)
        for holds, begin in HOLDS.items():
            held = hold(other, begin)
            print(f"  journal_mode={mode}, {holds} open:")
            print(f"    {try_write(writer)}")
            held.rollback()
            held.close()
        writer.dispose()
        other.dispose()


# --8<-- [start:busy-timeout]
def busy_timeout(url: str, seconds: float, release: bool) -> None:
    """The writer may wait `seconds` while another connection writes;
    that one commits once the writer's INSERT has begun, if `release`."""
    writer = create_engine(url, connect_args={"timeout": seconds})
    # --8<-- [end:busy-timeout]
    writing = threading.Event()

    @event.listens_for(writer, "connect")
    def trace(conn: DBAPIConnection, _r: ConnectionPoolEntry) -> None:
        def started(statement: str) -> None:
            if statement.startswith("INSERT"):
                writing.set()

        cast(sqlite3.Connection, conn).set_trace_callback(started)

    other = create_engine(url)
    held = hold(other, HOLDS["a write transaction"])
    result: list[str] = []
    thread = threading.Thread(target=lambda: result.append(try_write(writer)))
    start = time.perf_counter()
    thread.start()
    writing.wait()  # the writer's INSERT has begun
    if release:
        held.commit()
    thread.join()
    elapsed = time.perf_counter() - start
    held.rollback()
    held.close()
    then = "committed once the INSERT began" if release else "kept open"
    print(f"  timeout={seconds}, the other's write transaction {then}:")
    print(f"    {result[0]}, after")
    print(f"    {elapsed:.2f} s")
    writer.dispose()
    other.dispose()


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


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    setup = create_engine(url)
    with setup.begin() as conn:
        mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar_one()
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {TABLE}")
        conn.exec_driver_sql(f"CREATE TABLE {TABLE} (n INTEGER)")
    try:
        with setup.connect() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode=DELETE")
        setup.dispose()
        print("a writer with timeout=0 while another connection has")
        matrix(url)
        print("the busy timeout, journal_mode=delete:")
        busy_timeout(url, 0.5, release=False)
        busy_timeout(url, 5, release=True)
        print("one writer, journal_mode=delete:")
        one_writer(url)
    finally:
        with setup.begin() as conn:
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {TABLE}")
        with setup.connect() as conn:
            conn.exec_driver_sql(f"PRAGMA journal_mode={mode}")
        setup.dispose()


if __name__ == "__main__":
    main()
