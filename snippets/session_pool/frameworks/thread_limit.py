"""FastAPI's `def` endpoints with as many threads as connections and more
requests than threads: a request still holds its connection while it
waits for a thread to check its response; with the transaction ended in
the endpoint (db.py), every request succeeds.

Run it:  python -m snippets.session_pool.frameworks.thread_limit
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import asyncio
import os
import time
from collections import Counter

from anyio import to_thread
from fastapi import FastAPI, Request
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

from snippets.session_pool.frameworks.db import SessionDep, lifespan
from snippets.session_pool.frameworks.fastapi_threads import (
    REQUESTS,
    Gate,
    pool_limit,
    print_run,
    send_at_once,
    sync_app,
)


async def fewer_threads_only(url: str, checked: bool = True) -> None:
    # --8<-- [start:fewer-threads-only]
    limiter = to_thread.current_default_thread_limiter()
    engine = create_engine(url, pool_timeout=0.5)  # 5 + 10 connections
    limiter.total_tokens = pool_limit(engine)  # as many threads: 15
    # --8<-- [end:fewer-threads-only]
    threads = int(limiter.total_tokens)
    gate = Gate(holders=threads)
    if checked:
        print(f"1. Fewer threads only: {threads} threads, pool_timeout=0.5")
        app = sync_app(engine, gate)
    else:
        print("2. The same, with response_model=None")
        app = FastAPI()
        app.state.sessions = sessionmaker(engine)
        app.state.gate = gate
        add_unchecked_endpoint(app)
    print(f"  each request keeps its connection until {threads} are out")
    start = time.perf_counter()
    try:
        statuses = await send_at_once(app, lambda r: None)
    finally:
        engine.dispose()
    waited = time.perf_counter() - start
    if checked:
        print_codes(statuses, gate)
    else:
        print_run(statuses, gate)
    print(f"  all {REQUESTS} answered within {waited:.2f} s")


def print_codes(statuses: Counter[int], gate: Gate) -> None:
    """The status codes only: how many requests stall varies."""
    print(f"  status codes: {', '.join(str(s) for s in sorted(statuses))}")
    print(f"  most requests holding a connection at once: {gate.peak}")


# --8<-- [start:unchecked-endpoint]
def add_unchecked_endpoint(app: FastAPI) -> None:
    # response_model=None: FastAPI checks no return value, in no thread
    @app.get("/work", response_model=None)
    def work(session: SessionDep, request: Request) -> dict[str, int]:
        value = session.execute(text("SELECT 1")).scalar_one()
        request.app.state.gate.hold()  # the rest of the request
        return {"value": value}
        # --8<-- [end:unchecked-endpoint]


# --8<-- [start:db-endpoint]
def add_db_endpoint(app: FastAPI) -> None:
    @app.get("/work")
    def work(session: SessionDep, request: Request) -> dict[str, int]:
        with session.begin():  # commits, and returns the connection
            value = session.execute(text("SELECT 1")).scalar_one()
            request.app.state.gate.hold()  # the rest of the work
        return {"value": value}
        # --8<-- [end:db-endpoint]


async def with_db_py() -> None:
    # --8<-- [start:with-db-py]
    app = FastAPI(lifespan=lifespan)
    add_db_endpoint(app)
    async with lifespan(app):  # as a server does at start-up
        threads = int(to_thread.current_default_thread_limiter().total_tokens)
        # --8<-- [end:with-db-py]
        print(f"3. db.py: {threads} threads, the transaction ended in the")
        print("  endpoint; each request keeps its connection until")
        print(f"  {threads} are out")
        app.state.gate = gate = Gate(holders=threads)
        start = time.perf_counter()
        statuses = await send_at_once(app, lambda r: None)
    waited = time.perf_counter() - start
    print_run(statuses, gate)
    print(f"  all {REQUESTS} answered within {waited:.2f} s")


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    asyncio.run(fewer_threads_only(url))
    print()
    asyncio.run(fewer_threads_only(url, checked=False))
    print()
    asyncio.run(with_db_py())


if __name__ == "__main__":
    main()
