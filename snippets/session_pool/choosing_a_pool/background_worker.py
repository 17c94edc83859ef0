"""A pool for a background worker (Celery, RQ): sized for the worker's
concurrency, per process.

Run it:  python -m snippets.session_pool.choosing_a_pool.background_worker
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import cast

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.pool import QueuePool

CONCURRENCY = 8  # tasks the worker runs at the same time (its threads)
TASKS = 40


# --8<-- [start:worker-engine]
POOL_SIZE = 5  # connections kept open between tasks
MAX_OVERFLOW = 5  # up to 10 at once


def worker_engine(url: str) -> Engine:
    return create_engine(
        url,
        pool_size=POOL_SIZE,
        max_overflow=MAX_OVERFLOW,
        pool_timeout=30,  # a task may wait up to 30 s for a free connection
        pool_recycle=1800,  # replace connections older than 30 min, at checkout
        pool_pre_ping=True,  # test a pooled connection before handing it out
    )
    # --8<-- [end:worker-engine]


def run_tasks(engine: Engine) -> tuple[int, int]:
    """Run TASKS tasks on CONCURRENCY threads; return (connections opened,
    peak checked out)."""
    pool = cast(QueuePool, engine.pool)
    opened = peak = 0
    lock = threading.Lock()

    def count_connect(*_: object) -> None:
        nonlocal opened
        with lock:
            opened += 1

    def note_peak() -> None:  # run once a whole wave holds its connections
        nonlocal peak
        peak = max(peak, pool.checkedout())

    # Tasks run in waves of CONCURRENCY that surely overlap: each keeps its
    # connection until its whole wave has one, and the next wave starts once
    # all of them are back in the pool.
    holding = threading.Barrier(CONCURRENCY, action=note_peak)
    returned = threading.Barrier(CONCURRENCY)

    def task(number: int) -> None:
        with engine.begin() as conn:  # one transaction per task
            conn.execute(text("SELECT 1"))
            holding.wait(timeout=30)  # the task's work, beside the others
        returned.wait(timeout=30)

    event.listen(engine, "connect", count_connect)
    with ThreadPoolExecutor(max_workers=CONCURRENCY) as executor:
        list(executor.map(task, range(TASKS)))
    return opened, peak


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    engine = worker_engine(url)
    pool = cast(QueuePool, engine.pool)
    limit = POOL_SIZE + MAX_OVERFLOW
    try:
        opened, peak = run_tasks(engine)
        print(f"{TASKS} tasks, {CONCURRENCY} at a time, in ONE worker process:")
        print(
            f"  connections opened: {opened}, peak checked out: {peak} "
            f"(pool_size + max_overflow = {limit})"
        )
        print(f"  kept open for the next tasks: {pool.checkedin()}")
    finally:
        engine.dispose()
    for processes in (1, 4, 16):
        print(
            f"  {processes:2} such worker process(es): "
            f"up to {processes * limit} connections"
        )


if __name__ == "__main__":
    main()
