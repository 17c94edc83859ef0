"""The databases examples run on, and a database of its own for every run.

SQLite is always there: a file in a scratch folder. PostgreSQL and MySQL are the servers named by
``TEST_POSTGRESQL_URL`` and ``TEST_MYSQL_URL`` (the tests' variables), with the driver named in
the URL. A run on a server gets a schema (PostgreSQL) or a database (MySQL) of its own, dropped
after, so parallel runs never collide.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import uuid
from collections.abc import Iterable, Iterator

VARIABLES = {
    "postgresql": "TEST_POSTGRESQL_URL",
    "mysql": "TEST_MYSQL_URL",
    # PgBouncer in transaction mode, in front of PostgreSQL; the tests start one when unset
    "pgbouncer": "TEST_PGBOUNCER_URL",
}
# The examples' own default, a file in the working directory: every run gets a scratch folder.
SQLITE_URL = "sqlite:///pooling_guide.db"
DRIVERS = {"psycopg": "psycopg", "pymysql": "PyMySQL", "pysqlite": "sqlite3"}
# Drivers an example imports to connect by itself (async_creator): module -> (package, database)
IMPORTED_DRIVERS = {
    "aiomysql": ("aiomysql", "mysql"),
    "aiosqlite": ("aiosqlite", "sqlite"),
    "psycopg_pool": ("psycopg-pool", "postgresql"),
}


def server_url(database: str) -> str | None:
    """The server URL for a database, or None when its variable is not set."""
    if database == "sqlite":
        return None
    return os.environ.get(VARIABLES[database]) or None


def available(database: str) -> bool:
    return database == "sqlite" or server_url(database) is not None


def server_version(database: str, url: str | None) -> str:
    """The product and version that answers, as "PostgreSQL 15.15" or "MariaDB 10.11.14"."""
    if database == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    assert url is not None
    if database == "pgbouncer":
        return pgbouncer_version(url)
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            reported = str(conn.execute(text("SELECT version()")).scalar())
    finally:
        engine.dispose()
    if reported.startswith("PostgreSQL"):  # PostgreSQL 15.15 (Debian ...) on x86_64-pc-linux-gnu
        return " ".join(reported.split()[:2])
    if "MariaDB" in reported:  # 10.11.14-MariaDB-0+deb12u1
        return "MariaDB " + reported.split("-")[0]
    return "MySQL " + reported.split("-")[0]  # 8.4.3


def pgbouncer_version(url: str) -> str:
    """PgBouncer's own name and version, e.g. PgBouncer 1.18.0, from its admin console."""
    import psycopg
    from sqlalchemy import make_url

    console = make_url(url).set(drivername="postgresql", database="pgbouncer")
    with psycopg.connect(
        console.render_as_string(hide_password=False),
        autocommit=True,
        prepare_threshold=None,
        cursor_factory=psycopg.ClientCursor,  # the console speaks the simple protocol only
        connect_timeout=5,
    ) as conn:
        row = conn.execute("SHOW VERSION").fetchone()
    return str(row[0]) if row else "PgBouncer"


def driver_versions(url: str, mentioned: Iterable[str] = ()) -> str:
    """SQLAlchemy, the DBAPI driver the URL names and the ``IMPORTED_DRIVERS`` for its database
    that the example ``mentioned`` (imports, or names in a URL), with their installed versions."""
    from importlib.metadata import version

    from sqlalchemy import make_url

    parsed = make_url(url)
    driver = DRIVERS[parsed.get_driver_name()]
    found = [
        f"SQLAlchemy {version('SQLAlchemy')}",
        f"{driver} {'(standard library)' if driver == 'sqlite3' else version(driver)}",
    ]
    for module, (package, database) in IMPORTED_DRIVERS.items():
        if module in mentioned and database == parsed.get_backend_name():
            found.append(f"{package} {version(package)}")
    return ", ".join(found)


@contextlib.contextmanager
def own_database(database: str, url: str | None) -> Iterator[str]:
    """Yield the URL of a database of this run's own: a file, a schema or a database.

    The SQLite URL is relative: run the example in a scratch folder of its own.
    """
    if database == "sqlite":
        yield SQLITE_URL
        return
    assert url is not None
    if database == "pgbouncer":  # its examples create nothing: PgBouncer's database as it is
        yield url
        return
    from sqlalchemy import create_engine, make_url, text
    from sqlalchemy.pool import NullPool

    server = make_url(url)
    name = f"t_{uuid.uuid4().hex[:12]}"
    if database == "postgresql":
        create, drop = f"CREATE SCHEMA {name}", f"DROP SCHEMA IF EXISTS {name} CASCADE"
        own = server.update_query_dict({"options": f"-csearch_path={name}"})
    else:
        create, drop = f"CREATE DATABASE {name}", f"DROP DATABASE IF EXISTS {name}"
        own = server.set(database=name)
    engine = create_engine(server, poolclass=NullPool, connect_args={"connect_timeout": 5})
    try:
        with engine.begin() as conn:
            conn.execute(text(create))
        try:
            yield own.render_as_string(hide_password=False)
        finally:
            with engine.begin() as conn:
                conn.execute(text(drop))
    finally:
        engine.dispose()
