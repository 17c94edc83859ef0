"""SQLAlchemy and psycopg behind PgBouncer in transaction mode: the
prepared-statement failure, its fix, and the pool to keep in the app.

Run it:  DATABASE_URL=postgresql+psycopg://user@127.0.0.1:6432/db \\
         python -m snippets.session_pool.pgbouncer.transaction_mode
DATABASE_URL names a database served by PgBouncer with pool_mode =
transaction. The program also reads PgBouncer's admin console (the database
"pgbouncer") as the same user, who must be in admin_users or stats_users.
"""

# databases: pgbouncer

import os
import statistics
import textwrap
import threading
import time
from typing import Any

import psycopg
from sqlalchemy import Engine, create_engine, event, exc, make_url, text
from sqlalchemy.pool import NullPool

# psycopg prepares a query on a connection once it has run it
# prepare_threshold times (5 by default): on the 6th run
RUNS = 6
THREADS = 10
CHECKOUTS_PER_THREAD = 5
HOLD = 0.01  # seconds each checkout keeps its connection


def admin_console(url: str) -> psycopg.Connection[Any]:
    """PgBouncer's admin console: the database "pgbouncer", same server."""
    parsed = make_url(url).set(drivername="postgresql", database="pgbouncer")
    conninfo = parsed.render_as_string(hide_password=False)
    # the console speaks the simple query protocol only: a client-side
    # cursor, and no prepared statements
    return psycopg.connect(
        conninfo,
        autocommit=True,
        prepare_threshold=None,
        cursor_factory=psycopg.ClientCursor,
    )


def show(admin: psycopg.Connection[Any], what: str) -> list[dict[str, Any]]:
    cursor = admin.execute(f"SHOW {what}")
    names = [column.name for column in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# --8<-- [start:two-clients]
def two_clients_in_turn(engine: Engine) -> str:
    """Two client connections, one after the other, run the same query
    RUNS times each, a transaction per run."""
    for client in (1, 2):
        with engine.connect() as conn:
            for run in range(1, RUNS + 1):
                try:
                    conn.execute(text("SELECT 1")).scalar_one()
                    conn.commit()
                except exc.DBAPIError as error:
                    cause = type(error.orig)
                    first_line = str(error.orig).splitlines()[0]
                    return (
                        f"client {client}, run {run}: {cause.__module__}."
                        f"{cause.__name__}: {first_line}"
                    )
    return f"clients 1 and 2: {RUNS} runs each, no error"
    # --8<-- [end:two-clients]


def prepared_statements(url: str) -> None:
    # --8<-- [start:prepare-threshold]
    default = create_engine(url, poolclass=NullPool)
    no_prepare = create_engine(
        url,
        poolclass=NullPool,
        connect_args={"prepare_threshold": None},  # never prepare
    )
    # --8<-- [end:prepare-threshold]
    for label, engine in (
        ("psycopg's default", default),
        ("prepare_threshold=None", no_prepare),
    ):
        print(f"{label}:")
        print(
            textwrap.fill(
                two_clients_in_turn(engine),
                76,
                initial_indent="  ",
                subsequent_indent="    ",
            )
        )
        engine.dispose()


def pool_behind_pgbouncer(
    url: str, label: str, at_once: int, **pool: Any
) -> None:
    """THREADS threads check out CHECKOUTS_PER_THREAD connections each.
    The first `at_once` checkouts keep their connections until PgBouncer's
    admin console has counted its clients with all of them out."""
    engine = create_engine(
        url, connect_args={"prepare_threshold": None}, **pool
    )
    opened = checkouts = 0
    lock = threading.Lock()
    all_out = threading.Event()  # the first at_once checkouts are done
    counted = threading.Event()  # PgBouncer's clients are counted

    @event.listens_for(engine, "connect")
    def count(*_: Any) -> None:
        nonlocal opened
        with lock:
            opened += 1

    @event.listens_for(engine, "checkout")
    def hold(*_: Any) -> None:
        nonlocal checkouts
        with lock:
            checkouts += 1
            if checkouts == at_once:
                all_out.set()
        counted.wait(timeout=30)

    database = make_url(url).database
    waits: list[float] = []

    def work() -> None:
        for _ in range(CHECKOUTS_PER_THREAD):
            asked = time.perf_counter()
            with engine.connect() as conn:
                waits.append(time.perf_counter() - asked)
                conn.execute(text("SELECT 1"))
                time.sleep(HOLD)

    with admin_console(url) as admin:
        threads = [threading.Thread(target=work) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        all_out.wait(timeout=30)
        clients = sum(
            row["cl_active"] + row["cl_waiting"]
            for row in show(admin, "POOLS")
            if row["database"] == database
        )
        counted.set()
        for thread in threads:
            thread.join()
        servers = [
            s for s in show(admin, "SERVERS") if s["database"] == database
        ]
    opened_by_threads = opened
    remote_pids = [s["remote_pid"] for s in servers]
    with engine.connect() as conn:  # the server's own view of those sessions
        on_server = conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)"
            ),
            {"pids": remote_pids},
        ).scalar_one()
    engine.dispose()
    print(f"{label}:")
    print(
        f"  {THREADS * CHECKOUTS_PER_THREAD} checkouts by {THREADS} threads: "
        f"{opened_by_threads} client connection(s) opened to PgBouncer"
    )
    print(
        f"  with {at_once} connection(s) out at once, PgBouncer's clients:"
        f" {clients}"
    )
    print(f"  PgBouncer's server connections (SHOW SERVERS): {len(servers)}")
    print(f"  the same sessions in pg_stat_activity: {on_server}")
    print(
        f"  median wait for a connection: "
        f"{statistics.median(waits) * 1000:.2f} ms"
    )


def main() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        print("Set DATABASE_URL to a database served by PgBouncer")
        return
    with admin_console(url) as admin:
        version = show(admin, "VERSION")[0]["version"]
        config = {row["key"]: row["value"] for row in show(admin, "CONFIG")}
    print(f"{version}, pool_mode = {config['pool_mode']}")
    prepared = config.get("max_prepared_statements", "no such setting")
    print(f"max_prepared_statements: {prepared}")
    print(f"default_pool_size: {config['default_pool_size']}")
    libpq = psycopg.pq.version()  # e.g. 170002 for 17.2
    print(
        f"psycopg {psycopg.__version__}, libpq {libpq // 10000}.{libpq % 10000}"
    )
    print()
    prepared_statements(url)
    print()
    # --8<-- [start:pool-choice]
    # without a pool, every thread has a connection of its own at once
    pool_behind_pgbouncer(url, "NullPool", THREADS, poolclass=NullPool)
    # a QueuePool lends at most pool_size + max_overflow at once
    pool_behind_pgbouncer(
        url,
        "QueuePool, pool_size=2, max_overflow=0",
        2,
        pool_size=2,
        max_overflow=0,
    )
    # --8<-- [end:pool-choice]


if __name__ == "__main__":
    main()
