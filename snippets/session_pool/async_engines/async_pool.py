"""An asyncio engine's pool: its class, exhaustion under asyncio, clean-up
with `async with`, and the pool class asyncio refuses.

Run it:  python -m snippets.session_pool.async_engines.async_pool
Set DATABASE_URL to try another database; the program switches the URL to
the database's asyncio driver (psycopg, aiomysql or aiosqlite).
"""

import asyncio
import os
import textwrap
import time
from importlib.metadata import requires, version
from typing import cast

from sqlalchemy import exc, make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool, QueuePool

TASKS = 6
HOLD = 0.05  # seconds each task keeps its connection
TIMEOUT = 0.3  # pool_timeout of the exhaustion part, in seconds

# --8<-- [start:async-url]
# the asyncio driver of each database; psycopg serves both worlds
ASYNC_DRIVERS = {
    "postgresql": "psycopg",
    "mysql": "aiomysql",
    "mariadb": "aiomysql",
    "sqlite": "aiosqlite",
}


def async_url(url: str) -> str:
    parsed = make_url(url)
    driver = ASYNC_DRIVERS[parsed.get_backend_name()]
    backend = parsed.get_backend_name()
    return parsed.set(drivername=f"{backend}+{driver}").render_as_string(
        hide_password=False
    )
    # --8<-- [end:async-url]


async def concurrent_tasks(engine: AsyncEngine) -> int:
    """TASKS tasks at once, each with its own connection; the peak of
    connections checked out, read from the pool while they run."""
    peak = 0
    pool = cast(AsyncAdaptedQueuePool, engine.pool)

    # --8<-- [start:tasks]
    async def task() -> None:
        nonlocal peak
        async with engine.connect() as conn:  # back to the pool on exit
            await conn.execute(text("SELECT 1"))
            peak = max(peak, pool.checkedout())
            await asyncio.sleep(HOLD)

    await asyncio.gather(*(task() for _ in range(TASKS)))
    # --8<-- [end:tasks]
    return peak


async def main_async() -> None:
    url = async_url(
        os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    )
    # --8<-- [start:engine]
    engine = create_async_engine(url, pool_size=2, max_overflow=2)
    # --8<-- [end:engine]
    pool = cast(AsyncAdaptedQueuePool, engine.pool)
    driver = make_url(url).drivername
    print(f"create_async_engine({driver!r}): {type(pool).__name__}")
    peak = await concurrent_tasks(engine)
    print(
        f"{TASKS} tasks at once, pool_size=2 + max_overflow=2: "
        f"peak checked out {peak}"
    )
    print("after the tasks:")
    print(textwrap.indent(textwrap.fill(pool.status(), 60), "  "))
    await engine.dispose()

    # --8<-- [start:exhausted]
    small = create_async_engine(
        url, pool_size=1, max_overflow=0, pool_timeout=TIMEOUT
    )
    async with small.connect():  # the only connection
        start = time.perf_counter()
        try:
            async with small.connect():
                pass
        except exc.TimeoutError as error:
            waited = time.perf_counter() - start
            print(f"a second checkout waited {waited:.2f} s, then raised")
            print(f"  {type(error).__module__}.{type(error).__name__}")
    await small.dispose()
    # --8<-- [end:exhausted]

    # --8<-- [start:refused]
    try:
        create_async_engine(url, poolclass=QueuePool)
    except exc.ArgumentError as error:
        print(f"poolclass=QueuePool: {type(error).__name__}:")
        print(textwrap.indent(textwrap.fill(str(error), 74), "  "))
    # --8<-- [end:refused]


def greenlet_requirements() -> list[str]:
    """How the installed SQLAlchemy asks for greenlet, from its metadata."""
    return [r for r in requires("sqlalchemy") or [] if r.startswith("greenlet")]


def main() -> None:
    print(f"SQLAlchemy {version('sqlalchemy')} requires greenlet:")
    for requirement in greenlet_requirements() or ["not listed"]:
        print(
            textwrap.fill(
                requirement, 74, initial_indent="  ", subsequent_indent="    "
            )
        )
    print(f"greenlet installed here: {version('greenlet')}")
    asyncio.run(main_async())


if __name__ == "__main__":
    main()
