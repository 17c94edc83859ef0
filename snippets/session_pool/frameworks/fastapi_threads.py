"""FastAPI runs `def` endpoints in anyio's worker threads, 40 by default,
and SQLAlchemy's default pool lends 15 connections: 40 requests at once,
then with a pool as large as the thread limit, then async endpoints.
The thread limit instead: thread_limit.py.

Run it:  python -m snippets.session_pool.frameworks.fastapi_threads
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import asyncio
import os
import textwrap
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from typing import Annotated, Any, cast

import httpx
from anyio import to_thread
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, create_engine, exc, make_url, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool

from snippets.session_pool.frameworks.db import SessionDep

REQUESTS = 40
ASYNC_DRIVERS = {"postgresql": "psycopg", "mysql": "aiomysql"}


@dataclass
class Gate:
    """Each request keeps its connection in hold() until `holders` requests
    have held one at once, and `refusals` requests were refused: the
    overlap does not depend on how fast the threads run."""

    holders: int
    refusals: int = 0  # and when this many requests had their 503
    holding: int = 0
    peak: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    release: threading.Event = field(default_factory=threading.Event)

    def arrive(self) -> None:
        with self.lock:
            self.holding += 1
            self.peak = max(self.peak, self.holding)
            self.check()

    def refused(self) -> None:
        with self.lock:
            self.refusals -= 1
            self.check()

    def check(self) -> None:
        if self.peak >= self.holders and self.refusals <= 0:
            self.release.set()

    def leave(self) -> None:
        with self.lock:
            self.holding -= 1

    def hold(self) -> None:
        self.arrive()
        self.release.wait(timeout=30)  # a safety net: release comes first
        self.leave()


@dataclass
class AsyncGate:
    """Gate for `async def` endpoints, which all run in the loop's thread."""

    holders: int
    holding: int = 0
    peak: int = 0
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def hold(self) -> None:
        self.holding += 1
        self.peak = max(self.peak, self.holding)
        if self.holding >= self.holders:
            self.release.set()
        await self.release.wait()
        self.holding -= 1


def pool_limit(engine: Engine | AsyncEngine) -> int:
    """pool_size + max_overflow, read from the engine's QueuePool."""
    pool = cast(QueuePool, engine.pool)
    return pool.size() + pool._max_overflow


# --8<-- [start:sync-endpoint]
def add_sync_endpoint(app: FastAPI) -> None:
    @app.get("/work")
    def work(session: SessionDep, request: Request) -> dict[str, int]:
        # a `def` endpoint: FastAPI runs it in one of anyio's threads
        value = session.execute(text("SELECT 1")).scalar_one()
        request.app.state.gate.hold()  # the rest of the request
        return {"value": value}
        # --8<-- [end:sync-endpoint]

    @app.exception_handler(exc.TimeoutError)
    async def pool_timeout(
        request: Request, error: exc.TimeoutError
    ) -> JSONResponse:
        return JSONResponse(status_code=503, content={"detail": str(error)})


def sync_app(engine: Engine, gate: Gate) -> FastAPI:
    app = FastAPI()
    app.state.sessions = sessionmaker(engine)
    app.state.gate = gate
    add_sync_endpoint(app)
    return app


async def send_at_once(
    app: FastAPI, on_reply: Callable[[httpx.Response], None]
) -> Counter[int]:
    """REQUESTS requests at once, straight to the app (no server)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://app"
    ) as client:

        async def one() -> int:
            response = await client.get("/work")
            on_reply(response)
            return response.status_code

        return Counter(await asyncio.gather(*(one() for _ in range(REQUESTS))))


def print_run(statuses: Counter[int], gate: Gate | AsyncGate) -> None:
    answers = ", ".join(f"{n} x {s}" for s, n in sorted(statuses.items()))
    print(f"  responses: {answers}")
    print(f"  most requests holding a connection at once: {gate.peak}")


async def default_pool(url: str) -> None:
    # --8<-- [start:default-pool]
    threads = int(to_thread.current_default_thread_limiter().total_tokens)
    engine = create_engine(url, pool_timeout=0.2)  # 5 + 10 connections
    # --8<-- [end:default-pool]
    connections = pool_limit(engine)
    print(f"anyio {version('anyio')}: at most {threads} worker threads")
    print(f"SQLAlchemy's default pool: at most {connections} connections")
    print()
    print(f"1. {REQUESTS} requests at once, the default pool, pool_timeout=0.2")
    print("  each request keeps its connection until the others are answered")
    refused: list[httpx.Response] = []
    start = time.perf_counter()
    gate = Gate(holders=connections, refusals=REQUESTS - connections)

    def count_refused(response: httpx.Response) -> None:
        if response.status_code == 503:
            refused.append(response)
            gate.refused()

    try:
        statuses = await send_at_once(sync_app(engine, gate), count_refused)
    finally:
        engine.dispose()
    waited = time.perf_counter() - start
    print_run(statuses, gate)
    print(f"  all {REQUESTS} answered within {waited:.2f} s")
    if refused:
        print("  503 body:")
        detail = refused[0].json()["detail"]
        print(textwrap.indent(textwrap.fill(detail, 70), "    "))


async def pool_as_large(url: str) -> None:
    # --8<-- [start:pool-as-large]
    threads = int(to_thread.current_default_thread_limiter().total_tokens)
    engine = create_engine(url, pool_size=threads, max_overflow=0)
    # --8<-- [end:pool-as-large]
    print(f"2. The pool as large as the thread limit: pool_size={threads}")
    print(f"  each request keeps its connection until {threads} are out")
    gate = Gate(holders=threads)
    try:
        statuses = await send_at_once(sync_app(engine, gate), lambda r: None)
    finally:
        engine.dispose()
    print_run(statuses, gate)


def async_url(url: str) -> str:
    """The URL with the database's asyncio driver."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    driver = ASYNC_DRIVERS.get(backend, "aiosqlite")
    parsed = parsed.set(drivername=f"{backend}+{driver}")
    return parsed.render_as_string(hide_password=False)


async def async_endpoints(url: str) -> None:
    # --8<-- [start:async-endpoint]
    engine = create_async_engine(async_url(url))  # 5 + 10 connections
    SessionLocal = async_sessionmaker(engine)

    async def get_session() -> AsyncIterator[AsyncSession]:
        async with SessionLocal() as session:
            yield session

    app = FastAPI()

    @app.get("/work")
    async def work(
        session: Annotated[AsyncSession, Depends(get_session)],
    ) -> dict[str, Any]:
        # an `async def` endpoint runs in the event loop's thread
        value = (await session.execute(text("SELECT 1"))).scalar_one()
        await gate.hold()  # the rest of the request
        return {"value": value, "thread": threading.get_ident()}

    # --8<-- [end:async-endpoint]

    connections = pool_limit(engine)
    print("3. async endpoints, an async engine with the default pool")
    print(f"  each request keeps its connection until {connections} are out")
    gate = AsyncGate(holders=connections)
    threads: set[int] = set()
    try:
        statuses = await send_at_once(
            app, lambda r: threads.add(r.json()["thread"])
        )
    finally:
        await engine.dispose()
    print_run(statuses, gate)
    print(f"  threads the endpoints ran in: {len(threads)}")


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    asyncio.run(default_pool(url))
    print()
    asyncio.run(pool_as_large(url))
    print()
    asyncio.run(async_endpoints(url))


if __name__ == "__main__":
    main()
