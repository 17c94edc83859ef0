"""The three databases every example runs on, and the per-test isolation around them.

* ``sqlite``: always there, a file database in the test's temporary folder.
* ``postgresql``: ``TEST_POSTGRESQL_URL`` (``postgresql+psycopg://...``).
* ``mysql``: ``TEST_MYSQL_URL`` (``mysql+pymysql://...``).

An unset variable falls back to testcontainers when a Docker engine answers, and otherwise
skips that backend's cases, unless ``TEST_REQUIRE_ALL_BACKENDS=1`` (CI) makes it an error.
A variable that is set but points at nothing is always an error.
"""

from __future__ import annotations

import contextlib
import gc
import os
import time
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import harness
import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

SERVERS = {"postgresql": "TEST_POSTGRESQL_URL", "mysql": "TEST_MYSQL_URL"}
REQUIRE = "TEST_REQUIRE_ALL_BACKENDS"
EXAMPLE_URLS = {
    "postgresql": "postgresql+psycopg://pooling:pooling@127.0.0.1:5432/pooling",
    "mysql": "mysql+pymysql://root:pooling@127.0.0.1:3306/pooling",
}
IMAGES = {"postgresql": "postgres:15", "mysql": "mysql:8.4"}
# Servers take a moment to notice a closed socket; wait this long before calling it a leak.
SETTLE_SECONDS = 10.0


@dataclass
class Server:
    backend: str
    url: URL | None = None
    version: str = ""
    problem: str = ""  # why the backend cannot be used
    fatal: bool = False  # fail its cases instead of skipping them

    def admin_engine(self) -> Engine:
        assert self.url is not None
        # connect_timeout: an unroutable host fails in seconds instead of hanging the suite
        return create_engine(self.url, poolclass=NullPool, connect_args={"connect_timeout": 5})


def _required() -> bool:
    return os.environ.get(REQUIRE, "") not in {"", "0", "false", "no"}


def _docker_answers() -> bool:
    import docker

    with warnings.catch_warnings():
        # A client that found no engine leaves its socket to the garbage collector, which warns.
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            docker.from_env().ping()
            answers = True
        except Exception:
            answers = False
        gc.collect()
    return answers


_containers: list[Any] = []


def _start_container(backend: str) -> str | None:
    """Start a throwaway server with testcontainers; None when no Docker engine answers."""
    if not _docker_answers():
        return None
    from docker.errors import DockerException

    try:  # testcontainers raises DockerException already when constructing the container
        if backend == "postgresql":
            from testcontainers.community.postgres import PostgresContainer

            container: Any = PostgresContainer(IMAGES[backend], driver="psycopg")
        else:
            from testcontainers.community.mysql import MySqlContainer

            container = MySqlContainer(
                IMAGES[backend], dialect="pymysql", username="root", password="pooling"
            )
        container.start()
    except DockerException:
        return None
    _containers.append(container)
    url: str = container.get_connection_url()
    return url


def _resolve(backend: str) -> Server:
    variable = SERVERS[backend]
    configured = os.environ.get(variable)
    if not configured:
        configured = _start_container(backend)
        if configured:
            os.environ[variable] = configured  # xdist workers inherit it
    if not configured:
        return Server(
            backend,
            problem=(
                f"{backend}: {variable} is not set and no Docker engine answers. Set it, e.g. "
                f"{variable}={EXAMPLE_URLS[backend]} (see README: `docker compose up -d`)"
            ),
            fatal=_required(),
        )
    url = make_url(configured)
    server = Server(backend, url=url)
    try:
        engine = server.admin_engine()
        with engine.connect() as conn:
            server.version = str(conn.execute(text("SELECT version()")).scalar())
        engine.dispose()
    except Exception as error:
        return Server(
            backend,
            url=url,
            problem=(
                f"{backend}: cannot connect to {url} ({variable}): "
                f"{type(error).__name__}: {str(error).splitlines()[0]}. "
                f"Start that server, or fix or unset {variable}."
            ),
            fatal=True,
        )
    return server


_servers: dict[str, Server] = {}


