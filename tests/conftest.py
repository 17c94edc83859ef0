"""The three databases every example runs on, and the per-test isolation around them.

* ``sqlite``: always there, a file database in the test's temporary folder.
* ``postgresql``: ``TEST_POSTGRESQL_URL`` (``postgresql+psycopg://...``).
* ``mysql``: ``TEST_MYSQL_URL`` (``mysql+pymysql://...``).

An unset variable falls back to testcontainers when a Docker engine answers, and otherwise
skips that backend's cases, unless ``TEST_REQUIRE_ALL_BACKENDS=1`` (CI) makes it an error.
A variable that is set but points at nothing is always an error.

Every example run leaves a record under ``records/`` (see ``RecordKeeper``).
"""

from __future__ import annotations

import gc
import os
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import harness
import pgbouncer_server
import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from example_outputs import records, runner, servers

SERVERS = servers.VARIABLES
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


_bouncers: list[pgbouncer_server.PgBouncer] = []


def _start_pgbouncer() -> str | None:
    """Our own PgBouncer in front of the tests' PostgreSQL; None when there is none of either."""
    postgresql = _servers.get("postgresql")
    if postgresql is None or postgresql.problem or pgbouncer_server.binary() is None:
        return None
    assert postgresql.url is not None
    bouncer = pgbouncer_server.start(postgresql.url)
    _bouncers.append(bouncer)
    return bouncer.url


def _stop_pgbouncers() -> None:
    while _bouncers:
        _bouncers.pop().stop()


def _resolve(backend: str) -> Server:
    variable = SERVERS[backend]
    configured = os.environ.get(variable)
    if not configured and backend == "pgbouncer":
        try:
            configured = _start_pgbouncer()
        except RuntimeError as error:
            return Server(backend, problem=f"pgbouncer: cannot start one: {error}", fatal=True)
        if configured:
            os.environ[variable] = configured  # xdist workers use this one
        else:
            return Server(
                backend,
                problem=(
                    "pgbouncer: TEST_PGBOUNCER_URL is not set, and the tests start one only "
                    "with a PostgreSQL server and Debian's pgbouncer installed "
                    "(apt-get install pgbouncer; .ci/run does)"
                ),
                fatal=_required(),
            )
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
        server.version = servers.server_version(backend, configured)
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


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("records", "example records (records/)")
    group.addoption(
        "--refresh-records",
        action="store_true",
        help="record every example run again, accepting changed outputs, and outputs from a "
        "server of another product or major version than the record's",
    )
    group.addoption(
        "--check-records",
        action="store_true",
        default=os.environ.get("CI", "").lower() in {"1", "true", "yes"},
        help="fail on a missing or stale record instead of writing it (the default when CI is set)",
    )
    group.addoption(
        "--record-other-servers",
        action="store_true",
        help="write this run's record in place of one made on a server of another product or "
        "major version (MariaDB 10.11 for a run on MySQL 8.4), which is otherwise not compared; "
        "it writes with --check-records (CI) too, which still fails on a missing or stale "
        "record first; a same-series record is compared as without it",
    )


def pytest_configure(config: pytest.Config) -> None:
    for backend in SERVERS:  # PostgreSQL first: PgBouncer stands in front of it
        _servers[backend] = _resolve(backend)


def pytest_unconfigure(config: pytest.Config) -> None:
    _stop_pgbouncers()
    for container in _containers:
        container.stop()


def pytest_report_header(config: pytest.Config) -> list[str]:
    lines = [f"sqlite: {sqlite_version()} (file database per test)"]
    for backend, server in _servers.items():
        if server.problem:
            lines.append(f"{backend}: {'ERROR' if server.fatal else 'skipped'}: {server.problem}")
        else:
            lines.append(f"{backend}: {server.version} at {server.url}")
    mode = "refresh" if config.getoption("refresh_records") else "check"
    if mode == "check" and not config.getoption("check_records"):
        mode = "write missing or stale ones, compare fresh ones"
    if config.getoption("record_other_servers"):
        mode += ", replace those from other servers"
    lines.append(f"records: {mode} ({records.relative(records.RECORDS)}/)")
    return lines


def sqlite_version() -> str:
    return servers.server_version("sqlite", None)


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
            if not server.problem and backend in COUNT_SQL:  # PgBouncer's count is PostgreSQL's
                _before[backend] = connection_count(server)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not _is_controller(session.config):
        return
    _stop_pgbouncers()  # its connections to PostgreSQL are ours too
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
    _summarize_records(terminalreporter)
    for backend, before in _before.items():
        after = _after.get(backend, before)
        user = _servers[backend].url.username if _servers[backend].url else "?"  # type: ignore[union-attr]
        verdict = "ok" if after <= before else f"FAILED: {after - before} connection(s) left open"
        terminalreporter.write_line(
            f"{backend}: connections of {user} before the suite {before}, after {after}: {verdict}"
        )


