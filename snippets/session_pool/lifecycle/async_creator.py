"""async_creator=: open the pool's connections yourself, in an asyncio engine.

create_async_engine() takes async_creator=, a coroutine function with no
arguments that returns the async driver's own connection (psycopg's
AsyncConnection, aiomysql's, aiosqlite's). SQLAlchemy adapts it for the pool,
AsyncAdaptedQueuePool by default.

Run it:  python -m snippets.session_pool.lifecycle.async_creator
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db (the async driver is chosen below)
"""

import asyncio
import os
from collections.abc import Awaitable, Callable
from typing import Any

import aiomysql
import aiosqlite
import psycopg
from sqlalchemy import URL, make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

# the asyncio driver for each database, and how it opens a connection
ASYNC_DRIVERS: dict[str, tuple[str, Callable[..., Awaitable[Any]]]] = {
    "postgresql": ("psycopg", psycopg.AsyncConnection.connect),
    "mysql": ("aiomysql", aiomysql.connect),
    "sqlite": ("aiosqlite", aiosqlite.connect),
}


def async_url(url: str) -> URL:
    """The same database, with the asyncio driver named in the URL."""
    parsed = make_url(url)
    driver, _ = ASYNC_DRIVERS[parsed.get_backend_name()]
    return parsed.set(drivername=f"{parsed.get_backend_name()}+{driver}")


# --8<-- [start:async-creator]
async def run(url: URL) -> None:
    _, driver_connect = ASYNC_DRIVERS[url.get_backend_name()]
    # the keyword arguments this URL means for the driver, as SQLAlchemy
    # computes them
    cargs, cparams = create_async_engine(url).dialect.create_connect_args(url)
    calls = 0

    async def connect() -> Any:
        """Return a new connection of the asyncio driver; the pool calls it."""
        nonlocal calls
        calls += 1
        return await driver_connect(*cargs, **cparams)

    engine = create_async_engine(url, async_creator=connect)
    # --8<-- [end:async-creator]
    for _ in range(3):
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    print(f"create_async_engine({url.drivername!r}, async_creator=connect)")
    print(f"  pool: {type(engine.pool).__name__}")
    print(f"  3 checkouts, async_creator called {calls} time(s)")
    await engine.dispose()


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    asyncio.run(run(async_url(url)))


if __name__ == "__main__":
    main()
