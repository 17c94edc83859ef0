"""One asyncio engine used from two event loops, as two tests with an event
loop each use a module-level engine, and the two ways to avoid it: an
engine per loop (a fixture), disposed before the loop ends, or NullPool.

Run it:  python -m snippets.session_pool.async_engines.event_loops
Set DATABASE_URL to try another database; the program switches the URL to
the database's asyncio driver (psycopg, aiomysql or aiosqlite).
"""

import asyncio
import logging
import os
import re
import textwrap
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

ASYNC_DRIVERS = {
    "postgresql": "psycopg",
    "mysql": "aiomysql",
    "mariadb": "aiomysql",
    "sqlite": "aiosqlite",
}
# one connection at most, so the second task waits for the first one's
LIMITS: dict[str, Any] = {"pool_size": 1, "max_overflow": 0}


def async_url(url: str) -> str:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    driver = ASYNC_DRIVERS[backend]
    return parsed.set(drivername=f"{backend}+{driver}").render_as_string(
        hide_password=False
    )


def described(error: BaseException) -> str:
    # a Task's repr names source files: keep the rest of the message
    message = re.sub(r"<Task .*?> got", "<Task ...> got", str(error))
    return f"{type(error).__module__}.{type(error).__name__}: {message}"


def outcome(result: BaseException | None) -> str:
    return "ok" if result is None else described(result)


class Logged(logging.Handler):
    """Keeps the errors SQLAlchemy's pool logs."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def print_logged(logged: Logged) -> None:
    """What the pool logged: message, then the exception it logged."""
    for record in logged.records:
        message = re.sub(r" <.*>$", " <connection>", record.getMessage())
        said = f"logged {record.levelname}: {message}"
        print(
            textwrap.fill(
                said, 76, initial_indent="  ", subsequent_indent="      "
            )
        )
        if record.exc_info and record.exc_info[1]:
            said = described(record.exc_info[1])
            print(
                textwrap.fill(
                    said, 76, initial_indent="    ", subsequent_indent="      "
                )
            )
    if not logged.records:
        print("  nothing logged")


# --8<-- [start:two-tasks]
async def two_tasks(engine: AsyncEngine) -> list[BaseException | None]:
    """Two tasks at once, each runs one query on a connection of its own."""

    async def task() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    return list(await asyncio.gather(task(), task(), return_exceptions=True))
    # --8<-- [end:two-tasks]


def report(loop: str, results: list[BaseException | None]) -> None:
    for number, result in enumerate(results, 1):
        said = f"{loop}, task {number}: {outcome(result)}"
        print(
            textwrap.fill(
                said, 76, initial_indent="  ", subsequent_indent="    "
            )
        )


def one_engine(url: str, logged: Logged) -> None:
    logged.records.clear()
    # --8<-- [start:one-engine]
    engine = create_async_engine(url, **LIMITS)  # a module-level engine
    report("loop 1", asyncio.run(two_tasks(engine)))  # e.g. one test
    report("loop 2", asyncio.run(two_tasks(engine)))  # the next test
    # --8<-- [end:one-engine]
    asyncio.run(engine.dispose())
    print_logged(logged)


# --8<-- [start:engine-per-loop]
@asynccontextmanager
async def engine_fixture(url: str) -> AsyncIterator[AsyncEngine]:
    """What an async fixture of a test does: runs in the test's loop."""
    engine = create_async_engine(url, **LIMITS)  # created in this loop
    try:
        yield engine
    finally:
        await engine.dispose()  # closed in this loop, before it ends


async def a_test(url: str) -> list[BaseException | None]:
    async with engine_fixture(url) as engine:
        return await two_tasks(engine)
        # --8<-- [end:engine-per-loop]


def engine_per_loop(url: str, logged: Logged) -> None:
    logged.records.clear()
    report("loop 1", asyncio.run(a_test(url)))
    report("loop 2", asyncio.run(a_test(url)))
    print_logged(logged)


def null_pool(url: str, logged: Logged) -> None:
    logged.records.clear()
    # --8<-- [start:null-pool]
    # nothing kept between checkouts: each one connects, in its own loop
    engine = create_async_engine(url, poolclass=NullPool)
    # --8<-- [end:null-pool]
    report("loop 1", asyncio.run(two_tasks(engine)))
    report("loop 2", asyncio.run(two_tasks(engine)))
    asyncio.run(engine.dispose())
    print_logged(logged)


def main() -> None:
    url = async_url(
        os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    )
    logged = Logged()
    logging.getLogger("sqlalchemy.pool").addHandler(logged)
    print(f"Driver: {make_url(url).drivername}")
    print("One engine, two event loops:")
    one_engine(url, logged)
    print("An engine per loop, from a fixture that disposes it:")
    engine_per_loop(url, logged)
    print("One engine with NullPool, two event loops:")
    null_pool(url, logged)


if __name__ == "__main__":
    main()
