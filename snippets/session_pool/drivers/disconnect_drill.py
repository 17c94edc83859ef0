"""The disconnect drill with the drivers most readers use: psycopg2 and
asyncpg on PostgreSQL, mysqlclient and aiomysql on MySQL or MariaDB.

A pooled connection's session is ended on the server, from a second
connection: while the connection waits in the pool (without pool_pre_ping,
then with it), and while it runs a statement. Last, a pool that runs out,
with each driver.

Run it:  python -m snippets.session_pool.drivers.disconnect_drill
Set DATABASE_URL to a server, e.g. postgresql+psycopg://user:pass@127.0.0.1/db
(the program switches the URL to each driver itself). It ends only
sessions it opened itself.
"""

# databases: postgresql, mysql

import asyncio
import os
import textwrap
import threading
import time
from typing import Any

from sqlalchemy import URL, Connection, create_engine, exc, make_url, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine
from sqlalchemy.pool import NullPool

# the drivers of each backend, besides the site's psycopg and PyMySQL
SYNC_DRIVERS = {"postgresql": "psycopg2", "mysql": "mysqldb"}
ASYNC_DRIVERS = {"postgresql": "asyncpg", "mysql": "aiomysql"}
SQL = {
    "postgresql": {
        "session id": "SELECT pg_backend_pid()",
        "end": "SELECT pg_terminate_backend(:id)",
        "listed": "SELECT count(*) FROM pg_stat_activity WHERE pid = :id",
        "running": "SELECT count(*) FROM pg_stat_activity"
        " WHERE pid = :id AND state = 'active'",
        "long statement": "SELECT pg_sleep(10)",
    },
    "mysql": {
        "session id": "SELECT CONNECTION_ID()",
        "end": "KILL :id",
        "listed": "SELECT count(*) FROM information_schema.PROCESSLIST"
        " WHERE ID = :id",
        "running": "SELECT count(*) FROM information_schema.PROCESSLIST"
        " WHERE ID = :id AND COMMAND = 'Query'",
        "long statement": "SELECT SLEEP(10)",
    },
}
GONE_WITHIN = 2.0  # seconds to wait for the server or a driver to catch up
POOL_TIMEOUT = 0.1  # seconds a checkout waits in the exhaustion drill


def backend(url: str | URL) -> str:
    return make_url(url).get_backend_name().replace("mariadb", "mysql")


# --8<-- [start:with-driver]
def with_driver(url: str, driver: str) -> URL:
    """The same database, reached with another driver."""
    parsed = make_url(url)
    parsed = parsed.set(drivername=f"{parsed.get_backend_name()}+{driver}")
    if driver == "asyncpg":  # asyncpg.connect() takes no libpq "options"
        parsed = parsed.difference_update_query(["options"])
    return parsed
    # --8<-- [end:with-driver]


def wait_for(conn: Connection, query: str, session: int, listed: bool) -> None:
    """Poll `query` until it counts `session` (or no longer does)."""
    deadline = time.monotonic() + GONE_WITHIN
    while (
        bool(conn.execute(text(query), {"id": session}).scalar_one()) != listed
        and time.monotonic() < deadline
    ):
        time.sleep(0.01)


# --8<-- [start:end-session]
def end_session(url: str, session: int, running: bool = False) -> None:
    """From a second connection, end the server session `session` (once it
    runs a statement, if `running`); return when the server no longer
    lists it. Only a session this program opened."""
    sql = SQL[backend(url)]
    admin = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if running:
                wait_for(conn, sql["running"], session, listed=True)
            conn.execute(text(sql["end"]), {"id": session})
            wait_for(conn, sql["listed"], session, listed=False)
    finally:
        admin.dispose()
    # --8<-- [end:end-session]


def session_id(conn: Connection) -> int:
    query = SQL[backend(conn.engine.url)]["session id"]
    return int(conn.execute(text(query)).scalar_one())


async def async_session_id(conn: AsyncConnection) -> int:
    query = SQL[backend(conn.engine.url)]["session id"]
    return int((await conn.execute(text(query))).scalar_one())


