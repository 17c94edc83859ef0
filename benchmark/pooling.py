"""What a checkout costs, per database: one command, every backend.

Run it:  uv run --group bench python -m benchmark.pooling

The servers are those of the tests: TEST_POSTGRESQL_URL and TEST_MYSQL_URL
(unset: that backend is left out, and the results say so); SQLite is a file
in a scratch folder. For each backend it times one `SELECT 1` unit of work
done five ways, per operation:

* ``engine per operation``: create_engine(), connect, query, dispose();
* ``NullPool``: a new DBAPI connection per operation, nothing else new;
* ``QueuePool``: the default pool, a pooled connection per operation;
* ``QueuePool + pre_ping``: the same, tested at every checkout;
* ``raw driver (floor)``: one DBAPI connection, reused: the query and a
  rollback, as the pool does on return, with no SQLAlchemy at all.

and, apart, with no query: the pool alone (``engine.pool.connect()``, then
``close()``: checkout, the reset on return, checkin), and a new DBAPI
connection, opened and closed (PyMySQL's with and without
``ssl_disabled``). Each measure runs ``--rounds`` times; a round times a
batch of operations and keeps the median per operation. The results file
keeps every round's median, the median of the rounds, and the spread (lowest
and highest round). ``--quick`` runs tiny batches: it shows that the
benchmark works, not what things cost.

Writes its results (``results.json``, with versions and machine facts), and
the table (``table.md``) and chart (``chart.svg``) made from them, to a new
temporary folder, or to ``--out``; then prints its medians beside those of
the committed run, which the page shows. ``--committed`` replaces that run
instead: ``benchmark/results.json``, ``benchmark/table.md`` and
``docs/assets/benchmark.svg``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from proof import databases
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.pool import NullPool

from benchmark import report

VARIABLES = {"postgresql": "TEST_POSTGRESQL_URL", "mysql": "TEST_MYSQL_URL"}
# operations per round: (normal, --quick)
BATCH = {
    "engine per operation": (40, 3),
    "NullPool": (60, 3),
    "connect only": (60, 3),
}
DEFAULT_BATCH = (400, 5)


def per_operation(operation: Callable[[], object], batch: int) -> float:
    """The median time of one operation over a batch, in seconds."""
    times = []
    for _ in range(batch):
        start = time.perf_counter()
        operation()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def query(engine: Engine) -> Callable[[], object]:
    def unit_of_work() -> object:
        with engine.connect() as conn:
            return conn.execute(text("SELECT 1")).scalar_one()

    return unit_of_work


def engine_per_operation(url: str) -> object:
    engine = create_engine(url)
    try:
        return query(engine)()
    finally:
        engine.dispose()


Operation = Callable[[], object]
# a measure's set-up: the operation to time, and what closes what it opened
SetUp = Callable[[], tuple[Operation, Callable[[], None]]]


def measures(url: str) -> dict[str, SetUp]:
    def engine(**options: Any) -> tuple[Operation, Callable[[], None]]:
        made = create_engine(url, **options)
        return query(made), made.dispose

    def floor() -> tuple[Operation, Callable[[], None]]:
        made = create_engine(url, poolclass=NullPool)
        fairy = (
            made.raw_connection()
        )  # held: one DBAPI connection for every operation
        dbapi = fairy.dbapi_connection
        assert dbapi is not None

        def raw() -> object:
            cursor = dbapi.cursor()
            cursor.execute("SELECT 1")
            row = cursor.fetchall()
            cursor.close()
            dbapi.rollback()  # what the pool does when a connection comes back
            return row

        def close() -> None:
            fairy.close()
            made.dispose()

        return raw, close

    def pool_alone() -> tuple[Operation, Callable[[], None]]:
        made = create_engine(url)
        return (lambda: made.pool.connect().close()), made.dispose

    def connect_only(
        **connect_args: Any,
    ) -> tuple[Operation, Callable[[], None]]:
        made = create_engine(url, poolclass=NullPool, connect_args=connect_args)
        return (lambda: made.raw_connection().close()), made.dispose

    found: dict[str, SetUp] = {
        "engine per operation": lambda: (
            (lambda: engine_per_operation(url)),
            lambda: None,
        ),
        "NullPool": lambda: engine(poolclass=NullPool),
        "QueuePool": lambda: engine(),
        "QueuePool + pre_ping": lambda: engine(pool_pre_ping=True),
        "raw driver (floor)": floor,
        "pool checkout + checkin": pool_alone,
        "connect only": connect_only,
    }
    if make_url(url).get_driver_name() == "pymysql":
        found["connect only, ssl_disabled"] = lambda: connect_only(
            ssl_disabled=True
        )
    return found


def run_backend(
    url: str, rounds: int, quick: bool
) -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    for name, set_up in measures(url).items():
        batch = BATCH.get(name.split(",")[0], DEFAULT_BATCH)[1 if quick else 0]
        operation, close = set_up()
        try:
            # warm up: the first connection, the dialect's first-connect work
            operation()
            per_round = [per_operation(operation, batch) for _ in range(rounds)]
        finally:
            close()
        results[name] = {
            "batch": batch,
            "rounds_us": [round(t * 1e6, 2) for t in per_round],
            "median_us": round(statistics.median(per_round) * 1e6, 2),
            "lowest_us": round(min(per_round) * 1e6, 2),
            "highest_us": round(max(per_round) * 1e6, 2),
        }
    return results


def machine() -> dict[str, Any]:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split()[1])
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    return {
        "platform": platform.platform(),
        "cpu": model or platform.processor(),
        "cpus": os.cpu_count(),
        "memory": memory,
        "python": platform.python_version(),
    }


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--quick", action="store_true", help="tiny batches: a smoke test"
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--out",
        type=Path,
        help="the folder for results.json, table.md and chart.svg "
        "(default: a new temporary folder)",
    )
    where.add_argument(
        "--committed",
        action="store_true",
        help="replace the committed run that the page shows (maintainers)",
    )
    return parser.parse_args(argv)


def outputs(args: argparse.Namespace) -> tuple[Path, Path, Path]:
    """Where a run writes its results, table and chart: the committed
    files only when asked to."""
    if args.committed:
        return report.RESULTS, report.TABLE, report.CHART
    folder = args.out or Path(tempfile.mkdtemp(prefix="benchmark-"))
    return folder / "results.json", folder / "table.md", folder / "chart.svg"


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    committed = json.loads(report.RESULTS.read_text(encoding="utf-8"))
    started = time.perf_counter()
    backends: dict[str, Any] = {}
    left_out: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="benchmark-") as scratch:
        urls = {"sqlite": f"sqlite:///{Path(scratch) / 'benchmark.db'}"}
        for database, variable in VARIABLES.items():
            if os.environ.get(variable):
                urls[database] = os.environ[variable]
            else:
                left_out[database] = f"{variable} is not set"
        for database in ("postgresql", "mysql", "sqlite"):
            if database not in urls:
                continue
            url = urls[database]
            server = databases.server_version(
                databases.DATABASES[database], url
            )
            print(f"{database} ({server}) ...", file=sys.stderr)
            backends[database] = {
                "server": server,
                "host": make_url(url).host,  # None: SQLite's file
                "libraries": databases.libraries(url),
                "measures": run_backend(url, args.rounds, args.quick),
            }
    results = {
        "made": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "uv run --group bench python -m benchmark.pooling"
        + (" --quick" if args.quick else ""),
        "rounds": args.rounds,
        "quick": args.quick,
        "seconds": round(time.perf_counter() - started, 1),
        "machine": machine(),
        "sqlalchemy": version("sqlalchemy"),
        "sqlite_library": sqlite3.sqlite_version,
        "backends": backends,
        "left_out": left_out,
    }
    results_file, table, chart = outputs(args)
    results_file.parent.mkdir(parents=True, exist_ok=True)
    results_file.write_text(
        json.dumps(results, indent=2) + "\n", encoding="utf-8"
    )
    table.write_text(report.table(results), encoding="utf-8")
    chart.parent.mkdir(parents=True, exist_ok=True)
    chart.write_text(report.chart(results), encoding="utf-8")
    print(report.compare(results, committed))
    print(f"wrote {results_file}, {table}, {chart} in {results['seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
