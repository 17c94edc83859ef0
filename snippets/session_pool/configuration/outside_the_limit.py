"""Connections the pool no longer counts: detached, or kept across dispose().

pool_size + max_overflow caps the connections an engine's pool has in play,
"not including connections that were detached from the engine or
invalidated" (SQLAlchemy's page on error 3o7r). Nor does it count connections
still checked out when engine.dispose() replaced the pool: such a connection
goes back, when closed, to the pool it came from. This program opens three
server sessions with a limit of one, and asks the server.

Run it:  python -m snippets.session_pool.configuration.outside_the_limit
Set DATABASE_URL to a server, e.g. postgresql+psycopg://user:pass@127.0.0.1/db
"""

# databases: postgresql, mysql

import gc
import os
import time
from typing import cast

from sqlalchemy import Connection, Engine, create_engine, make_url, text
from sqlalchemy.pool import NullPool, QueuePool

SETTLE = 0.3  # seconds for the server to notice a closed connection


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    if make_url(url).get_backend_name() == "sqlite":
        print(
            "This example counts sessions on a server: set DATABASE_URL to one."
        )
        return
    gc.disable()  # collect garbage only when this program says so, below
    # --8<-- [start:outside]
    engine: Engine = create_engine(
        url, pool_size=1, max_overflow=0, pool_timeout=0.5
    )
    first = engine.connect()
    first.detach()  # its connection leaves the pool, open: the pool forgets it
    after_detach = cast(QueuePool, engine.pool).checkedout()
    second = engine.connect()  # the pool's one connection, checked out
    engine.dispose()  # a new, empty pool; `second` is still checked out
    third = engine.connect()  # the new pool's one connection
    new_pool = cast(QueuePool, engine.pool).checkedout()
    # --8<-- [end:outside]
    held = [first, second, third]
    print_pool_counts(after_detach, new_pool)
    close_and_watch(url, engine, held)
    gc.enable()


def print_pool_counts(after_detach: int, new_pool: int) -> None:
    print("create_engine(url, pool_size=1, max_overflow=0, pool_timeout=0.5)")
    print(
        "  first, checked out then detach()ed: "
        f"the pool counts {after_detach} checked out"
    )
    print("  second, checked out; engine.dispose() while it is")
    print(
        "  third, from the new pool: "
        f"the new pool counts {new_pool} checked out"
    )


def close_and_watch(url: str, engine: Engine, held: list[Connection]) -> None:
    """Close the three connections, dispose of the engine, and ask the
    server how many of their sessions are still open, before and after the
    garbage collector runs."""
    ids = [session_id(conn) for conn in held]
    print(
        f"sessions of this program open on the server: {still_open(url, ids)}"
    )
    for conn in held:
        conn.close()
    engine.dispose()
    print(
        "after closing all three and engine.dispose(): "
        f"{settled(url, ids)} still open"
    )
    print(f"  of which second's: {still_open(url, ids[1:2])}")
    gc.collect()  # second went back to the replaced pool: freed with it
    print(f"after the garbage collector ran: {settled(url, ids)}")


def session_id(conn: Connection) -> int:
    if conn.dialect.name == "postgresql":
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
    return int(conn.execute(text("SELECT CONNECTION_ID()")).scalar_one())


def still_open(url: str, ids: list[int]) -> int:
    """How many of these sessions the server still lists, asked from outside."""
    observer = create_engine(url, poolclass=NullPool)
    with observer.connect() as conn:
        if conn.dialect.name == "postgresql":
            listed = "SELECT pid FROM pg_stat_activity"
        else:
            listed = "SELECT ID FROM information_schema.PROCESSLIST"
        on_server = set(conn.execute(text(listed)).scalars())
    observer.dispose()
    return len(on_server & set(ids))


def settled(url: str, ids: list[int]) -> int:
    """still_open(), once two readings SETTLE seconds apart agree: the server
    notices a closed connection within moments, not at once."""
    before = still_open(url, ids)
    while True:
        time.sleep(SETTLE)
        now = still_open(url, ids)
        if now == before:
            return now
        before = now


if __name__ == "__main__":
    main()
