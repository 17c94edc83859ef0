"""A task cancelled while it holds a connection, first while it waits, then
while its query runs: what happens to the connection, what SQLAlchemy
logs, what the server still runs. Then a statement timeout on the server,
which ends the query and keeps the connection.

Run it:  python -m snippets.session_pool.async_engines.cancelled_query
Set DATABASE_URL to try another database; the program switches the URL to
the database's asyncio driver (psycopg or aiomysql).
"""

# databases: postgresql, mysql

import asyncio
import logging
import os
import re
import textwrap
import time
from collections.abc import Awaitable, Callable
from typing import Any, cast

from sqlalchemy import Engine, create_engine, event, exc, make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool, NullPool

ASYNC_DRIVERS = {"postgresql": "psycopg", "mysql": "aiomysql"}
ASYNC_DRIVERS |= {"mariadb": "aiomysql"}
PID_QUERIES = {"postgresql": "SELECT pg_backend_pid()"}
PID_QUERIES |= {"mysql": "SELECT CONNECTION_ID()"}
SLOW_QUERIES = {"postgresql": "SELECT pg_sleep(30)"}
SLOW_QUERIES |= {"mysql": "SELECT SLEEP(30)"}
STATE_QUERIES = {
    "postgresql": "SELECT state, query FROM pg_stat_activity WHERE pid = :pid",
    "mysql": "SELECT COMMAND, INFO FROM information_schema.PROCESSLIST"
    " WHERE ID = :pid",
}
RUNNING = {"active", "Query"}  # the states of a session running a statement
RESTING = {"idle", "Sleep"}  # no statement, no transaction
END_SESSION = {"postgresql": "SELECT pg_terminate_backend(:pid)"}
END_SESSION |= {"mysql": "KILL :pid"}
for queries in PID_QUERIES, SLOW_QUERIES, STATE_QUERIES, END_SESSION:
    queries["mariadb"] = queries["mysql"]
LIMITS: dict[str, Any] = {"pool_size": 1, "max_overflow": 0}
WATCH = 0.5  # seconds the program watches the server after a cancel


def async_url(url: str) -> str:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    return parsed.set(
        drivername=f"{backend}+{ASYNC_DRIVERS[backend]}"
    ).render_as_string(hide_password=False)


class Logged(logging.Handler):
    """Keeps the records SQLAlchemy's pool logs, from INFO up."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def show(line: str) -> None:
    print(
        textwrap.fill(line, 76, initial_indent="   ", subsequent_indent="     ")
    )


def server_state(monitor: Engine, pid: int) -> tuple[str, str] | None:
    """The session's state and statement, read from another connection;
    None once the session ended."""
    with monitor.connect() as conn:
        query = text(STATE_QUERIES[monitor.dialect.name])
        row = conn.execute(query, {"pid": pid}).first()
    return None if row is None else (str(row[0]), str(row[1]))


def server_view(monitor: Engine, pid: int) -> str:
    found = server_state(monitor, pid)
    if found is None:
        return f"server session {pid}: gone"
    state, statement = found
    running = f", running {statement}" if state in RUNNING else ""
    return f"server session {pid}: {state!r}{running}"


async def until_running(monitor: Engine, pid: int) -> None:
    """Return once the server runs the slow query in session pid."""
    slow = SLOW_QUERIES[monitor.dialect.name]
    while True:
        found = server_state(monitor, pid)
        if found is not None and found[0] in RUNNING and found[1] == slow:
            return
        await asyncio.sleep(0.01)


async def after_cancel(monitor: Engine, pid: int) -> str:
    """server_view() once the session ended or rests in the pool, or after
    WATCH seconds."""
    deadline = time.monotonic() + WATCH
    while (found := server_state(monitor, pid)) is not None:
        if found[0] in RESTING or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.01)
    return server_view(monitor, pid)


def end_session(monitor: Engine, pid: int) -> None:
    """Clean-up: end the session on the server if it is still there."""
    if server_state(monitor, pid) is None:
        return
    with monitor.connect() as conn:
        conn.execute(text(END_SESSION[monitor.dialect.name]), {"pid": pid})
        conn.commit()


async def session_pid(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        query = text(PID_QUERIES[engine.dialect.name])
        return int((await conn.execute(query)).scalar_one())


# --8<-- [start:requests]
async def waiting_request(
    engine: AsyncEngine, pids: asyncio.Queue[int], go_on: asyncio.Event
) -> None:
    """Hands the session's id over, then waits for go_on: it holds the
    connection, in a transaction, and runs no statement."""
    async with engine.connect() as conn:
        pid_query = text(PID_QUERIES[engine.dialect.name])
        await pids.put((await conn.execute(pid_query)).scalar_one())
        await go_on.wait()


async def slow_request(engine: AsyncEngine, pids: asyncio.Queue[int]) -> None:
    """Hands the session's id over, then runs a query of 30 seconds."""
    async with engine.connect() as conn:
        pid_query = text(PID_QUERIES[engine.dialect.name])
        await pids.put((await conn.execute(pid_query)).scalar_one())
        await conn.execute(text(SLOW_QUERIES[engine.dialect.name]))
        # --8<-- [end:requests]


