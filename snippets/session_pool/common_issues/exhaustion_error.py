"""Pool exhaustion: the real error, when a bigger pool helps,
when a Session returns its connection.

Run it:  python -m snippets.session_pool.common_issues.exhaustion_error
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import os
import textwrap
import threading
from typing import cast

from sqlalchemy import Connection, Engine, create_engine, exc, text
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool

POOL_TIMEOUT = 0.2  # seconds to wait for a free connection (the default is 30)
WORKERS = 4  # requests that really run at the same time


def checked_out(engine: Engine) -> int:
    return cast(QueuePool, engine.pool).checkedout()


# --8<-- [start:leak]
def leak_until_timeout(
    url: str, pool_size: int, max_overflow: int
) -> tuple[int, exc.TimeoutError]:
    """Check out connections and never return them.

    Return how many were served, and the error.
    """
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=POOL_TIMEOUT,
    )
    kept: list[Connection] = []
    try:
        while True:
            conn = engine.connect()
            conn.execute(text("SELECT 1"))
            kept.append(conn)  # a request that never gives its connection back
    except exc.TimeoutError as error:
        return len(kept), error
    finally:
        for conn in kept:
            conn.close()
        engine.dispose()
    # --8<-- [end:leak]


def concurrent_requests(
    url: str, pool_sizes: list[int]
) -> dict[int, list[bool]]:
    """Send WORKERS requests at the same moment to an engine per pool size.

    A request that gets a connection keeps it until every request to its
    engine has its answer (a connection or the error). True means served.
    """
    engines = {
        size: create_engine(
            url, pool_size=size, max_overflow=0, pool_timeout=POOL_TIMEOUT
        )
        for size in pool_sizes
    }
    outcomes: dict[int, list[bool]] = {size: [] for size in pool_sizes}
    start = threading.Barrier(WORKERS * len(pool_sizes))
    answered = {size: threading.Barrier(WORKERS) for size in pool_sizes}

    def request(size: int) -> None:
        start.wait()  # all workers ask for a connection at once
        try:
            with engines[size].connect() as conn:
                conn.execute(text("SELECT 1"))
                # still busy: the connection stays out
                answered[size].wait(timeout=30)
            outcomes[size].append(True)
        except exc.TimeoutError:
            answered[size].wait(timeout=30)
            outcomes[size].append(False)

    threads = [
        threading.Thread(target=request, args=(size,))
        for size in pool_sizes
        for _ in range(WORKERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for engine in engines.values():
        engine.dispose()
    return outcomes


def session_gives_back(url: str) -> list[str]:
    """The chapter's solutions, complete.

    When a Session takes and returns its connection.
    """
    # --8<-- [start:session-solutions]
    steps: list[str] = []
    engine = create_engine(
        url, pool_size=2, max_overflow=0, pool_timeout=POOL_TIMEOUT
    )
    Session = sessionmaker(bind=engine)

    with Session() as session:
        session.execute(text("SELECT 1"))
        steps.append(
            "inside `with Session()`, after a query: "
            f"checked out {checked_out(engine)}"
        )
    steps.append(
        "after the `with` block:                   "
        f"checked out {checked_out(engine)}"
    )

    session = Session()
    session.execute(text("SELECT 1"))
    steps.append(
        "session = Session(), after a query:       "
        f"checked out {checked_out(engine)}"
    )
    session.commit()  # or session.rollback(): either ends the transaction
    steps.append(
        "after session.commit():                   "
        f"checked out {checked_out(engine)}"
    )
    session.close()
    # --8<-- [end:session-solutions]
    engine.dispose()
    return steps


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")

    print(
        "1. The error: connections never returned, pool_size=2, max_overflow=1"
    )
    # --8<-- [start:catch]
    served, error = leak_until_timeout(url, pool_size=2, max_overflow=1)
    print(f"   served {served} requests, then:")
    print(f"   {type(error).__module__}.{type(error).__name__}:")
    print(textwrap.indent(textwrap.fill(str(error), 70), "     "))
    # --8<-- [end:catch]

    print("2. The same leak, a pool four times bigger:")
    print("   pool_size=8, max_overflow=4")
    served, error = leak_until_timeout(url, pool_size=8, max_overflow=4)
    first_part = str(error).split(",")[0]
    print(f"   served {served} requests, then the same error:")
    print(f"     {first_part}")

    print(
        f"3. {WORKERS} requests at the same moment, each keeping its connection"
    )
    print(f"   until all {WORKERS} have an answer")
    for pool_size, outcomes in concurrent_requests(url, [2, WORKERS]).items():
        served, timed_out = outcomes.count(True), outcomes.count(False)
        print(
            f"   pool_size={pool_size}, max_overflow=0: "
            f"served {served}, timed out {timed_out}"
        )

    print("4. A Session, in a `with` block, then with commit()")
    for step in session_gives_back(url):
        print(f"   {step}")


if __name__ == "__main__":
    main()