# --8<-- [start:describe]
def describe(error: exc.DBAPIError) -> list[str]:
    """SQLAlchemy's exception, the exception it comes from where the
    message does not name it, SQLAlchemy's message, and whether the
    connection was invalidated."""
    lines = [f"raised {qualified(error)}"]
    # the driver's own exception: driver_exception, new in SQLAlchemy 2.1;
    # on 2.0 error.orig (for asyncpg, an adapter's, raised from asyncpg's)
    driver: Exception | None = getattr(error, "driver_exception", None)
    driver = driver or error.orig
    assert driver is not None  # a DBAPIError wraps the driver's
    if driver is not error.orig:  # asyncpg's, behind SQLAlchemy's adapter
        lines.append(f"  from {qualified(driver)}")
    elif driver.__cause__ is not None:  # aiomysql: raise ... from ...
        lines.append(f"  from {qualified(driver.__cause__)}")
    for line in str(error).splitlines():  # in lines of 70 at most
        lines += textwrap.wrap(
            line, 70, initial_indent="  ", subsequent_indent="    "
        )
    lines.append(f"connection_invalidated: {error.connection_invalidated}")
    return lines
    # --8<-- [end:describe]


def qualified(error: object) -> str:
    return f"{type(error).__module__}.{type(error).__name__}"


def which(old: int, new: int) -> str:
    return f"server session {new}, {'the same' if new == old else 'a new'} one"


def sync_in_pool(url: str, driver: str, pre_ping: bool) -> list[str]:
    """End a pooled connection's session, then check it out and use it."""
    engine = create_engine(
        with_driver(url, driver), pool_size=1, pool_pre_ping=pre_ping
    )
    try:
        with engine.connect() as conn:
            old = session_id(conn)
        end_session(url, old)
        lines = [f"server session {old}"]
        try:
            with engine.connect() as conn:
                new = session_id(conn)
                lines.append(f"checkout: no error, {which(old, new)}")
        except exc.DBAPIError as error:
            lines += describe(error)
            with engine.connect() as conn:
                new = session_id(conn)
                lines.append(f"next checkout: {which(old, new)}")
        return lines
    finally:
        engine.dispose()


async def async_in_pool(url: str, driver: str, pre_ping: bool) -> list[str]:
    """sync_in_pool(), with an asyncio engine."""
    engine = create_async_engine(
        with_driver(url, driver), pool_size=1, pool_pre_ping=pre_ping
    )
    try:
        async with engine.connect() as conn:
            old = await async_session_id(conn)
            pooled = (await conn.get_raw_connection()).driver_connection
        await asyncio.to_thread(end_session, url, old)
        lines = [f"server session {old}"]
        if driver == "asyncpg":
            lines.append(f"asyncpg's is_closed(): {await closed(pooled)}")
        try:
            async with engine.connect() as conn:
                new = await async_session_id(conn)
                lines.append(f"checkout: no error, {which(old, new)}")
        except exc.DBAPIError as error:
            lines += describe(error)
            async with engine.connect() as conn:
                new = await async_session_id(conn)
                lines.append(f"next checkout: {which(old, new)}")
        return lines
    finally:
        await engine.dispose()


async def closed(connection: Any) -> bool:
    """asyncpg's own view of its connection, once its event loop has read
    the end of the session (or after GONE_WITHIN seconds)."""
    deadline = time.monotonic() + GONE_WITHIN
    while not connection.is_closed() and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    return bool(connection.is_closed())


def sync_in_statement(url: str, driver: str) -> list[str]:
    """End a connection's session while it runs a long statement."""
    engine = create_engine(with_driver(url, driver), pool_size=1)
    try:
        with engine.connect() as conn:
            old = session_id(conn)
            ender = threading.Thread(target=end_session, args=(url, old, True))
            ender.start()
            try:
                conn.execute(text(SQL[backend(url)]["long statement"]))
                lines = [
                    f"server session {old}",
                    "the statement ended, no error",
                ]
            except exc.DBAPIError as error:
                lines = [f"server session {old}", *describe(error)]
            finally:
                ender.join()
        return lines
    finally:
        engine.dispose()


