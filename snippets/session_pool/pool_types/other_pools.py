"""The pool classes the chapter leaves out: SingletonThreadPool,
AssertionPool, the async pool.

Run it:  python -m snippets.session_pool.pool_types.other_pools
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import asyncio
import os
import textwrap
import threading
from pathlib import Path
from typing import cast

from sqlalchemy import Engine, create_engine, exc
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import AssertionPool, QueuePool, SingletonThreadPool

# The async demo only creates engines, it connects to nothing;
# aiosqlite ships with this guide.
ASYNC_URL = "sqlite+aiosqlite:///pooling_guide.db"


# --8<-- [start:singleton-thread]
def dbapi_connection(engine: Engine) -> DBAPIConnection | None:
    """Borrow a connection, give it back, and return the DBAPI connection
    that served it."""
    with engine.connect() as conn:
        return conn.connection.dbapi_connection


def singleton_thread_pool(url: str) -> None:
    engine = create_engine(url, poolclass=SingletonThreadPool)
    main_1 = dbapi_connection(engine)
    main_2 = dbapi_connection(engine)
    in_thread: list[DBAPIConnection | None] = []
    worker = threading.Thread(
        target=lambda: in_thread.append(dbapi_connection(engine))
    )
    worker.start()
    worker.join()
    print(
        "  main thread, two checkouts, one DBAPI connection: "
        f"{main_1 is main_2}"
    )
    print(f"  another thread got the same one: {in_thread[0] is main_1}")
    # --8<-- [end:singleton-thread]
    pool = cast(SingletonThreadPool, engine.pool)
    print(
        f"  pool.size is an attribute: {type(pool.size).__name__} {pool.size}"
    )
    try:
        pool.size()  # type: ignore[operator]  # the chapter's monitoring call
    except TypeError as error:
        print(f"  pool.size() raises {type(error).__name__}: {error}")
    print(f"  {pool.status()}")
    engine.dispose()


def assertion_pool(url: str) -> None:
    # --8<-- [start:assertion]
    engine = create_engine(url, poolclass=AssertionPool)
    with engine.connect():
        try:
            # a second connection while the first is still out
            with engine.connect():
                pass
        except AssertionError as error:
            # the message carries the stack of the first checkout:
            # where it was taken
            message = (
                str(error)
                .replace(str(Path(__file__)), Path(__file__).name)
                .rstrip()
            )
            print(f"  second checkout raises {type(error).__name__}:")
            print(textwrap.indent(message, "    "))
    # --8<-- [end:assertion]
    engine.dispose()


def async_pools() -> None:
    # --8<-- [start:async]
    engine = create_async_engine(ASYNC_URL)
    print(f"  create_async_engine() picks: {type(engine.pool).__name__}")
    asyncio.run(engine.dispose())
    try:
        create_async_engine(ASYNC_URL, poolclass=QueuePool)
    except exc.ArgumentError as error:
        error_type = f"{type(error).__module__}.{type(error).__name__}"
        print(f"  poolclass=QueuePool: {error_type}:")
        print(textwrap.indent(textwrap.fill(str(error), 72), "    "))
    # --8<-- [end:async]


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    print("SingletonThreadPool: one connection per thread")
    singleton_thread_pool(url)
    print("AssertionPool: at most one connection checked out")
    assertion_pool(url)
    print("AsyncAdaptedQueuePool: the asyncio default")
    print(f"  ({ASYNC_URL}, not connected)")
    async_pools()


if __name__ == "__main__":
    main()
