"""After the server refused a connection: what the pool counts, what the
next checkout does, and a budget that keeps every process within the
server's limit.

The program creates a login of its own that the server lets hold
SERVER_LIMIT connections at a time (a PostgreSQL role with CONNECTION LIMIT,
a MySQL or MariaDB user with MAX_USER_CONNECTIONS); two engines stand for
two processes, each with a pool of its own. Run it as an account that may
create and drop logins: a superuser, or root. It drops the login at the
end.

Run it:  python -m snippets.session_pool.after_an_error.refused
Set DATABASE_URL to a server, e.g. postgresql+psycopg://user:pass@127.0.0.1/db
"""

# databases: postgresql, mysql

import os
import secrets
import textwrap
from typing import Any, cast

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
from sqlalchemy.engine import Dialect
from sqlalchemy.pool import ConnectionPoolEntry, NullPool, QueuePool

SERVER_LIMIT = 2  # connections the server allows the login at a time
WAIT = 0.2  # pool_timeout, in seconds, of the two "processes"
PREFIX = "pooling_guide_refused_"  # every login this program creates


def create_login(admin: Connection, name: str, password: str) -> None:
    """A login the server allows SERVER_LIMIT connections."""
    if admin.dialect.name == "postgresql":
        admin.execute(
            text(
                f"CREATE ROLE {name} LOGIN PASSWORD '{password}'"
                f" CONNECTION LIMIT {SERVER_LIMIT}"
            )
        )
        return
    database = admin.execute(text("SELECT DATABASE()")).scalar_one()
    admin.execute(
        text(
            f"CREATE USER '{name}'@'%' IDENTIFIED BY '{password}'"
            f" WITH MAX_USER_CONNECTIONS {SERVER_LIMIT}"
        )
    )
    admin.execute(text(f"GRANT SELECT ON `{database}`.* TO '{name}'@'%'"))


def drop_logins(admin: Connection) -> None:
    """Drop every login this program created (left over if a run was
    killed)."""
    if admin.dialect.name == "postgresql":
        names = admin.execute(text("SELECT rolname FROM pg_roles")).scalars()
        drop = "DROP ROLE IF EXISTS {}"
    else:
        names = admin.execute(text("SELECT User FROM mysql.user")).scalars()
        drop = "DROP USER IF EXISTS '{}'@'%'"
    for name in names.all():
        if name.startswith(PREFIX):
            admin.execute(text(drop.format(name)))


def counting(engine: Engine) -> list[int]:
    """[connection attempts]: every time the pool asks the driver."""
    attempts = [0]

    @event.listens_for(engine, "do_connect")
    def attempt(_d: Dialect, _r: ConnectionPoolEntry, *_a: Any) -> None:
        attempts[0] += 1

    return attempts


def checkout(engine: Engine, held: list[Connection], label: str) -> None:
    """Check out one more connection and keep it; print the outcome."""
    try:
        held.append(engine.connect())
        print(f"  {label}: connected")
    except exc.OperationalError as error:
        code, message = said(error, engine.url.username or "")
        print(f"  {label}: {type(error).__name__}, {code}:")
        print(
            textwrap.fill(
                message, 76, initial_indent="    ", subsequent_indent="      "
            )
        )
    except exc.TimeoutError as error:
        kind = f"sqlalchemy.exc.{type(error).__name__}"
        print(f"  {label}: {kind}, the pool's limit")


def said(error: exc.OperationalError, login: str) -> tuple[str, str]:
    """The driver's codes and message, with <login> for the login: PyMySQL
    gives (error number, text), psycopg its text and `sqlstate`."""
    driver = error.orig
    code = f"SQLSTATE {getattr(driver, 'sqlstate', None)}"
    if driver is not None and isinstance(driver.args[0], int):
        code = f"error {driver.args[0]}, {code}"
        message = str(driver.args[1])
    else:  # psycopg puts the server's address first
        message = str(driver).rpartition(" failed: ")[2]
    return code, message.replace(login, "<login>")


def counts(engine: Engine) -> str:
    pool = cast(QueuePool, engine.pool)
    return (
        f"checkedout()={pool.checkedout()}, overflow()={pool.overflow()},"
        f" checkedin()={pool.checkedin()}"
    )


def after_a_refusal(url: URL) -> None:
    # --8<-- [start:refusal]
    engine = create_engine(url, pool_size=1, max_overflow=2)
    attempts = counting(engine)
    held: list[Connection] = []
    for number in (1, 2, 3):
        checkout(engine, held, f"checkout {number}")
    print(f"  the pool counts: {counts(engine)}")
    checkout(engine, held, "checkout 4, at once")
    print(f"  connection attempts so far: {attempts[0]}")
    held.pop().close()  # one connection back to the pool
    checkout(engine, held, "checkout 5, after one was closed")
    print(f"  connection attempts so far: {attempts[0]}")
    # --8<-- [end:refusal]
    for conn in held:
        conn.close()
    engine.dispose()


# --8<-- [start:budget]
def two_processes(url: URL, pool_size: int) -> None:
    """Two engines, as two processes have, each at its peak: every
    connection it may open, checked out at once."""
    engines = [
        create_engine(
            url, pool_size=pool_size, max_overflow=0, pool_timeout=0.2
        )
        for _ in range(2)
    ]
    held: list[Connection] = []
    try:
        for process, engine in enumerate(engines, start=1):
            for number in range(1, pool_size + 1):
                checkout(engine, held, f"process {process}, checkout {number}")
        checkout(engines[0], held, "process 1, one more")
    finally:
        for conn in held:
            conn.close()
        for engine in engines:
            engine.dispose()


# --8<-- [end:budget]


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    if make_url(url).get_backend_name() == "sqlite":
        print("SQLite has no server limit: set DATABASE_URL to a server.")
        return
    admin = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    name, password = PREFIX + secrets.token_hex(4), secrets.token_hex(16)
    try:
        with admin.connect() as conn:
            drop_logins(conn)
            create_login(conn, name, password)
        own = make_url(url).set(username=name, password=password)
        print(f"a login the server allows {SERVER_LIMIT} connections at a time")
        print("pool_size=1, max_overflow=2: up to 3, one more than allowed")
        after_a_refusal(own)
        print("2 processes x (pool_size=2 + max_overflow=0) = 4 > 2:")
        two_processes(own, pool_size=2)
        print("2 processes x (pool_size=1 + max_overflow=0) = 2 <= 2:")
        two_processes(own, pool_size=1)
    finally:
        with admin.connect() as conn:
            drop_logins(conn)
        admin.dispose()


if __name__ == "__main__":
    main()
