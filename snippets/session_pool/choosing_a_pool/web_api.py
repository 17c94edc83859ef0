"""A tuned QueuePool for a web app or API: what pool_size and max_overflow
do, per process.

Run it:  python -m snippets.session_pool.choosing_a_pool.web_api
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import os
import threading
import time
from typing import cast

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.pool import QueuePool

# requests at the same moment: more than pool_size, fewer than the limit
BURST = 22


# --8<-- [start:web-engine]
POOL_SIZE = 20  # connections kept open for reuse, per process
MAX_OVERFLOW = 10  # extra ones for bursts, closed again when given back


def web_engine(url: str) -> Engine:
    return create_engine(
        url,
        pool_size=POOL_SIZE,
        max_overflow=MAX_OVERFLOW,
        pool_timeout=10,  # wait at most 10 s for a free connection, then raise
        pool_recycle=3600,  # replace connections older than 1 h, at checkout
        pool_pre_ping=True,  # test a pooled connection before handing it out
    )
    # --8<-- [end:web-engine]


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    engine = web_engine(url)
    try:
        print_burst(engine)
        limit = server_limit(engine)
    finally:
        engine.dispose()
    print_budget(limit)


def print_budget(limit: tuple[int, int] | None) -> None:
    """How many worker processes of this engine fit in the server's
    `limit`: (max_connections, reserved slots), None for SQLite."""
    # --8<-- [start:budget]
    # pool_size + max_overflow: the most ONE process's engine opens
    per_process = POOL_SIZE + MAX_OVERFLOW
    print(f"one process may open up to {per_process} connections")
    if limit is None:
        print(
            "SQLite: no server, so no max_connections to share "
            "between processes"
        )
        return
    max_connections, reserved = limit
    usable = max_connections - reserved
    print(
        f"server: max_connections = {max_connections}, "
        f"{usable} for ordinary users"
    )
    for workers in (1, 2, 4, 8):
        total = workers * per_process
        verdict = "fits" if total <= usable else "TOO MANY"
        print(
            f"  {workers} worker process(es) x {per_process} = "
            f"{total:3}: {verdict}"
        )
    # --8<-- [end:budget]


def print_burst(engine: Engine) -> None:
    """Connections a burst opens, and those the pool keeps after it."""
    pool = cast(QueuePool, engine.pool)
    opened, peak = burst(engine)
    print(
        f"{BURST} requests at once: connections opened: {opened}, "
        f"peak checked out: {peak}"
    )
    print(f"after the burst, kept open in the pool: {pool.checkedin()}")


def burst(engine: Engine, requests: int = BURST) -> tuple[int, int]:
    """`requests` threads hold a connection at the same moment; return
    (opened, peak)."""
    pool = cast(QueuePool, engine.pool)
    opened = peak = 0
    lock = threading.Lock()
    all_in = threading.Barrier(requests)

    def count_connect(*_: object) -> None:
        nonlocal opened
        with lock:
            opened += 1

    def request() -> None:
        nonlocal peak
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            all_in.wait()  # every request holds its connection now
            with lock:
                peak = max(peak, pool.checkedout())
            time.sleep(0.05)

    event.listen(engine, "connect", count_connect)
    threads = [threading.Thread(target=request) for _ in range(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return opened, peak


def server_limit(engine: Engine) -> tuple[int, int] | None:
    """The server's max_connections and how many slots it reserves (for
    superusers, and from PostgreSQL 16 on also for reserved_connections);
    None for SQLite."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            limit = int(conn.execute(text("SHOW max_connections")).scalar_one())
            reserved = conn.execute(
                text(
                    "SELECT coalesce(sum(setting::int), 0) FROM pg_settings"
                    " WHERE name IN ('superuser_reserved_connections',"
                    " 'reserved_connections')"
                )
            ).scalar_one()
            return limit, int(reserved)
        if engine.dialect.name in {"mysql", "mariadb"}:
            return int(
                conn.execute(text("SELECT @@max_connections")).scalar_one()
            ), 0
    return None


if __name__ == "__main__":
    main()
