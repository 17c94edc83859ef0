"""asyncpg behind PgBouncer in transaction mode: two worker processes in
turn, with asyncpg's default names for prepared statements, then with
SQLAlchemy's recipe of unique names. Then one checkout that runs two
transactions, with the recipe, then with the statement caches off too.

Run it:  DATABASE_URL=postgresql+psycopg://user@127.0.0.1:6432/db \\
         python -m snippets.session_pool.drivers.asyncpg_pgbouncer
DATABASE_URL names a database served by PgBouncer with pool_mode =
transaction (the program switches the URL to asyncpg). It also reads
PgBouncer's admin console (the database "pgbouncer") as the same user, who
must be in admin_users or stats_users.
"""

# databases: pgbouncer

import asyncio
import multiprocessing
import os
import re
import textwrap
from concurrent.futures import ProcessPoolExecutor
from typing import Any
from uuid import uuid4

import psycopg
from sqlalchemy import URL, create_engine, exc, make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

RUNS = 3  # checkouts per process, a transaction each
PROCESSES = 2  # worker processes, one after the other
UNIQUE_NAME = re.compile(r"__asyncpg_[0-9a-f-]{36}__")  # a recipe name


def asyncpg_url(url: str) -> URL:
    # asyncpg.connect() takes no libpq "options"
    parsed = make_url(url).difference_update_query(["options"])
    return parsed.set(drivername="postgresql+asyncpg")


def admin_console(url: str) -> psycopg.Connection[Any]:
    """PgBouncer's admin console: the database "pgbouncer", same server;
    it speaks the simple query protocol only."""
    parsed = make_url(url).set(drivername="postgresql", database="pgbouncer")
    return psycopg.connect(
        parsed.render_as_string(hide_password=False),
        autocommit=True,
        prepare_threshold=None,
        cursor_factory=psycopg.ClientCursor,
    )


def pgbouncer_config(url: str) -> dict[str, str]:
    with admin_console(url) as admin:
        rows = admin.execute("SHOW CONFIG").fetchall()
    return {str(row[0]): str(row[1]) for row in rows}


# --8<-- [start:engines]
def default_engine(url: URL) -> AsyncEngine:
    return create_async_engine(url, poolclass=NullPool)


def recipe_engine(url: URL) -> AsyncEngine:
    """SQLAlchemy's asyncpg dialect documentation, for PgBouncer."""
    return create_async_engine(
        url,
        poolclass=NullPool,
        connect_args={
            "prepared_statement_name_func": lambda: f"__asyncpg_{uuid4()}__",
        },
    )


def pgbouncer_engine(url: URL) -> AsyncEngine:
    """The recipe, with no prepared statement kept for a later transaction:
    SQLAlchemy's cache and asyncpg's own off."""
    return create_async_engine(
        url,
        poolclass=NullPool,
        connect_args={
            "prepared_statement_name_func": lambda: f"__asyncpg_{uuid4()}__",
            "prepared_statement_cache_size": 0,
            "statement_cache_size": 0,
        },
    )
    # --8<-- [end:engines]


# --8<-- [start:worker]
async def runs(engine: AsyncEngine) -> list[str]:
    """RUNS checkouts, each running the same query in a transaction; what
    failed, if one did."""
    try:
        for run in range(1, RUNS + 1):
            try:
                async with engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
                    await conn.commit()
            except exc.DBAPIError as error:
                raised = f"{type(error).__module__}.{type(error).__name__}"
                return [f"run {run} raised {raised}", *explain(error)]
        return [f"{RUNS} runs, no error"]
    finally:
        await engine.dispose()


def worker(url: str, recipe: bool) -> list[str]:
    """What one worker process does: runs() on its own engine."""
    make = recipe_engine if recipe else default_engine
    return asyncio.run(runs(make(asyncpg_url(url))))


def in_new_process(url: str, recipe: bool) -> list[str]:
    """worker() in a new process, forked as a pre-forking server such as
    Gunicorn starts its workers (fork: Unix only)."""
    fork = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(1, mp_context=fork) as process:
        return process.submit(worker, url, recipe).result()
    # --8<-- [end:worker]


