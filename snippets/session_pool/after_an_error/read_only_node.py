"""After a failover to a read-only node: connections succeed, pre-ping
passes, and every write fails, until the pool is renewed.

The program plays the failover on a login of its own, never server-wide.
On PostgreSQL the "node" is a role whose new sessions are read-only
(ALTER ROLE ... SET default_transaction_read_only = on), and the failover
ends the role's sessions. MySQL's and MariaDB's read_only is server-wide,
so there the "node" is a user whose connections, opened while it is
read-only, run SET SESSION TRANSACTION READ ONLY (the program's do_connect
listener): the same outcome with another error, 1792 instead of the 1290
of a real read-only server. Run it as an account that may create and drop
logins: a superuser, or root. It drops its login and table at the end.

Run it:  python -m snippets.session_pool.after_an_error.read_only_node
Set DATABASE_URL to a server, e.g. postgresql+psycopg://user:pass@127.0.0.1/db
"""

# databases: postgresql, mysql

import asyncio
import os
import secrets
import time
from typing import Any

from sqlalchemy import (
    URL,
    Connection,
    Engine,
    create_engine,
    event,
    exc,
    make_url,
    text,
)
from sqlalchemy.engine import Dialect, ExceptionContext
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, NullPool

PREFIX = "pooling_guide_read_only_"  # every login this program creates
TABLE = "after_error_writes"
DRIVERS = {  # each is_read_only_error() is tried with
    "postgresql": ["psycopg", "psycopg2"],
    "mysql": ["pymysql", "mysqldb"],
}
GONE_WITHIN = 5.0  # seconds to wait for the server to drop killed sessions

# --8<-- [start:listener]
READ_ONLY_ERRORS = {
    "25006",  # PostgreSQL's SQLSTATE read_only_sql_transaction
    1290,  # MySQL, MariaDB: running with --read-only (if the text says so)
    1792,  # MySQL, MariaDB: a write in a READ ONLY transaction
}


def error_code(error: BaseException) -> object:
    """MySQL's error number, or PostgreSQL's SQLSTATE."""
    if error.args and isinstance(error.args[0], int):
        return error.args[0]  # PyMySQL, mysqlclient: (number, text)
    # psycopg and SQLAlchemy's asyncpg adapter: sqlstate; psycopg2: pgcode
    return getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)


def is_read_only_error(error: BaseException) -> bool:
    code = error_code(error)
    if code == 1290:  # 1290 names other options too
        return "read-only" in str(error)
    return code in READ_ONLY_ERRORS


def renew_pool_on_read_only(engine: Engine) -> None:
    @event.listens_for(engine, "handle_error")
    def read_only_is_a_disconnect(context: ExceptionContext) -> None:
        if is_read_only_error(context.original_exception):
            # a node that no longer takes writes: invalidate the
            # connection, and every connection of the pool with it
            context.is_disconnect = True


# --8<-- [end:listener]


class Node:
    """The login's side of a failover: read-only, then writable again."""

    def __init__(self, admin: Engine, name: str) -> None:
        self.admin, self.name, self.read_only = admin, name, False
        self.postgresql = admin.dialect.name == "postgresql"

    def simulate_on_mysql(self, engine: Engine) -> None:
        """MySQL, MariaDB: connections opened while read-only stay so."""

        @event.listens_for(engine, "do_connect")
        def read_only_session(
            _d: Dialect, _r: ConnectionPoolEntry, _a: Any, params: Any
        ) -> None:
            if self.read_only:
                params["init_command"] = "SET SESSION TRANSACTION READ ONLY"

    def fail_over(self) -> None:
        """New sessions are read-only; the login's sessions end."""
        self.read_only = True
        with self.admin.connect() as conn:
            if self.postgresql:
                conn.execute(
                    text(
                        f"ALTER ROLE {self.name}"
                        " SET default_transaction_read_only = on"
                    )
                )
            end_sessions(conn, self.name)

    def fail_back(self) -> None:
        """New sessions may write again; open sessions are left alone."""
        self.read_only = False
        if self.postgresql:
            with self.admin.connect() as conn:
                conn.execute(
                    text(
                        f"ALTER ROLE {self.name}"
                        " RESET default_transaction_read_only"
                    )
                )


def end_sessions(admin: Connection, name: str) -> None:
    """End every server session of the login `name`; wait until gone."""
    if admin.dialect.name == "postgresql":
        listed = f"SELECT pid FROM pg_stat_activity WHERE usename = '{name}'"
        kill = "SELECT pg_terminate_backend({})"
    else:
        listed = (
            "SELECT ID FROM information_schema.PROCESSLIST"
            f" WHERE USER = '{name}'"
        )
        kill = "KILL {}"
    for session in admin.execute(text(listed)).scalars().all():
        admin.execute(text(kill.format(int(session))))
    deadline = time.monotonic() + GONE_WITHIN
    while admin.execute(text(listed)).first() is not None:
        if time.monotonic() > deadline:
            raise RuntimeError(f"sessions of {name} still there")
        time.sleep(0.01)


def write(engine: Engine, opened: list[int], label: str) -> None:
    """One INSERT; print its outcome and the connections it opened."""
    before = opened[0]
    try:
        with engine.begin() as conn:
            conn.execute(text(f"INSERT INTO {TABLE} (n) VALUES (1)"))
        outcome = "written"
    except exc.DBAPIError as error:
        outcome = f"{type(error).__name__}, from the driver:\n    "
        outcome += str(error.orig).splitlines()[0]
        outcome += (
            f"\n    connection_invalidated: {error.connection_invalidated}"
        )
    print(f"  {label}: {outcome}")
    print(f"    new connections: {opened[0] - before}")


