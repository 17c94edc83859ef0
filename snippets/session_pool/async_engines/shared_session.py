"""One AsyncSession shared by two tasks that run at once, and the fix: a
session per task, from async_sessionmaker.

Run it:  python -m snippets.session_pool.async_engines.shared_session
Set DATABASE_URL to try another database; the program switches the URL to
the database's asyncio driver (psycopg, aiomysql or aiosqlite).
"""

import asyncio
import os
import textwrap
from typing import cast

from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import AsyncAdaptedQueuePool

ASYNC_DRIVERS = {
    "postgresql": "psycopg",
    "mysql": "aiomysql",
    "mariadb": "aiomysql",
    "sqlite": "aiosqlite",
}


def async_url(url: str) -> str:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    driver = ASYNC_DRIVERS[backend]
    return parsed.set(drivername=f"{backend}+{driver}").render_as_string(
        hide_password=False
    )


def report(results: list[BaseException | None]) -> None:
    """Prints what each task ended with: ok, or the exception's class, and
    its message as raised on the lines after it."""
    for number, result in enumerate(results, 1):
        if result is None:
            print(f"  task {number}: ok")
            continue
        kind = f"{type(result).__module__}.{type(result).__name__}"
        print(f"  task {number}: {kind}:")
        print(textwrap.indent(textwrap.fill(str(result), 72), "    "))


# --8<-- [start:shared]
async def one_shared_session(engine: AsyncEngine) -> list[BaseException | None]:
    """Two tasks at once, both with the same session."""
    async with AsyncSession(engine) as session:

        async def task() -> None:
            await session.execute(text("SELECT 1"))

        # the first task starts connecting (a round trip to the database);
        # the second asks the same session for its connection meanwhile
        gathered = asyncio.gather(task(), task(), return_exceptions=True)
        return list(await gathered)
        # --8<-- [end:shared]


# --8<-- [start:per-task]
async def a_session_each(engine: AsyncEngine) -> list[BaseException | None]:
    """Two tasks at once, each with a session of its own."""
    new_session = async_sessionmaker(engine)
    pool = cast(AsyncAdaptedQueuePool, engine.pool)
    both_hold_one = asyncio.Barrier(2)

    async def task() -> None:
        async with new_session() as session:  # closed when the task ends
            await session.execute(text("SELECT 1"))
            await both_hold_one.wait()  # both tasks hold a connection now
            print(f"  task sees {pool.checkedout()} connections checked out")

    return list(await asyncio.gather(task(), task(), return_exceptions=True))
    # --8<-- [end:per-task]


async def run(url: str) -> None:
    print(f"Driver: {make_url(url).drivername}")
    print("One AsyncSession, two tasks at once:")
    engine = create_async_engine(url)  # its pool has no connection yet
    try:
        report(await one_shared_session(engine))
    finally:
        await engine.dispose()
    print("A session per task, from async_sessionmaker:")
    engine = create_async_engine(url)
    try:
        report(await a_session_each(engine))
    finally:
        await engine.dispose()


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    asyncio.run(run(async_url(url)))


if __name__ == "__main__":
    main()
