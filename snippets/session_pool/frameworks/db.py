"""The database setup of a FastAPI application with `def` endpoints: one
engine per process, created in the lifespan and disposed when the
application stops; one Session per request; no more worker threads than
the pool has connections.

Use it:  app = FastAPI(lifespan=lifespan), `session: SessionDep` as an
endpoint's parameter, and the endpoint's work in `with session.begin():`,
so that the connection goes back to the pool before the endpoint returns.
Run it:  python -m snippets.session_pool.frameworks.db
(starts the lifespan once and prints the limits it set)
"""

import asyncio
import os
import textwrap
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated

from anyio import to_thread
from fastapi import Depends, FastAPI, Request
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

POOL_SIZE = 5  # SQLAlchemy's defaults, spelled out
MAX_OVERFLOW = 10
# `def` endpoints run in anyio's worker threads (40 by default): allow no
# more threads than the pool has connections
THREADS = POOL_SIZE + MAX_OVERFLOW


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    engine = create_engine(
        url,
        pool_size=POOL_SIZE,
        max_overflow=MAX_OVERFLOW,
        pool_pre_ping=True,
    )
    app.state.engine = engine
    # objects stay loaded after the commit: the response can read them
    app.state.sessions = sessionmaker(engine, expire_on_commit=False)
    # the limiter of this event loop, the one the server runs the app in
    to_thread.current_default_thread_limiter().total_tokens = THREADS
    try:
        yield
    finally:
        engine.dispose()  # closes the pool's connections at shutdown


def get_session(request: Request) -> Iterator[Session]:
    # one Session per request; closing it returns its connection
    with request.app.state.sessions() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


async def show_limits() -> None:
    app = FastAPI(lifespan=lifespan)
    async with lifespan(app):
        limiter = to_thread.current_default_thread_limiter()
        engine = app.state.engine
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        print(f"worker threads: {limiter.total_tokens}")
        print("after one query:")
        print(textwrap.indent(textwrap.fill(engine.pool.status(), 60), "  "))
    print("after the lifespan:")
    print(textwrap.indent(textwrap.fill(engine.pool.status(), 60), "  "))


def main() -> None:
    asyncio.run(show_limits())


if __name__ == "__main__":
    main()