async def async_in_statement(url: str, driver: str) -> list[str]:
    """sync_in_statement(), with an asyncio engine."""
    engine = create_async_engine(with_driver(url, driver), pool_size=1)
    try:
        async with engine.connect() as conn:
            old = await async_session_id(conn)
            ender = asyncio.create_task(
                asyncio.to_thread(end_session, url, old, True)
            )
            try:
                await conn.execute(text(SQL[backend(url)]["long statement"]))
                lines = [
                    f"server session {old}",
                    "the statement ended, no error",
                ]
            except exc.DBAPIError as error:
                lines = [f"server session {old}", *describe(error)]
            finally:
                await ender
        return lines
    finally:
        await engine.dispose()


def sync_exhaustion(url: str, driver: str) -> str:
    """The error when a pool of one is out of connections."""
    engine = create_engine(
        with_driver(url, driver),
        pool_size=1,
        max_overflow=0,
        pool_timeout=POOL_TIMEOUT,
    )
    try:
        with engine.connect():
            try:
                with engine.connect():
                    return "no error"
            except exc.TimeoutError as error:
                return f"{qualified(error)}: {error}"
    finally:
        engine.dispose()


async def async_exhaustion(url: str, driver: str) -> str:
    """sync_exhaustion(), with an asyncio engine."""
    engine = create_async_engine(
        with_driver(url, driver),
        pool_size=1,
        max_overflow=0,
        pool_timeout=POOL_TIMEOUT,
    )
    try:
        async with engine.connect():
            try:
                async with engine.connect():
                    return "no error"
            except exc.TimeoutError as error:
                return f"{qualified(error)}: {error}"
    finally:
        await engine.dispose()


def drivers(url: str) -> tuple[str, str]:
    """The backend's sync driver and asyncio driver."""
    return SYNC_DRIVERS[backend(url)], ASYNC_DRIVERS[backend(url)]


def client_library(url: URL) -> str:
    """mysqlclient's MySQLdb.get_client_info(): its C library's version."""
    mysqldb = url.get_dialect().import_dbapi()
    return f" (client library {mysqldb.get_client_info()})"


def print_drill(url: str, driver: str, lines: list[str]) -> None:
    name = with_driver(url, driver)
    library = client_library(name) if driver == "mysqldb" else ""
    print(f"--- {name.drivername}{library}, {lines[0]}:")
    print("\n".join(f"    {line}" for line in lines[1:]))


def in_the_pool(url: str) -> None:
    sync, asyncio_driver = drivers(url)
    for part, pre_ping in ((1, False), (2, True)):
        print(
            f"{part}. pool_pre_ping={pre_ping}: the session ends while the "
            "connection is in the pool"
        )
        print_drill(url, sync, sync_in_pool(url, sync, pre_ping))
        lines = asyncio.run(async_in_pool(url, asyncio_driver, pre_ping))
        print_drill(url, asyncio_driver, lines)


def in_a_statement(url: str) -> None:
    sync, asyncio_driver = drivers(url)
    statement = SQL[backend(url)]["long statement"]
    print(f"3. The session ends during {statement}")
    print_drill(url, sync, sync_in_statement(url, sync))
    lines = asyncio.run(async_in_statement(url, asyncio_driver))
    print_drill(url, asyncio_driver, lines)


def exhaustion(url: str) -> None:
    sync, asyncio_driver = drivers(url)
    print("4. A pool of 1 (max_overflow=0) out of connections, per driver")
    texts: dict[str, list[str]] = {}
    for driver in (make_url(url).get_driver_name(), sync):
        texts.setdefault(sync_exhaustion(url, driver), []).append(driver)
    raised = asyncio.run(async_exhaustion(url, asyncio_driver))
    texts.setdefault(raised, []).append(asyncio_driver)
    for raised, names in texts.items():
        print(f"--- {', '.join(names)}:")
        print(
            textwrap.fill(
                raised, 74, initial_indent="    ", subsequent_indent="      "
            )
        )


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    if backend(url) not in SQL:
        print("The drill needs a server: set DATABASE_URL to PostgreSQL or")
        print("MySQL.")
        return
    in_the_pool(url)
    in_a_statement(url)
    exhaustion(url)


if __name__ == "__main__":
    main()
