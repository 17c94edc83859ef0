"""One asyncio engine used from two event loops, and the two ways to avoid
it: an engine per loop, disposed before the loop ends, or NullPool.

Run it:  python -m snippets.session_pool.async_engines.event_loops
Set DATABASE_URL to try another database; the program switches the URL to
the database's asyncio driver (psycopg, aiomysql or aiosqlite).
"""

import asyncio
import os
import re
import textwrap
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


def outcome(result: BaseException | None) -> str:
    if result is None:
        return "ok"
    # a Task's repr names source files: keep the rest of the message
    message = re.sub(r"<Task .*?> got", "<Task ...> got", str(result))
    return f"{type(result).__module__}.{type(result).__name__}: {message}"


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


def one_engine(url: str) -> None:
    # --8<-- [start:one-engine]
    engine = create_async_engine(url, **LIMITS)  # a module-level engine
    report("loop 1", asyncio.run(two_tasks(engine)))  # e.g. one test
    report("loop 2", asyncio.run(two_tasks(engine)))  # the next test
    # --8<-- [end:one-engine]
    asyncio.run(engine.dispose())


# --8<-- [start:engine-per-loop]
async def with_own_engine(url: str) -> list[BaseException | None]:
    engine = create_async_engine(url, **LIMITS)  # created in this loop
    try:
        return await two_tasks(engine)
    finally:
        await engine.dispose()  # closed in this loop, before it ends
        # --8<-- [end:engine-per-loop]


def engine_per_loop(url: str) -> None:
    report("loop 1", asyncio.run(with_own_engine(url)))
    report("loop 2", asyncio.run(with_own_engine(url)))


def null_pool(url: str) -> None:
    # --8<-- [start:null-pool]
    # nothing kept between checkouts: each one connects, in its own loop
    engine = create_async_engine(url, poolclass=NullPool)
    # --8<-- [end:null-pool]
    report("loop 1", asyncio.run(two_tasks(engine)))
    report("loop 2", asyncio.run(two_tasks(engine)))
    asyncio.run(engine.dispose())


def main() -> None:
    url = async_url(
        os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    )
    print(f"Driver: {make_url(url).drivername}")
    print("One engine, two event loops:")
    one_engine(url)
    print("An engine per loop, disposed in it:")
    engine_per_loop(url)
    print("One engine with NullPool, two event loops:")
    null_pool(url)


if __name__ == "__main__":
    main()
