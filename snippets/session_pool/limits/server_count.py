"""The pool's limit, counted by the server: threads share one engine while
another connection samples the server's own list of sessions.

Run it:  DATABASE_URL=postgresql+psycopg://user:pass@127.0.0.1/db \\
         python -m snippets.session_pool.limits.server_count
"""

# backends: postgresql, mysql

import os
import threading
import time
import uuid

from sqlalchemy import Connection, Engine, create_engine, make_url, text
from sqlalchemy.pool import NullPool

POOL_SIZE = 2
MAX_OVERFLOW = 1
THREADS = 8
CHECKOUTS_PER_THREAD = 5
HOLD = 0.02  # seconds each checkout keeps its connection
SAMPLE_EVERY = 0.002  # seconds between two counts by the server


# --8<-- [start:count]
def count_sessions(admin: Connection, marker: str) -> int:
    """The server's count of sessions that carry our marker."""
    if admin.dialect.name == "postgresql":
        query = text(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE application_name = :marker"
        )
    else:  # MySQL and MariaDB list sessions with their current database
        query = text(
            "SELECT count(*) FROM information_schema.processlist"
            " WHERE db = :marker AND id <> CONNECTION_ID()"
        )
    return int(admin.execute(query, {"marker": marker}).scalar_one())
    # --8<-- [end:count]


def marked_engine(url: str) -> tuple[Engine, str]:
    """A pooled engine whose sessions the server can tell apart."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        marker = f"pool-{uuid.uuid4().hex[:8]}"
        connect_args = {"application_name": marker}
    else:
        marker = str(parsed.database)  # sessions in our database
        connect_args = {}
    # --8<-- [start:engine]
    engine = create_engine(
        url,
        pool_size=POOL_SIZE,
        max_overflow=MAX_OVERFLOW,
        connect_args=connect_args,
    )
    # --8<-- [end:engine]
    return engine, marker


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    if make_url(url).get_backend_name() == "sqlite":
        print("SQLite has no server to count sessions; set DATABASE_URL")
        return
    engine, marker = marked_engine(url)
    # autocommit: PostgreSQL shows pg_stat_activity as of a transaction's start
    admin_engine = create_engine(
        url, poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )
    counts: list[int] = []
    done = threading.Event()

    def sample(admin: Connection) -> None:
        while not done.is_set():
            counts.append(count_sessions(admin, marker))
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
        open_in_pool = count_sessions(admin, marker)
        engine.dispose()
        # the server ends a session a moment after its client closes it
        deadline = time.monotonic() + 2.0
        after_dispose = count_sessions(admin, marker)
        while after_dispose and time.monotonic() < deadline:
            time.sleep(0.01)
            after_dispose = count_sessions(admin, marker)
    admin_engine.dispose()

    limit = POOL_SIZE + MAX_OVERFLOW
    print(
        f"{THREADS} threads x {CHECKOUTS_PER_THREAD} checkouts, one engine: "
        f"pool_size={POOL_SIZE} + max_overflow={MAX_OVERFLOW} = {limit}"
    )
    print(f"server's count of our sessions during the run: peak {max(counts)}")
    print(f"peak <= pool_size + max_overflow: {max(counts) <= limit}")
    print(f"after the threads, kept open by the pool: {open_in_pool}")
    print(f"after engine.dispose(), within 2 s: {after_dispose}")


if __name__ == "__main__":
    main()
