"""The databases examples run on: one registry, and a database of its own for every run.

SQLite is always there, a file in a scratch folder. The servers come from environment
variables (``TEST_POSTGRESQL_URL``...), with the driver named in the URL. A run on a server gets
a schema (PostgreSQL) or a database (MySQL) of its own, dropped after, so runs never collide.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib.metadata import version

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

# The examples' own default, a file in the working directory: every run gets a scratch folder.
SQLITE_URL = "sqlite:///pooling_guide.db"


@dataclass(frozen=True)
class Database:
    name: str  # as in `# databases:` lines, record names and test ids
    label: str  # the tab label on the pages
    variable: str  # the environment variable with the server's URL ("" for SQLite)
    example_url: str  # what the README suggests for that variable
    isolate: str  # what a run gets of its own: "file", "schema", "database" or "nothing"
    count_sql: str  # our connections on the server, but this one ("" where not counted)
    by_default: bool  # an example without a `# databases:` line runs on it
    # what a reader's command sets DATABASE_URL to ("": the examples' default SQLite file)
    reader_url: str = ""

    def url(self) -> str | None:
        """The server's URL, or None when its variable is not set (always None for SQLite)."""
        return os.environ.get(self.variable) or None if self.variable else None

    def available(self) -> bool:
        return self.isolate == "file" or self.url() is not None


# Our connections on a server, but the one asking
COUNT_POSTGRESQL = (
    "SELECT count(*) FROM pg_stat_activity WHERE usename = current_user AND pid <> pg_backend_pid()"
)
COUNT_MYSQL = (
    "SELECT count(*) FROM information_schema.PROCESSLIST "
    "WHERE USER = SUBSTRING_INDEX(CURRENT_USER(), '@', 1) AND ID <> CONNECTION_ID()"
)
POSTGRESQL_URL = "postgresql+psycopg://pooling:pooling@127.0.0.1:5432/pooling"
MYSQL_URL = "mysql+pymysql://root:pooling@127.0.0.1:3306/pooling"
# The URLs the pages' commands show, with the driver the tests use (docs/index.md explains them)
READER_URLS = {
    "postgresql": "postgresql+psycopg://user:password@127.0.0.1:5432/db",
    "mysql": "mysql+pymysql://user:password@127.0.0.1:3306/db",
    "pgbouncer": "postgresql+psycopg://user:password@127.0.0.1:6432/db",
}
DATABASES = {  # in the order of the tabs on the pages
    d.name: d
    for d in (
        Database(
            "postgresql",
            "PostgreSQL",
            "TEST_POSTGRESQL_URL",
            POSTGRESQL_URL,
            "schema",
            COUNT_POSTGRESQL,
            True,
            READER_URLS["postgresql"],
        ),
        Database(
            "mysql",
            "MySQL",
            "TEST_MYSQL_URL",
            MYSQL_URL,
            "database",
            COUNT_MYSQL,
            True,
            READER_URLS["mysql"],
        ),
        Database("sqlite", "SQLite", "", "", "file", "", True),
        # PgBouncer in transaction mode in front of PostgreSQL: the tests start one when unset.
        # Its examples create nothing, and its connections are counted on PostgreSQL.
        Database(
            "pgbouncer",
            "PgBouncer",
            "TEST_PGBOUNCER_URL",
            "",
            "nothing",
            "",
            False,
            READER_URLS["pgbouncer"],
        ),
    )
}
# A URL's driver name -> the distribution whose version the records name
DRIVERS = {"psycopg": "psycopg", "pymysql": "PyMySQL", "pysqlite": "sqlite3"}
DRIVERS |= {"psycopg2": "psycopg2", "asyncpg": "asyncpg", "mysqldb": "mysqlclient"}
# Drivers an example names to connect by itself, in an import or in a URL it builds
# ("mysql+mysqldb"): word -> (distribution, backend of its URL)
IMPORTED_DRIVERS = {
    "aiomysql": ("aiomysql", "mysql"),
    "aiosqlite": ("aiosqlite", "sqlite"),
    "psycopg_pool": ("psycopg-pool", "postgresql"),
    "psycopg2": ("psycopg2", "postgresql"),
    "asyncpg": ("asyncpg", "postgresql"),
    "mysqldb": ("mysqlclient", "mysql"),
}


