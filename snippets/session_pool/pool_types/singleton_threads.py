"""SingletonThreadPool with more threads than its pool_size: it closes
other threads' connections, and with them their in-memory databases.

Run it:  python -m snippets.session_pool.pool_types.singleton_threads
It uses its own in-memory databases, whatever DATABASE_URL says.
"""

# databases: sqlite

import logging
import textwrap
import threading
from collections import Counter
from typing import cast

from sqlalchemy import Connection, Engine, create_engine, exc, text
from sqlalchemy.pool import SingletonThreadPool

THREADS = 8
URLS = ("sqlite://", "sqlite:///:memory:", "sqlite:///pooling_guide.db")


class PoolLog(logging.Handler):
    """Counts the errors the pool logs, e.g. when a close fails."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.errors: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        what = record.getMessage().split(" <")[0]
        if record.exc_info and record.exc_info[1]:
            error = record.exc_info[1]
            first = str(error).split(". ")[0]
            kind = f"{type(error).__module__}.{type(error).__name__}"
            what += f": {kind}: {first}"
        self.errors[what] += 1


# --8<-- [start:threads]
def own_tables(engine: Engine) -> Counter[str]:
    """THREADS threads each keep a connection, create a table in it, and
    query that table once every thread has created its own."""
    one_at_a_time = threading.Lock()
    all_created = threading.Barrier(THREADS)
    outcomes: Counter[str] = Counter()

    def worker(number: int) -> None:
        with one_at_a_time:  # checkouts one by one: the pool's count is exact
            conn: Connection = engine.connect()
            conn.execute(text(f"CREATE TABLE t{number} (n INTEGER)"))
        with conn:
            all_created.wait()
            try:
                conn.execute(text(f"SELECT count(*) FROM t{number}"))
                outcomes["found its table"] += 1
            except exc.DBAPIError as error:
                orig = error.orig
                kind = f"{type(orig).__module__}.{type(orig).__name__}"
                outcomes[f"{kind}: {orig}"] += 1

    threads = [
        threading.Thread(target=worker, args=(n,)) for n in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
    # --8<-- [end:threads]


def say(what: str) -> None:
    """Print `what` indented, in lines of at most 76 characters."""
    print(
        textwrap.fill(
            what, 76, initial_indent="    ", subsequent_indent="      "
        )
    )


def run(title: str, engine: Engine) -> None:
    log = PoolLog()
    logging.getLogger("sqlalchemy.pool").addHandler(log)
    try:
        print(title)
        for what, threads in sorted(own_tables(engine).items()):
            print(f"  {threads} of {THREADS} threads:")
            say(what)
        for what, times in log.errors.items():
            print(f"  the pool logged {times} x:")
            say(what)
    finally:
        engine.dispose()  # its failed closes go to the handler too
        logging.getLogger("sqlalchemy.pool").removeHandler(log)


def main() -> None:
    print("The pool each SQLite URL gets:")
    for url in URLS:
        engine = create_engine(url)
        print(f"  {url:<28} {type(engine.pool).__name__}")
        engine.dispose()
    engine = create_engine("sqlite://")
    size = cast(SingletonThreadPool, engine.pool).size
    print()
    run(f"{THREADS} threads, sqlite://, pool_size {size}:", engine)
    print()
    # --8<-- [start:same-thread-off]
    engine = create_engine(
        "sqlite://", connect_args={"check_same_thread": False}
    )
    # --8<-- [end:same-thread-off]
    run(f"{THREADS} threads, sqlite://, check_same_thread=False:", engine)


if __name__ == "__main__":
    main()
