"""The pool's limit, counted by the server: threads share one engine while
another connection samples the server's own list of sessions.

Run it:  DATABASE_URL=postgresql+psycopg://user:pass@127.0.0.1/db \\
         python -m snippets.session_pool.limits.server_count
"""

# databases: postgresql, mysql

import os
import threading
import time
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.pool import NullPool

POOL_SIZE = 2
MAX_OVERFLOW = 1
THREADS = 8
CHECKOUTS_PER_THREAD = 5
HOLD = 0.02  # seconds each checkout keeps its connection
SAMPLE_EVERY = 0.002  # seconds between two counts by the server
SETTLE = 5  # seconds the server gets to end the sessions we closed


# --8<-- [start:count]
SESSION_ID = {
    "postgresql": "pg_backend_pid()",
    "mysql": "CONNECTION_ID()",
    "mariadb": "CONNECTION_ID()",
}
SESSIONS = {
    "postgresql": "SELECT pid FROM pg_stat_activity",
    "mysql": "SELECT id FROM information_schema.processlist",
    "mariadb": "SELECT id FROM information_schema.processlist",
}


def count_sessions(admin: Connection, ours: set[int]) -> int:
    """How many of our sessions the server lists right now."""
    listed = admin.execute(text(SESSIONS[admin.dialect.name])).scalars()
    return len(ours.intersection(listed))
    # --8<-- [end:count]


def tracked_engine(url: str) -> tuple[Engine, set[int]]:
    """A pooled engine, and the server's ids of the sessions it opens."""
    # --8<-- [start:engine]
    engine = create_engine(url, pool_size=POOL_SIZE, max_overflow=MAX_OVERFLOW)
    ours: set[int] = set()

    @event.listens_for(engine, "connect")
    def remember(dbapi_connection: Any, _: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"SELECT {SESSION_ID[engine.dialect.name]}")
        ours.add(int(cursor.fetchone()[0]))  # the server's id of the session
        cursor.close()

    # --8<-- [end:engine]
    return engine, ours


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    if make_url(url).get_backend_name() == "sqlite":
        print("SQLite has no server to count sessions; set DATABASE_URL")
        return
    engine, ours = tracked_engine(url)
    # autocommit: PostgreSQL shows pg_stat_activity as of a transaction's start
    admin_engine = create_engine(
        url, poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )
    try:
        share_one_engine(engine, admin_engine, ours)
    finally:
        engine.dispose()
        admin_engine.dispose()


def share_one_engine(
    engine: Engine, admin_engine: Engine, ours: set[int]
) -> None:
    """Threads share `engine` while the server counts our sessions."""
    counts: list[int] = []
    done = threading.Event()

    def sample(admin: Connection) -> None:
        while not done.is_set():
            counts.append(count_sessions(admin, ours))
            time.sleep(SAMPLE_EVERY)

    # --8<-- [start:threads]
    def work() -> None:
        for _ in range(CHECKOUTS_PER_THREAD):
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
                time.sleep(HOLD)  # the connection stays checked out

    with admin_engine.connect() as admin:
        sampler = threading.Thread(target=sample, args=(admin,))
        sampler.start()
        workers = [threading.Thread(target=work) for _ in range(THREADS)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        done.set()
        sampler.join()
        # --8<-- [end:threads]
        open_in_pool, after_dispose = close_and_count(engine, admin, ours)
    print_counts(max(counts), open_in_pool, after_dispose)


def close_and_count(
    engine: Engine, admin: Connection, ours: set[int]
) -> tuple[int, int]:
    """Our sessions on the server once the threads are done, and once
    engine.dispose() closed the pool's connections."""
    # the server ends a session a moment after its client closes it:
    # the overflow connection, closed at its checkin, then the pool's
    open_in_pool = settled_count(admin, ours, POOL_SIZE)
    engine.dispose()
    return open_in_pool, settled_count(admin, ours, 0)


def print_counts(peak: int, open_in_pool: int, after_dispose: int) -> None:
    limit = POOL_SIZE + MAX_OVERFLOW
    print(
        f"{THREADS} threads x {CHECKOUTS_PER_THREAD} checkouts, one engine: "
        f"pool_size={POOL_SIZE} + max_overflow={MAX_OVERFLOW} = {limit}"
    )
    print(f"server's count of our sessions during the run: peak {peak}")
    print(f"peak <= pool_size + max_overflow: {peak <= limit}")
    print(
        f"after the threads, kept open by the pool, within {SETTLE} s: "
        f"{open_in_pool}"
    )
    print(f"after engine.dispose(), within {SETTLE} s: {after_dispose}")


def settled_count(admin: Connection, ours: set[int], expected: int) -> int:
    """Our sessions on the server, counted again until there are no more
    than `expected`, for up to SETTLE seconds."""
    deadline = time.monotonic() + SETTLE
    count = count_sessions(admin, ours)
    while count > expected and time.monotonic() < deadline:
        time.sleep(0.01)
        count = count_sessions(admin, ours)
    return count


if __name__ == "__main__":
    main()