def drill(url: URL, node: Node, listener: bool) -> None:
    engine = create_engine(url, pool_pre_ping=True)
    opened = [0]

    @event.listens_for(engine, "connect")
    def count(_dbapi: object, _record: ConnectionPoolEntry) -> None:
        opened[0] += 1

    if not node.postgresql:
        node.simulate_on_mysql(engine)
    if listener:
        renew_pool_on_read_only(engine)
    try:
        write(engine, opened, "write")
        node.fail_over()
        write(engine, opened, "after the failover")
        node.fail_back()
        write(engine, opened, "writable again")
        write(engine, opened, "and again")
    finally:
        engine.dispose()


def with_driver(url: str, driver: str) -> URL:
    parsed = make_url(url)
    parsed = parsed.set(drivername=f"{parsed.get_backend_name()}+{driver}")
    if driver == "asyncpg":  # asyncpg.connect() takes no libpq "options"
        parsed = parsed.difference_update_query(["options"])
    return parsed


def invalidated(error: exc.DBAPIError) -> str:
    """The error, the code error_code() found in the listener's
    context.original_exception (error.orig), and the outcome."""
    code = error_code(error.orig) if error.orig else None
    return (
        f"{type(error).__name__}, code {code!r},"
        f" connection_invalidated: {error.connection_invalidated}"
    )


def read_only_write(engine: Engine, table: str) -> str:
    """A write in a READ ONLY transaction, the listener on the engine."""
    renew_pool_on_read_only(engine)
    try:
        with engine.begin() as conn:
            conn.execute(text("SET TRANSACTION READ ONLY"))
            conn.execute(text(f"INSERT INTO {table} (n) VALUES (1)"))
        return "written"
    except exc.DBAPIError as error:
        return invalidated(error)
    finally:
        engine.dispose()


async def asyncpg_read_only_write(url: str, table: str) -> str:
    """read_only_write() with asyncpg."""
    engine = create_async_engine(with_driver(url, "asyncpg"))
    renew_pool_on_read_only(engine.sync_engine)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("SET TRANSACTION READ ONLY"))
            await conn.execute(text(f"INSERT INTO {table} (n) VALUES (1)"))
        return "written"
    except exc.DBAPIError as error:
        return invalidated(error)
    finally:
        await engine.dispose()


def each_driver(url: str, table: str) -> None:
    print("Each driver, a write in a READ ONLY transaction, listener on:")
    backend = make_url(url).get_backend_name().replace("mariadb", "mysql")
    for driver in DRIVERS[backend]:
        engine = create_engine(with_driver(url, driver), poolclass=NullPool)
        print(f"  {driver}: {read_only_write(engine, table)}")
    if backend == "postgresql":
        outcome = asyncio.run(asyncpg_read_only_write(url, table))
        print(f"  asyncpg: {outcome}")


def qualified_table(admin: Connection) -> str:
    """TABLE, with the schema (PostgreSQL) or database (MySQL) it is in."""
    if admin.dialect.name == "postgresql":
        schema = admin.execute(text("SELECT current_schema()")).scalar_one()
    else:
        schema = admin.execute(text("SELECT DATABASE()")).scalar_one()
    return f"{schema}.{TABLE}"


def create_login(admin: Connection, name: str, password: str) -> None:
    """A login that may insert into TABLE, and TABLE."""
    admin.execute(text(f"CREATE TABLE {TABLE} (n INTEGER)"))
    if admin.dialect.name == "postgresql":
        schema = admin.execute(text("SELECT current_schema()")).scalar_one()
        admin.execute(text(f"CREATE ROLE {name} LOGIN PASSWORD '{password}'"))
        admin.execute(text(f"GRANT USAGE ON SCHEMA {schema} TO {name}"))
        admin.execute(text(f"GRANT INSERT ON {TABLE} TO {name}"))
        return
    database = admin.execute(text("SELECT DATABASE()")).scalar_one()
    admin.execute(text(f"CREATE USER '{name}'@'%' IDENTIFIED BY '{password}'"))
    admin.execute(text(f"GRANT INSERT ON `{database}`.* TO '{name}'@'%'"))


def drop_logins(admin: Connection) -> None:
    """Drop TABLE and every login this program created (left over if a
    run was killed), after ending their sessions."""
    admin.execute(text(f"DROP TABLE IF EXISTS {TABLE}"))
    if admin.dialect.name == "postgresql":
        names = admin.execute(text("SELECT rolname FROM pg_roles")).scalars()
        drops = ["DROP OWNED BY {}", "DROP ROLE IF EXISTS {}"]
    else:
        names = admin.execute(text("SELECT User FROM mysql.user")).scalars()
        drops = ["DROP USER IF EXISTS '{}'@'%'"]
    for name in names.all():
        if name.startswith(PREFIX):
            end_sessions(admin, name)
            for drop in drops:
                admin.execute(text(drop.format(name)))


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    if make_url(url).get_backend_name() == "sqlite":
        print("SQLite has no failover: set DATABASE_URL to a server.")
        return
    admin = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    name, password = PREFIX + secrets.token_hex(4), secrets.token_hex(16)
    try:
        with admin.connect() as conn:
            drop_logins(conn)
            create_login(conn, name, password)
            table = qualified_table(conn)
        own = make_url(url).set(username=name, password=password)
        for listener in (False, True):
            print(f"pool_pre_ping=True, handle_error listener: {listener}")
            drill(own, Node(admin, name), listener)
        each_driver(url, table)
    finally:
        with admin.connect() as conn:
            drop_logins(conn)
        admin.dispose()


if __name__ == "__main__":
    main()
