"""Fixtures and hooks: the servers of the environment, a database of its own per test, the
record options, and the check that no connection of ours is left on a server.

Servers come from ``TEST_POSTGRESQL_URL`` and ``TEST_MYSQL_URL`` (see proof.databases). An unset
one skips its cases, unless ``TEST_REQUIRE_ALL_DATABASES=1`` (CI) makes that an error. Without
``TEST_PGBOUNCER_URL`` the tests start a PgBouncer of their own in front of PostgreSQL.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import make_url

from proof import databases, pgbouncer, records
from proof.databases import DATABASES
from proof.site import BUILDERS
from proof.site import build as site_build
from proof.site import command as site_command

REQUIRED = os.environ.get("TEST_REQUIRE_ALL_DATABASES", "") not in {"", "0", "false", "no"}
SETTLE_SECONDS = 10.0  # servers take a moment to notice a closed socket: then it is a leak
servers: dict[str, databases.Server] = {}
before: dict[str, int] = {}  # our connections per server, before the suite
after: dict[str, int] = {}
bouncers: list[pgbouncer.PgBouncer] = []
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # a terminal's colour codes


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
        help="write the record of a run on a server of another product or major version than "
        "the record's (MariaDB 10.11 for MySQL 8.4), which is otherwise not compared",
    )
    group.addoption(
        "--screenshots",
        action="store_true",
        help="save every page at both widths to test-artifacts/screenshots/ (failures always)",
    )


def pytest_configure(config: pytest.Config) -> None:
    for name, database in DATABASES.items():  # PostgreSQL first: PgBouncer stands in front
        if name == "pgbouncer" and not database.url() and servers["postgresql"].url:
            problem = start_pgbouncer(servers["postgresql"].url)
            if problem:
                servers[name] = databases.Server(database, problem=problem, fatal=True)
                continue
        servers[name] = databases.find(database, required=REQUIRED)


def start_pgbouncer(postgresql: str) -> str:
    """Start a PgBouncer of our own, if Debian's is installed; why it failed, or ""."""
    if not pgbouncer.binary():
        return ""  # databases.find says how to get one
    try:
        bouncers.append(pgbouncer.start(postgresql))
    except RuntimeError as error:
        return f"pgbouncer: cannot start one: {error}"
    os.environ[DATABASES["pgbouncer"].variable] = bouncers[-1].url  # xdist workers use it
    return ""


def pytest_sessionstart(session: pytest.Session) -> None:
    if not hasattr(session.config, "workerinput"):  # the controller counts
        for name, server in servers.items():
            if server.url and not server.problem and server.database.count_sql:
                before[name] = databases.our_connections(server.database, server.url)


def pytest_sessionfinish(session: pytest.Session) -> None:
    while bouncers:  # its connections to PostgreSQL are ours too
        bouncers.pop().stop()
    deadline = time.monotonic() + SETTLE_SECONDS
    for name in before:
        server = servers[name]
        after[name] = databases.our_connections(server.database, server.url or "")
        while after[name] > before[name] and time.monotonic() < deadline:
            time.sleep(0.1)
            after[name] = databases.our_connections(server.database, server.url or "")
        if after[name] > before[name]:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_report_header(config: pytest.Config) -> list[str]:
    lines = []
    for name, server in servers.items():
        state = f"{server.version} at {server.url or 'a file per test'}"
        if server.problem:
            state = f"{'ERROR' if server.fatal else 'skipped'}: {server.problem}"
        lines.append(f"{name}: {state}")
    mode = "refresh" if config.getoption("refresh_records") else "check"
    if mode == "check" and not config.getoption("check_records"):
        mode = "write missing or stale ones, compare fresh ones"
    return [*lines, f"records: {mode} (records/)"]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    notes = sorted(
        value
        for reports in terminalreporter.stats.values()
        for report in reports
        for name, value in getattr(report, "user_properties", [])
        if name == "record" and getattr(report, "when", "call") == "call" and value
    )
    for note in notes:
        terminalreporter.write_line(f"records: {note}")
    for name, count in before.items():
        user = make_url(servers[name].url or "").username
        verdict = "ok" if after.get(name, count) <= count else "FAILED: connections left open"
        terminalreporter.write_line(
            f"{name}: connections of {user} before the suite {count}, "
            f"after {after.get(name, '?')}: {verdict}"
        )


@pytest.fixture
def server(database: str) -> databases.Server:
    """The server of a test's database; its cases skip or fail when it cannot be used."""
    found = servers[database]
    if found.problem:
        if found.fatal:
            pytest.fail(found.problem, pytrace=False)
        pytest.skip(found.problem)
    return found


@pytest.fixture
def own_url(server: databases.Server) -> Iterator[str]:
    """A database of the test's own on that server: a file, a schema or a database, dropped
    after. The SQLite URL is relative: the test runs its program in its temporary folder."""
    with databases.own_database(server.database, server.url) as url:
        yield url


@pytest.fixture(scope="session")
def record_mode(pytestconfig: pytest.Config) -> records.Mode:
    refresh = bool(pytestconfig.getoption("refresh_records"))
    return records.Mode(
        refresh=refresh,
        check_only=bool(pytestconfig.getoption("check_records")) and not refresh,
        other_servers=bool(pytestconfig.getoption("record_other_servers")),
    )


@pytest.fixture(scope="session", params=BUILDERS)
def builder(request: pytest.FixtureRequest) -> str:
    """The tool that builds the site from mkdocs.yml: each test of the site runs on both."""
    return str(request.param)


@pytest.fixture(scope="session")
def built_site(builder: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site as a reader's environment builds it with `builder` (proof.site.build), into a
    scratch folder. Built once per run: the first test process to ask builds it, in the folder
    that xdist's workers share; the others wait."""
    shared = tmp_path_factory.getbasetemp()
    shared = shared.parent if os.environ.get("PYTEST_XDIST_WORKER") else shared
    site, log = shared / f"site-{builder}", shared / f"site-{builder}.log"
    try:
        (shared / f"site-{builder}.lock").mkdir()  # atomic: exactly one process gets to build
    except FileExistsError:
        deadline = time.monotonic() + 300
        while not log.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    else:
        done = site_build(site, builder)
        printed = ANSI.sub("", done.stderr)  # Zensical colours its warnings, even to a file
        log.with_suffix(".tmp").write_text(f"{done.returncode}\n{printed}")
        log.with_suffix(".tmp").replace(log)
    returncode, _, stderr = log.read_text().partition("\n")
    if returncode != "0":
        reader = " ".join(site_command(builder))
        pytest.fail(
            f"{builder}: `{reader}` failed:\n{stderr[-4000:]}\n"
            f"Reproduce with:  RECORDS_ONLY=1 {reader}",
            pytrace=False,
        )
    return site


# Where each builder writes the site's search index, and the key of its entries (location,
# title and text of a page or a section); both keep the search's settings under "config".
SEARCH_INDEXES = {
    "mkdocs": ("search/search_index.json", "docs"),
    "zensical": ("search.json", "items"),
}


@pytest.fixture(scope="session")
def search_index(built_site: Path, builder: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The built site's search index: its settings (the separator), and its entries."""
    file, entries = SEARCH_INDEXES[builder]
    index = json.loads((built_site / file).read_text(encoding="utf-8"))
    return index["config"], index[entries]