Started = tuple[asyncio.Task[None], int]  # the task, and its session's id


async def start_waiting(engine: AsyncEngine, monitor: Engine) -> Started:
    pids: asyncio.Queue[int] = asyncio.Queue()
    # --8<-- [start:start-waiting]
    never = asyncio.Event()
    task = asyncio.create_task(waiting_request(engine, pids, never))
    pid = await pids.get()  # the task now waits for `never`
    # --8<-- [end:start-waiting]
    return task, pid


async def start_running(engine: AsyncEngine, monitor: Engine) -> Started:
    pids: asyncio.Queue[int] = asyncio.Queue()
    # --8<-- [start:start-running]
    task = asyncio.create_task(slow_request(engine, pids))
    pid = await pids.get()
    await until_running(monitor, pid)  # the server runs the query now
    # --8<-- [end:start-running]
    return task, pid


async def cancelled(
    url: str,
    monitor: Engine,
    logged: Logged,
    start: Callable[[AsyncEngine, Engine], Awaitable[Started]],
) -> None:
    engine = create_async_engine(url, **LIMITS)
    pool = cast(AsyncAdaptedQueuePool, engine.pool)
    logged.records.clear()
    task, pid = await start(engine, monitor)
    try:
        # --8<-- [start:cancel]
        task.cancel()  # what asyncio.timeout() does when its time is up
        try:
            await task
        except asyncio.CancelledError:
            print(f"   the task was cancelled; checked out {pool.checkedout()}")
        # --8<-- [end:cancel]
        for record in logged.records:
            message = re.sub(r"<.*>", "<connection>", record.getMessage())
            show(f"logged {record.levelname} by {record.name}: {message}")
        show(f"after the cancel: {await after_cancel(monitor, pid)}")
        again = await session_pid(engine)
        print(f"   the next checkout gets server session {pid}: {again == pid}")
    finally:
        end_session(monitor, pid)
        await engine.dispose()


# --8<-- [start:statement-timeout]
TIMEOUTS = {  # 0.2 seconds, in each server's unit
    "postgresql": "SET statement_timeout = 200",
    "mariadb": "SET max_statement_time = 0.2",
    "mysql": "SET max_execution_time = 200",  # SELECT statements only
}


def with_statement_timeout(engine: AsyncEngine) -> None:
    """Every new connection of the engine gets the server's timeout."""
    dialect = engine.dialect

    @event.listens_for(engine.sync_engine, "connect")
    def set_timeout(dbapi_connection: Any, record: Any) -> None:
        # is_mariadb is known once the dialect saw its first connection
        mariadb = getattr(dialect, "is_mariadb", False)
        cursor = dbapi_connection.cursor()
        cursor.execute(TIMEOUTS["mariadb" if mariadb else dialect.name])
        cursor.close()
        dbapi_connection.commit()  # a SET in PostgreSQL is transactional
        # --8<-- [end:statement-timeout]


async def timed_out(url: str, monitor: Engine) -> None:
    engine = create_async_engine(url, **LIMITS)
    with_statement_timeout(engine)
    pids: asyncio.Queue[int] = asyncio.Queue()
    pid = None
    try:
        # --8<-- [start:timed-out]
        try:
            await slow_request(engine, pids)
        except exc.OperationalError as error:
            cause = type(error.orig)
            raised = f"{cause.__module__}.{cause.__name__}"
            print(f"   {type(error).__name__} from {raised}:")
            show(str(error.orig))
        pid = pids.get_nowait()
        # --8<-- [end:timed-out]
        pool = cast(AsyncAdaptedQueuePool, engine.pool)
        print(f"   checked out {pool.checkedout()}")
        show(server_view(monitor, pid))
        again = await session_pid(engine)
        print(f"   the next checkout gets server session {pid}: {again == pid}")
    finally:
        if pid is not None:
            end_session(monitor, pid)
        await engine.dispose()


async def run(url: str, monitor: Engine, logged: Logged) -> None:
    print(f"Driver: {make_url(url).drivername}")
    print("A task cancelled while it waits, holding a connection:")
    await cancelled(url, monitor, logged, start_waiting)
    print("A task cancelled while its query runs:")
    await cancelled(url, monitor, logged, start_running)
    print("A statement timeout on the server instead:")
    await timed_out(url, monitor)


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    logged = Logged()
    pool_logger = logging.getLogger("sqlalchemy.pool")
    pool_logger.addHandler(logged)
    pool_logger.setLevel(logging.INFO)
    monitor = create_engine(url, poolclass=NullPool)
    try:
        asyncio.run(run(async_url(url), monitor, logged))
    finally:
        monitor.dispose()


if __name__ == "__main__":
    main()
