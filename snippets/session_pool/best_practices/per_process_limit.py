"""Pool limits are per process: count how many worker processes fit in the
server's max_connections.

Run it:  python -m snippets.session_pool.best_practices.per_process_limit
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import inspect
import os
from dataclasses import dataclass

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import QueuePool

# SQLAlchemy's defaults, from the signature of the installed QueuePool
DEFAULTS = inspect.signature(QueuePool.__init__).parameters
# (pool_size, max_overflow, where it comes from)
SETTINGS = [
    (
        DEFAULTS["pool_size"].default,
        DEFAULTS["max_overflow"].default,
        "SQLAlchemy's default",
    ),
    (5, 5, "the chapter's background worker"),
    (20, 10, "the chapter's web application"),
    (20, 20, "the chapter's fix for pool exhaustion"),
]


@dataclass
class Budget:
    """What the server allows, as read from the server itself."""

    max_connections: int
    reserved: int  # slots ordinary accounts cannot use
    reserved_by: str
    others: int  # sessions other clients have open on the server right now

    @property
    def usable(self) -> int:
        return self.max_connections - self.reserved


# --8<-- [start:read-limit]
def read_budget(engine: Engine) -> Budget | None:
    """The server's connection limit; None for SQLite, which has no server."""
    if engine.dialect.name == "sqlite":
        return None
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            max_connections = int(
                conn.execute(text("SHOW max_connections")).scalar_one()
            )
            reserved = conn.execute(
                text(
                    "SELECT name, setting::int FROM pg_settings"
                    " WHERE name IN ('superuser_reserved_connections',"
                    " 'reserved_connections')"
                )
            ).all()  # reserved_connections exists from PostgreSQL 16 on
            open_now = conn.execute(  # client sessions, this one included
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE backend_type = 'client backend'"
                )
            ).scalar_one()
            return Budget(
                max_connections,
                sum(value for _, value in reserved),
                " + ".join(f"{name} = {value}" for name, value in reserved),
                int(open_now) - 1,
            )
        if engine.dialect.name in {"mysql", "mariadb"}:
            max_connections = int(
                conn.execute(text("SELECT @@max_connections")).scalar_one()
            )
            open_now = conn.execute(  # client connections, this one included
                text("SHOW GLOBAL STATUS LIKE 'Threads_connected'")
            ).one()[1]
            named = conn.execute(
                text("SHOW GLOBAL VARIABLES LIKE '%reserved%'")
            ).all()
            found = ", ".join(name for name, _ in named) or "none"
            return Budget(
                max_connections,
                0,
                f"server variables named like '%reserved%': {found}",
                int(open_now) - 1,
            )
    raise NotImplementedError(f"no query for {engine.dialect.name} here")


# --8<-- [end:read-limit]


# --8<-- [start:workers-that-fit]
def workers_that_fit(budget: int, pool_size: int, max_overflow: int) -> int:
    """Each process has its own engine, so its own pool: up to
    pool_size + max_overflow each."""
    return budget // (pool_size + max_overflow)


# --8<-- [end:workers-that-fit]


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    engine = create_engine(url)
    try:
        budget = read_budget(engine)
    finally:
        engine.dispose()
    if budget is None:
        print_no_server()
        return
    print(f"max_connections  = {budget.max_connections}")
    print(f"reserved         = {budget.reserved} ({budget.reserved_by})")
    print(f"for applications = {budget.usable}")
    print()
    print_processes_that_fit(budget)


def print_processes_that_fit(budget: Budget) -> None:
    """For each setting: how many processes fit in the server's limit, and
    how many fit beside the other clients connected right now."""
    print(f"{'pool_size + max_overflow':<26}{'processes':>9}  setting")
    fit_now = []
    for pool_size, max_overflow, source in SETTINGS:
        per_process = (
            f"{pool_size} + {max_overflow} = {pool_size + max_overflow}"
        )
        fit = workers_that_fit(budget.usable, pool_size, max_overflow)
        fit_now.append(
            workers_that_fit(
                budget.usable - budget.others, pool_size, max_overflow
            )
        )
        print(f"{per_process:<26}{fit:>9}  {source}")
    print()
    print("processes that fit:")
    print("  (max_connections - reserved) // (pool_size + max_overflow)")
    # A live reading: it changes with whatever else is connected to the server.
    print(f"right now: {budget.others} other client connection(s) open")
    print(
        "processes of these settings that fit beside them: "
        f"{', '.join(map(str, fit_now))}"
    )


def print_no_server() -> None:
    print("SQLite: no server, so no max_connections to share out. Each process")
    print("still has its own pool, and pool_size + max_overflow caps that")
    print("process only; the limit that matters for a SQLite file is that it")
    print("takes one writer at a time.")


if __name__ == "__main__":
    main()
