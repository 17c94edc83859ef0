"""An async FastAPI endpoint with an AsyncSession per request, driven by
concurrent requests: the pool caps the connections, and every request gives
its connection back.

Run it:  python -m snippets.session_pool.async_engines.async_web_app
Set DATABASE_URL to try another database; the program switches the URL to
the database's asyncio driver (psycopg, aiomysql or aiosqlite).
"""

import asyncio
import os
from collections import Counter
from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
from fastapi import Depends, FastAPI
from sqlalchemy import event, make_url, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

REQUESTS = 20
POOL_SIZE = 3
WORK = 0.05  # seconds each request keeps its connection
ASYNC_DRIVERS = {
    "postgresql": "psycopg",
    "mysql": "aiomysql",
    "mariadb": "aiomysql",
    "sqlite": "aiosqlite",
}


def async_url(url: str) -> str:
    """The URL with the database's asyncio driver."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    parsed = parsed.set(drivername=f"{backend}+{ASYNC_DRIVERS[backend]}")
    return parsed.render_as_string(hide_password=False)


# --8<-- [start:create-app]
def create_app(engine: AsyncEngine) -> FastAPI:
    SessionLocal = async_sessionmaker(engine)

    async def get_session() -> AsyncIterator[AsyncSession]:
        # one AsyncSession per request; leaving the block gives its
        # connection back to the pool, even when the request fails
        async with SessionLocal() as session:
            yield session

    app = FastAPI()

    @app.get("/work")
    async def work(
        session: Annotated[AsyncSession, Depends(get_session)],
    ) -> dict[str, int]:
        value = (await session.execute(text("SELECT 1"))).scalar_one()
        await asyncio.sleep(WORK)  # the connection stays checked out
        return {"value": value}

    return app
    # --8<-- [end:create-app]


def count_connections(engine: AsyncEngine) -> dict[str, int]:
    """Connections opened, and the most checked out at once, from events."""
    counts = {"opened": 0, "out": 0, "peak": 0}
    pool = engine.sync_engine.pool

    @event.listens_for(pool, "connect")
    def opened(*_: Any) -> None:
        counts["opened"] += 1

    @event.listens_for(pool, "checkout")
    def checkout(*_: Any) -> None:
        counts["out"] += 1
        counts["peak"] = max(counts["peak"], counts["out"])

    @event.listens_for(pool, "checkin")
    def checkin(*_: Any) -> None:
        counts["out"] -= 1

    return counts


async def main_async() -> None:
    url = async_url(
        os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    )
    # --8<-- [start:drive]
    # once per process, at start-up
    engine = create_async_engine(url, pool_size=POOL_SIZE, max_overflow=0)
    counts = count_connections(engine)
    app = create_app(engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://app"
    ) as client:
        responses = await asyncio.gather(
            *(client.get("/work") for _ in range(REQUESTS))
        )
    # --8<-- [end:drive]
    statuses = Counter(response.status_code for response in responses)
    print(
        f"{REQUESTS} concurrent requests, pool_size={POOL_SIZE}, max_overflow=0"
    )
    print(f"  responses: {dict(statuses)}")
    print(f"  connections opened: {counts['opened']}")
    print(f"  most checked out at once: {counts['peak']}")
    print(f"  checked out after the requests: {counts['out']}")
    await engine.dispose()


def main() -> None:
    asyncio.run(main_async())


if __name__ == "__main__":
    main()
