"""One AsyncSession that already holds its connection, shared by two tasks:
one commits while the other's query runs. Then a session per task.

Run it:  python -m snippets.session_pool.async_engines.shared_session_busy
Set DATABASE_URL to try another database; the program switches the URL to
the database's asyncio driver (psycopg or aiomysql).
"""

# databases: postgresql, mysql

import asyncio
import os
import textwrap
import time
from collections.abc import Awaitable, Callable

from sqlalchemy import Connection, Engine, create_engine, make_url, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

ASYNC_DRIVERS = {"postgresql": "psycopg", "mysql": "aiomysql"}
ASYNC_DRIVERS |= {"mariadb": "aiomysql"}
# a lock the monitor holds, so that the task's query waits until released
LOCK = "pooling_guide.shared_session_busy"
TAKE = {
    "postgresql": "SELECT pg_advisory_xact_lock(hashtext(:name))",
    "mysql": "SELECT GET_LOCK(:name, 30)",
}
RELEASE = {"mysql": "SELECT RELEASE_LOCK(:name)"}
PID_QUERIES = {"postgresql": "SELECT pg_backend_pid()"}
PID_QUERIES |= {"mysql": "SELECT CONNECTION_ID()"}
WAIT_QUERIES = {  # whether session :pid waits for the lock
    "postgresql": "SELECT wait_event = 'advisory' FROM pg_stat_activity"
    " WHERE pid = :pid",
    "mysql": "SELECT STATE = 'User lock' FROM information_schema.PROCESSLIST"
    " WHERE ID = :pid",
}
TABLE = "shared_session_busy_rows"
WRITE = text(f"INSERT INTO {TABLE} (n) VALUES (1)")  # the unit of work
LISTED = {  # whether the server still lists session :pid
    "postgresql": "SELECT count(*) FROM pg_stat_activity WHERE pid = :pid",
    "mysql": "SELECT count(*) FROM information_schema.PROCESSLIST"
    " WHERE ID = :pid",
}
for queries in TAKE, RELEASE, PID_QUERIES, WAIT_QUERIES, LISTED:
    queries.setdefault("mariadb", queries["mysql"])
GONE_WITHIN = 5.0  # seconds to wait for the server to end a closed session

Step = Callable[[], Awaitable[None]]


def async_url(url: str) -> str:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    return parsed.set(
        drivername=f"{backend}+{ASYNC_DRIVERS[backend]}"
    ).render_as_string(hide_password=False)


def waits_for_lock(pid: int, monitor: Engine) -> bool:
    """Whether session pid runs the query that waits for the lock."""
    with monitor.connect() as conn:
        query = text(WAIT_QUERIES[monitor.dialect.name])
        return bool(conn.execute(query, {"pid": pid}).scalar())


def take_lock(holder: Connection) -> None:
    holder.execute(text(TAKE[holder.dialect.name]), {"name": LOCK})


def release_lock(holder: Connection) -> None:
    """Let the waiting query finish: release, or end the transaction."""
    name = holder.dialect.name
    if name in RELEASE:
        holder.execute(text(RELEASE[name]), {"name": LOCK})
    holder.rollback()


def report(results: list[BaseException | None]) -> None:
    for number, result in enumerate(results, 1):
        if result is None:
            print(f"  task {number}: ok")
            continue
        kind = f"{type(result).__module__}.{type(result).__name__}"
        print(f"  task {number}: {kind}:")
        print(textwrap.indent(textwrap.fill(str(result), 72), "    "))


async def overlap(
    wait: Step, commit: Step, pid: int, monitor: Engine
) -> list[BaseException | None]:
    """Task 1 runs wait(), a query that waits for the lock; once the server
    shows it waiting, task 2 runs commit(). The lock is released once
    commit() started. Returns what each task ended with."""
    committing = asyncio.Event()

    async def task_2() -> None:
        while not waits_for_lock(pid, monitor):
            await asyncio.sleep(0.01)
        committing.set()
        await commit()

    with monitor.connect() as holder:
        take_lock(holder)
        tasks = asyncio.gather(wait(), task_2(), return_exceptions=True)
        await committing.wait()
        release_lock(holder)
        return list(await tasks)


async def session_pid(session: AsyncSession) -> int:
    query = text(PID_QUERIES[session.get_bind().dialect.name])
    return int((await session.execute(query)).scalar_one())


# --8<-- [start:shared]
async def one_shared_session(engine: AsyncEngine, monitor: Engine) -> int:
    lock = {"name": LOCK}
    async with AsyncSession(engine) as session:
        pid = await session_pid(session)  # the session holds a connection
        await session.execute(WRITE)
        take = text(TAKE[engine.dialect.name])

        async def task_1() -> None:  # a query that waits for the lock
            await session.execute(take, lock)

        # task 2 commits the same session while task 1's query runs
        report(await overlap(task_1, session.commit, pid, monitor))
    return pid
    # --8<-- [end:shared]


# --8<-- [start:per-task]
async def a_session_each(engine: AsyncEngine, monitor: Engine) -> int:
    new_session = async_sessionmaker(engine)
    lock = {"name": LOCK}
    async with new_session() as first, new_session() as second:
        pid = await session_pid(first)
        second_pid = await session_pid(second)
        await second.execute(WRITE)
        take = text(TAKE[engine.dialect.name])

        async def task_1() -> None:  # a query that waits for the lock
            await first.execute(take, lock)

        # task 2 commits a session of its own while task 1's query runs
        report(await overlap(task_1, second.commit, pid, monitor))
    return second_pid
    # --8<-- [end:per-task]


def committed(pid: int, monitor: Engine) -> int:
    """The rows in TABLE, counted on a new connection once the server no
    longer lists session pid (it has run all that session sent); then
    empty TABLE."""
    deadline = time.monotonic() + GONE_WITHIN
    with monitor.connect() as conn:
        listed = text(LISTED[monitor.dialect.name])
        while conn.execute(listed, {"pid": pid}).scalar_one():
            if time.monotonic() > deadline:
                raise RuntimeError(f"server session {pid} still listed")
            time.sleep(0.01)
        rows = conn.execute(text(f"SELECT count(*) FROM {TABLE}")).scalar_one()
        conn.execute(text(f"DELETE FROM {TABLE}"))
        conn.commit()
    return int(rows)


async def run(url: str, monitor: Engine) -> None:
    print(f"Driver: {make_url(url).drivername}")
    for label, part in (
        (
            "One AsyncSession; task 2 commits while task 1's query runs:",
            one_shared_session,
        ),
        ("A session per task, from async_sessionmaker:", a_session_each),
    ):
        print(label)
        engine = create_async_engine(url)
        try:
            pid = await part(engine, monitor)
        finally:
            await engine.dispose()
        rows = await asyncio.to_thread(committed, pid, monitor)
        print(f"  rows committed, counted on a new connection: {rows}")


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    monitor = create_engine(url, poolclass=NullPool)
    try:
        with monitor.begin() as conn:
            conn.execute(text(f"DROP TABLE IF EXISTS {TABLE}"))
            conn.execute(text(f"CREATE TABLE {TABLE} (n INTEGER)"))
        asyncio.run(run(async_url(url), monitor))
    finally:
        with monitor.begin() as conn:
            conn.execute(text(f"DROP TABLE IF EXISTS {TABLE}"))
        monitor.dispose()


if __name__ == "__main__":
    main()