# -- per-test isolation ---------------------------------------------------------------


@pytest.fixture
def database(backend: str) -> Iterator[harness.Database]:
    """A database of the test's own: a file, a schema or a database, dropped after.

    The SQLite URL is relative: tests run their programs in their own temporary folder.
    """
    if backend == "sqlite":
        yield harness.Database(backend, servers.SQLITE_URL, "")
        return
    server = _servers[backend]
    if server.problem:
        if server.fatal:
            pytest.fail(server.problem, pytrace=False)
        pytest.skip(server.problem)
    assert server.url is not None
    address = server.url.render_as_string(hide_password=False)
    with servers.own_database(backend, address) as url:
        yield harness.Database(backend, url, server.url.render_as_string())


# -- records: each example run once, its output kept and compared ---------------------


class RecordKeeper:
    """Writes, checks and compares the record of each (example, database) run.

    * A record from a server of the same product and major version: the new output must match
      it, apart from what ``records/varying.toml`` declares as varying, even when the example
      changed since (a stale record); a stale one that matches is written again.
    * A missing or stale record, with ``--check-records`` (CI): a failure, nothing written.
    * A record from another server series: not compared, nothing written, unless
      ``--record-other-servers``: then this run's is written in its place, with
      ``--check-records`` (CI) too, once the old one passed that check.
    * ``--refresh-records``: every run is written, whatever it printed and wherever it ran.
    """

    def __init__(self, config: pytest.Config) -> None:
        self.refresh = bool(config.getoption("refresh_records"))
        self.check_only = bool(config.getoption("check_records")) and not self.refresh
        self.other_servers = bool(config.getoption("record_other_servers"))

    def keep(self, module: str, database: harness.Database, run: runner.Run, node: Any) -> None:
        server = (
            sqlite_version() if database.backend == "sqlite" else _servers[database.backend].version
        )
        new = runner.make_record(module, database.backend, database.url, server, run)
        old = records.load(module, database.backend)
        path = records.relative(new.path)
        rerun = f"uv run pytest --refresh-records '{node.nodeid}'"
        if self.refresh:
            new.write()
            node.user_properties.append(("record", f"refreshed {path}"))
            return
        if old is None:
            self._stale_in_ci(path, "missing", node.nodeid)
            new.write()
            node.user_properties.append(("record", f"wrote {path} (missing)"))
            return
        if old.series != new.series:
            if old.key != new.key:  # a record from another server is still checked for age
                self._stale_in_ci(path, f"stale (recorded {old.recorded})", node.nodeid)
            if self.other_servers:
                new.write()
            verdict = "replaced" if self.other_servers else "not compared"
            note = f"{verdict}: {path} was recorded on {old.server}, this run on {server}"
            node.user_properties.append(("record", note))
            return
        # Compared even when the example changed: a new key never hides a change in behaviour.
        diff = records.difference(old, run.stdout)
        if diff:
            shown_on = [
                b.where
                for b in harness.all_blocks()
                if b.lang == "output" and b.code.strip() == module
            ]
            pytest.fail(
                f"python -m {module} on {database.backend} ({server}) printed something other "
                f"than its record ({records.relative(records.VARYING)} lists what may vary):\n"
                f"{diff}\n"
                f"A change in behaviour: if it is intended, re-read what the page says around "
                f"this output ({', '.join(shown_on) or 'not shown on a page'}), then accept it:\n"
                f"  {rerun}",
                pytrace=False,
            )
        if old.key != new.key:
            self._stale_in_ci(path, f"stale (recorded {old.recorded})", node.nodeid)
            new.write()
            node.user_properties.append(("record", f"wrote {path} (stale, same output)"))

    def _stale_in_ci(self, path: str, why: str, nodeid: str) -> None:
        if self.check_only:
            pytest.fail(
                f"{path} is {why}: the example or the versions in uv.lock changed since, "
                "and CI only checks records.\n"
                f"Record it again where the servers are:  uv run pytest '{nodeid}'\n"
                "(or all of them: uv run pytest), then review and commit records/. An output "
                "that changed fails there with its diff.",
                pytrace=False,
            )


@pytest.fixture(scope="session")
def record_keeper(pytestconfig: pytest.Config) -> RecordKeeper:
    return RecordKeeper(pytestconfig)


def _summarize_records(terminalreporter: Any) -> None:
    notes = sorted(
        value
        for reports in terminalreporter.stats.values()
        for report in reports
        for name, value in getattr(report, "user_properties", [])
        if name == "record" and getattr(report, "when", "call") == "call"
    )
    for note in notes:
        terminalreporter.write_line(f"records: {note}")