def server_version(database: Database, url: str | None) -> str:
    """The product and version that answers: "PostgreSQL 15.15", "MariaDB 10.11.14"."""
    if database.isolate == "file":
        return f"SQLite {sqlite3.sqlite_version}"
    assert url is not None
    if database.name == "pgbouncer":
        from proof.pgbouncer import version as pgbouncer_version

        return pgbouncer_version(url)
    reported = str(scalar(url, "SELECT version()"))
    if reported.startswith("PostgreSQL"):  # PostgreSQL 15.15 (Debian ...) on x86_64-pc-linux-gnu
        return " ".join(reported.split()[:2])
    if "MariaDB" in reported:  # 10.11.14-MariaDB-0+deb12u1
        return "MariaDB " + reported.split("-")[0]
    return "MySQL " + reported.split("-")[0]  # 8.4.3


def scalar(url: str, sql: str) -> object:
    # connect_timeout: an unroutable host fails in seconds instead of hanging
    engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar()
    finally:
        engine.dispose()


def our_connections(database: Database, url: str) -> int:
    """How many connections our user holds on the server, besides the one asking."""
    return int(str(scalar(url, database.count_sql)))


def libraries(url: str, mentioned: Iterable[str] = ()) -> str:
    """SQLAlchemy, the driver the URL names and the ``IMPORTED_DRIVERS`` for its backend that an
    example ``mentioned`` (imports, or names in a URL), with their installed versions."""
    parsed = make_url(url)
    driver = DRIVERS[parsed.get_driver_name()]
    found = [
        f"SQLAlchemy {version('SQLAlchemy')}",
        f"{driver} {'(standard library)' if driver == 'sqlite3' else version(driver)}",
    ]
    words = {w.lower() for w in mentioned}  # import MySQLdb, "mysql+mysqldb://"
    for word, (package, backend) in IMPORTED_DRIVERS.items():
        named = word in words and package != driver
        if named and backend == parsed.get_backend_name():
            found.append(f"{package} {version(package)}")
    return ", ".join(found)


@contextlib.contextmanager
def own_database(database: Database, url: str | None) -> Iterator[str]:
    """Yield the URL of a database of this run's own: a file, a schema or a database.

    The SQLite URL is relative: run the example in a scratch folder of its own.
    """
    if database.isolate == "file":
        yield SQLITE_URL
        return
    assert url is not None
    if database.isolate == "nothing":
        yield url
        return
    server = make_url(url)
    name = f"t_{uuid.uuid4().hex[:12]}"
    create, drop = f"CREATE SCHEMA {name}", f"DROP SCHEMA IF EXISTS {name} CASCADE"
    own = server.update_query_dict({"options": f"-csearch_path={name}"})
    if database.isolate == "database":
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


@dataclass
class Server:
    """A database as the tests and the build find it: its URL and version, or why not."""

    database: Database
    url: str | None = None
    version: str = ""
    problem: str = ""  # why it cannot be used
    fatal: bool = False  # fail its cases instead of skipping them


def find(database: Database, *, required: bool) -> Server:
    """The server of ``database.variable``. Unset: a problem, fatal when ``required``; set but
    not answering: always fatal."""
    url = database.url()
    if database.isolate == "file":
        return Server(database, version=server_version(database, None))
    if url is None:
        how = f"e.g. {database.variable}={database.example_url} (README: docker compose up -d)"
        if database.name == "pgbouncer":
            how = "or install Debian's pgbouncer (apt-get install pgbouncer; .ci/run does)"
        problem = f"{database.name}: {database.variable} is not set; set it, {how}"
        return Server(database, problem=problem, fatal=required)
    try:
        return Server(database, url, server_version(database, url))
    except Exception as error:
        problem = (
            f"{database.name}: cannot connect to {make_url(url)} ({database.variable}): "
            f"{type(error).__name__}: {str(error).splitlines()[0]}. "
            f"Start that server, or fix or unset {database.variable}."
        )
        return Server(database, url, problem=problem, fatal=True)
