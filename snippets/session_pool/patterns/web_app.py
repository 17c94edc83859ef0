"""A web app: one Session per request, a pool that caps connections,
and 503 on pool_timeout.

Run it:  python -m snippets.session_pool.patterns.web_app
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import asyncio
import os
import textwrap
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any

import httpx
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, create_engine, event, exc, text
from sqlalchemy.orm import Session, sessionmaker

# --8<-- [start:web-app-settings]
# The chapter's settings for a web app. Every limit here is PER PROCESS:
# each uvicorn or gunicorn worker process builds its own engine, so
# N workers may open N * 30 connections.
WEB_APP_SETTINGS: dict[str, Any] = {
    # idle connections the pool keeps (it opens them only when needed)
    "pool_size": 20,
    # extra connections under load: 20 + 10 = 30 at most
    "max_overflow": 10,
    # seconds a request waits for a free connection before TimeoutError
    "pool_timeout": 10,
    # replace a connection older than 1 h, when it is checked out
    "pool_recycle": 3600,
    # test a pooled connection before lending it out
    "pool_pre_ping": True,
}
WORKER_PROCESSES = 4  # e.g. gunicorn -w 4, or uvicorn --workers 4
# --8<-- [end:web-app-settings]


# --8<-- [start:create-app]
def create_app(url: str, **pool_settings: Any) -> FastAPI:
    # once per process, at start-up
    engine = create_engine(url, **pool_settings)
    SessionLocal = sessionmaker(bind=engine)

    def get_session() -> Iterator[Session]:
        # one Session per request, closed after the request:
        # its connection goes back to the pool
        with SessionLocal() as session:
            yield session

    app = FastAPI()
    app.state.engine = engine

    @app.get("/work")
    def work(
        session: Annotated[Session, Depends(get_session)], seconds: float
    ) -> dict[str, int]:
        # checks out a connection
        value = session.execute(text("SELECT 1")).scalar_one()
        # the rest of the request: the Session still holds the connection
        time.sleep(seconds)
        return {"value": value}

    # no free connection within pool_timeout
    @app.exception_handler(exc.TimeoutError)
    async def pool_timeout(
        request: Request, error: exc.TimeoutError
    ) -> JSONResponse:
        kind = f"{type(error).__module__}.{type(error).__name__}"
        return JSONResponse(
            status_code=503, content={"error": kind, "detail": str(error)}
        )

    return app
    # --8<-- [end:create-app]


@dataclass
class PoolWatch:
    """Counts the connections the pool opens and the most it lends out
    at the same time. Each checkout waits until `gate` connections are out
    at once (or `release` is set), so the overlap does not depend on how
    fast the threads run."""

    gate: int
    opened: int = 0
    checked_out: int = 0
    peak: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    release: threading.Event = field(default_factory=threading.Event)

    def attach(self, engine: Engine) -> None:
        event.listen(engine, "connect", self.on_connect)
        event.listen(engine, "checkout", self.on_checkout)
        event.listen(engine, "checkin", self.on_checkin)

    def on_connect(self, *_: object) -> None:
        with self.lock:
            self.opened += 1

    def on_checkout(self, *_: object) -> None:
        with self.lock:
            self.checked_out += 1
            self.peak = max(self.peak, self.checked_out)
            if self.checked_out >= self.gate:
                self.release.set()
        # a safety net only: release comes first in every run
        self.release.wait(timeout=30)

    def on_checkin(self, *_: object) -> None:
        with self.lock:
            self.checked_out -= 1


@dataclass
class Reply:
    status: int
    seconds: float
    body: dict[str, Any]


async def send_at_once(
    app: FastAPI,
    requests: int,
    hold: float,
    on_reply: Callable[[Reply], None] = lambda reply: None,
) -> list[Reply]:
    """Send `requests` requests to the app at once; each one holds its
    connection `hold` s; on_reply() sees each reply as it arrives."""
    # ASGITransport hands each request straight to the app, as a server
    # such as uvicorn does
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://app"
    ) as client:

        async def one() -> Reply:
            start = time.perf_counter()
            response = await client.get("/work", params={"seconds": hold})
            reply = Reply(
                response.status_code,
                time.perf_counter() - start,
                response.json(),
            )
            on_reply(reply)
            return reply

        return await asyncio.gather(*(one() for _ in range(requests)))


def statuses(replies: list[Reply]) -> str:
    counts = Counter(r.status for r in replies)
    return ", ".join(f"{n} x {status}" for status, n in sorted(counts.items()))


def server_max_connections(url: str) -> int | None:
    """The server's connection limit, shared by every process;
    None for SQLite (no server)."""
    queries = {
        "postgresql": "SHOW max_connections",
        "mysql": "SELECT @@max_connections",
    }
    engine = create_engine(url)
    try:
        if engine.dialect.name not in queries:
            return None
        with engine.connect() as conn:
            return int(
                conn.execute(text(queries[engine.dialect.name])).scalar_one()
            )
    finally:
        engine.dispose()


def within_capacity(url: str) -> None:
    # --8<-- [start:demo-settings]
    settings = {**WEB_APP_SETTINGS, "pool_size": 5, "max_overflow": 5}
    # --8<-- [end:demo-settings]
    app = create_app(url, **settings)
    engine: Engine = app.state.engine
    limit = settings["pool_size"] + settings["max_overflow"]
    # the first `limit` checkouts wait until all of them are out
    watch = PoolWatch(gate=limit)
    watch.attach(engine)
    # two more than the pool may open: they wait for a returned one
    requests = limit + 2
    hold = 0.1
    try:
        replies = asyncio.run(send_at_once(app, requests, hold))
        print(
            f"Within capacity: pool_size={settings['pool_size']},"
            f" max_overflow={settings['max_overflow']}"
            f" (at most {limit} connections)"
        )
        print(
            f"  {requests} requests at once; the first {limit} keep their"
            f" connections"
        )
        print(f"  until all {limit} are out, then {hold * 1000:.0f} ms")
        print(f"  responses: {statuses(replies)}")
        print(f"  connections opened: {watch.opened}")
        print(
            f"  most connections checked out at once: {watch.peak}"
            f" (limit {limit})"
        )
        print("  after the load:")
        print(textwrap.indent(textwrap.fill(engine.pool.status(), 60), "    "))
    finally:
        engine.dispose()


def beyond_capacity(url: str) -> None:
    # --8<-- [start:beyond-capacity]
    app = create_app(url, pool_size=2, max_overflow=0, pool_timeout=0.1)
    # --8<-- [end:beyond-capacity]
    engine: Engine = app.state.engine
    requests, hold = 6, 0.3
    # the checkouts wait until the requests without a connection have had
    # their answer: the two connections stay out while the others wait
    watch = PoolWatch(gate=requests + 1)
    watch.attach(engine)
    refused = Counter[int]()

    def count_refused(reply: Reply) -> None:
        refused[reply.status] += 1
        if refused[503] == requests - 2:
            watch.release.set()

    try:
        replies = asyncio.run(
            send_at_once(app, requests, hold, on_reply=count_refused)
        )
        print("Beyond capacity: pool_size=2, max_overflow=0, pool_timeout=0.1")
        print(
            f"  {requests} requests at once; the 2 that get a connection"
            " keep it"
        )
        print(f"  until the others are answered, then {hold * 1000:.0f} ms")
        print(f"  responses: {statuses(replies)}")
        for status in sorted({r.status for r in replies}):
            times = [r.seconds for r in replies if r.status == status]
            print(
                f"  {status} answered after"
                f" {min(times):.2f} to {max(times):.2f} s"
            )
        failed = [r for r in replies if r.status == 503]
        if failed:
            body = failed[0].body
            print(f"  503 body: {body['error']}:")
            print(textwrap.indent(textwrap.fill(body["detail"], 70), "    "))
    finally:
        engine.dispose()


def budget(url: str) -> None:
    per_process = (
        WEB_APP_SETTINGS["pool_size"] + WEB_APP_SETTINGS["max_overflow"]
    )
    total = WORKER_PROCESSES * per_process
    print(
        f"The chapter's settings: at most {per_process} connections per process"
    )
    print(
        f"  {WORKER_PROCESSES} worker processes:"
        f" up to {total} connections on the server"
    )
    limit = server_max_connections(url)
    if limit is None:
        print("  SQLite has no server and no max_connections")
    else:
        verdict = (
            "too many" if total > limit else "fits, if nothing else connects"
        )
        print(f"  this server's max_connections: {limit}: {verdict}")


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    within_capacity(url)
    print()
    beyond_capacity(url)
    print()
    budget(url)


if __name__ == "__main__":
    main()