def explain(error: exc.DBAPIError) -> list[str]:
    """asyncpg's exception, and SQLAlchemy's message without its link, with
    <uuid4> for the part of a recipe name that is new on every run."""
    # driver_exception is new in SQLAlchemy 2.1; on 2.0, asyncpg's exception
    # is the cause of the adapter's (error.orig)
    cause = getattr(error, "driver_exception", None)
    if cause is None and error.orig is not None:
        cause = error.orig.__cause__
    said = UNIQUE_NAME.sub("__asyncpg_<uuid4>__", str(error)).splitlines()
    return [f"from {type(cause).__module__}.{type(cause).__name__}", *said[:-1]]


# --8<-- [start:two-transactions]
async def two_transactions(engine: AsyncEngine, url: str) -> list[str]:
    """One checkout, two transactions; between them, another client
    deallocates asyncpg's statements in the server session."""
    try:
        async with engine.connect() as conn:
            for number in (1, 2):
                try:
                    await conn.execute(text("SELECT 1"))
                    await conn.commit()
                except exc.DBAPIError as error:
                    kind = f"{type(error).__module__}.{type(error).__name__}"
                    return [
                        f"transaction {number} raised {kind}",
                        *explain(error),
                    ]
                await asyncio.to_thread(remove_asyncpg_statements, url)
        return ["2 transactions, no error"]
    finally:
        await engine.dispose()
        # --8<-- [end:two-transactions]


def remove_asyncpg_statements(url: str) -> None:
    """Through PgBouncer, deallocate the prepared statements asyncpg left
    in the server session it lends (with default_pool_size = 1, its only
    one)."""
    engine = create_engine(
        url,
        poolclass=NullPool,
        isolation_level="AUTOCOMMIT",
        connect_args={"prepare_threshold": None},
    )
    try:
        with engine.connect() as conn:
            names = conn.execute(
                text(
                    "SELECT name FROM pg_prepared_statements"
                    r" WHERE name LIKE '\_\_asyncpg\_%'"
                )
            ).scalars()
            for name in names.all():
                conn.execute(text(f'DEALLOCATE "{name}"'))
    finally:
        engine.dispose()


def print_wrapped(lines: list[str]) -> None:
    for line in lines:
        print(
            textwrap.fill(
                line, 74, initial_indent="    ", subsequent_indent="      "
            )
        )


def in_turn(url: str) -> None:
    """PROCESSES worker processes, one after the other, per engine."""
    for recipe, label in (
        (False, "asyncpg's default names"),
        (True, "prepared_statement_name_func, SQLAlchemy's recipe"),
    ):
        print(f"{label}, NullPool:")
        for process in range(1, PROCESSES + 1):
            first, *more = in_new_process(url, recipe)
            print(f"  process {process}: {first}")
            print_wrapped(more)


def one_checkout(url: str) -> None:
    print("One checkout, two transactions; between them, another client")
    print("deallocates asyncpg's statements in the server session:")
    for make, label in (
        (recipe_engine, "SQLAlchemy's recipe"),
        (pgbouncer_engine, "the recipe, statement caches off"),
    ):
        first, *more = asyncio.run(
            two_transactions(make(asyncpg_url(url)), url)
        )
        print(f"  {label}: {first}")
        print_wrapped(more)


def main() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        print("Set DATABASE_URL to a database served by PgBouncer")
        return
    config = pgbouncer_config(url)
    print(f"pool_mode = {config['pool_mode']}")
    prepared = config.get("max_prepared_statements", "no such setting")
    print(f"max_prepared_statements: {prepared}")
    print(f"default_pool_size: {config['default_pool_size']}")
    remove_asyncpg_statements(url)  # left by a run that was killed
    try:
        in_turn(url)
        one_checkout(url)
    finally:
        remove_asyncpg_statements(url)


if __name__ == "__main__":
    main()