def pytest_configure(config: pytest.Config) -> None:
    for backend in SERVERS:
        _servers[backend] = _resolve(backend)


def pytest_unconfigure(config: pytest.Config) -> None:
    for container in _containers:
        container.stop()


def pytest_report_header(config: pytest.Config) -> list[str]:
    lines = [f"sqlite: {sqlite_version()} (file database per test)"]
    for backend, server in _servers.items():
        if server.problem:
            lines.append(f"{backend}: {'ERROR' if server.fatal else 'skipped'}: {server.problem}")
        else:
            lines.append(f"{backend}: {server.version.split(' on ')[0]} at {server.url}")
    return lines


def sqlite_version() -> str:
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


# -- no connection of ours is left on a server ------------------------------------------

COUNT_SQL = {
    "postgresql": "SELECT count(*) FROM pg_stat_activity "
    "WHERE usename = current_user AND pid <> pg_backend_pid()",
    "mysql": "SELECT count(*) FROM information_schema.PROCESSLIST "
    "WHERE USER = SUBSTRING_INDEX(CURRENT_USER(), '@', 1) AND ID <> CONNECTION_ID()",
}
_before: dict[str, int] = {}
_after: dict[str, int] = {}


def connection_count(server: Server) -> int:
    engine = server.admin_engine()
    with engine.connect() as conn:
        count = int(conn.execute(text(COUNT_SQL[server.backend])).scalar_one())
    engine.dispose()
    return count


def _is_controller(config: pytest.Config) -> bool:
    return not hasattr(config, "workerinput")


def pytest_sessionstart(session: pytest.Session) -> None:
    if _is_controller(session.config):
        for backend, server in _servers.items():
            if not server.problem:
                _before[backend] = connection_count(server)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not _is_controller(session.config):
        return
    deadline = time.monotonic() + SETTLE_SECONDS
    for backend, before in _before.items():
        while True:
            _after[backend] = connection_count(_servers[backend])
            if _after[backend] <= before or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        if _after[backend] > before:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    counts: dict[str, int] = {}
    for block in harness.all_blocks():
        counts[block.category] = counts.get(block.category, 0) + 1
        if block.category == "not run":
            terminalreporter.write_line(f"not run: {block.where}: {block.not_run_reason}")
    terminalreporter.write_line(
        "page blocks: " + ", ".join(f"{n} {category}" for category, n in sorted(counts.items()))
    )
    for backend, before in _before.items():
        after = _after.get(backend, before)
        user = _servers[backend].url.username if _servers[backend].url else "?"  # type: ignore[union-attr]
        verdict = "ok" if after <= before else f"FAILED: {after - before} connection(s) left open"
        terminalreporter.write_line(
            f"{backend}: connections of {user} before the suite {before}, after {after}: {verdict}"
        )


# -- per-test isolation ---------------------------------------------------------------


@pytest.fixture
def database(backend: str, tmp_path: Path) -> Iterator[harness.Database]:
    """A database of the test's own: a file, a schema or a database, dropped after."""
    if backend == "sqlite":
        yield harness.Database(backend, f"sqlite:///{tmp_path / 'pooling_guide.db'}", "")
        return
    server = _servers[backend]
    if server.problem:
        if server.fatal:
            pytest.fail(server.problem, pytrace=False)
        pytest.skip(server.problem)
    name = f"t_{uuid.uuid4().hex[:12]}"
    engine = server.admin_engine()
    assert server.url is not None
    if backend == "postgresql":
        create, drop = f"CREATE SCHEMA {name}", f"DROP SCHEMA IF EXISTS {name} CASCADE"
        url = server.url.update_query_dict({"options": f"-csearch_path={name}"})
    else:
        create, drop = f"CREATE DATABASE {name}", f"DROP DATABASE IF EXISTS {name}"
        url = server.url.set(database=name)
    with engine.begin() as conn:
        conn.execute(text(create))
    try:
        yield harness.Database(
            backend, url.render_as_string(hide_password=False), server.url.render_as_string()
        )
    finally:
        with contextlib.ExitStack() as stack:
            stack.callback(engine.dispose)
            with engine.begin() as conn:
                conn.execute(text(drop))
