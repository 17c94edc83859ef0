"""max_overflow=-1: the pool sets no limit, and a checkout beyond the
server's limit fails at once with the server's error.

The program creates a login of its own that the server lets hold
SERVER_LIMIT connections at a time (a PostgreSQL role with CONNECTION LIMIT,
a MySQL or MariaDB user with MAX_USER_CONNECTIONS), checks out one more
through a pool with max_overflow=-1, and drops the login at the end. Run it
as an account that may create and drop roles (PostgreSQL) or create users
and grant them privileges (MySQL, MariaDB): a superuser, or root.

Run it:  python -m snippets.session_pool.configuration.server_limit
Set DATABASE_URL to a server, e.g. postgresql+psycopg://user:pass@127.0.0.1/db
"""

# databases: postgresql, mysql

import os
import secrets
import textwrap
import time
from typing import cast

from sqlalchemy import URL, Connection, create_engine, exc, make_url, text
from sqlalchemy.pool import NullPool, QueuePool

SERVER_LIMIT = 2  # connections the server allows the login at a time
PREFIX = "pooling_guide_limited_"  # every login this program creates


def create_login(admin: Connection, name: str, password: str) -> None:
    """A login the server allows SERVER_LIMIT connections."""
    if admin.dialect.name == "postgresql":
        # connecting needs no privilege of its own: PUBLIC may connect
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
    # without a privilege on the database, connecting to it fails (1044)
    admin.execute(text(f"GRANT SELECT ON `{database}`.* TO '{name}'@'%'"))


def drop_logins(admin: Connection, only: str | None = None) -> None:
    """Drop the login `only`, or every login this program created
    (left over if a run was killed)."""
    if admin.dialect.name == "postgresql":
        names = admin.execute(text("SELECT rolname FROM pg_roles")).scalars()
        drop = "DROP ROLE IF EXISTS {}"
    else:
        names = admin.execute(text("SELECT User FROM mysql.user")).scalars()
        drop = "DROP USER IF EXISTS '{}'@'%'"
    for name in names.all():
        if name == only or (only is None and name.startswith(PREFIX)):
            admin.execute(text(drop.format(name)))


# --8<-- [start:beyond]
def check_out_beyond(url: URL) -> None:
    """Check out SERVER_LIMIT + 1 connections, keeping them all."""
    engine = create_engine(url, pool_size=1, max_overflow=-1)
    pool = cast(QueuePool, engine.pool)
    print(f"pool_size=1, max_overflow=-1, pool_timeout={pool.timeout()}")
    held = []
    try:
        for number in range(1, SERVER_LIMIT + 2):
            start = time.perf_counter()
            try:
                held.append(engine.connect())
            except exc.OperationalError as error:
                report(number, error, time.perf_counter() - start, url)
                return
            print(f"checkout {number}: connected")
    finally:
        for conn in held:
            conn.close()
        engine.dispose()
    # --8<-- [end:beyond]


def report(
    number: int, error: exc.OperationalError, seconds: float, url: URL
) -> None:
    """Name the exception and the driver's, give the server's message,
    and how long the checkout took."""
    driver_error = type(error.orig)
    print(f"checkout {number}: {type(error).__module__}.{type(error).__name__}")
    print(f"  from {driver_error.__module__}.{driver_error.__name__}:")
    # psycopg puts the server's address first; the login's name is new
    # on every run
    message = str(error.orig).rpartition(" failed: ")[2]
    message = message.replace(url.username or "", "<login>")
    print(
        textwrap.fill(
            message, 76, initial_indent="  ", subsequent_indent="    "
        )
    )
    print(f"checkout {number} failed after:")
    print(f"  {seconds:.2f} s")


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    if make_url(url).get_backend_name() == "sqlite":
        print("SQLite has no server limit: set DATABASE_URL to a server.")
        return
    admin = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    name = PREFIX + secrets.token_hex(4)
    password = secrets.token_hex(16)
    with admin.connect() as conn:
        drop_logins(conn)
        create_login(conn, name, password)
    print(f"a login the server allows {SERVER_LIMIT} connections at a time")
    try:
        check_out_beyond(make_url(url).set(username=name, password=password))
    finally:
        with admin.connect() as conn:
            drop_logins(conn, only=name)
        admin.dispose()


if __name__ == "__main__":
    main()
