"""When the pool is exhausted: the wait of pool_timeout, the failure, and who
gets the connection when several threads wait (the pool is not a fair queue).

Run it:  python -m snippets.session_pool.limits.unfair_waits
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import os
import statistics
import textwrap
import threading
import time

from sqlalchemy import Engine, create_engine, exc, text

TIMEOUT = 0.5  # pool_timeout for the first part, in seconds
THREADS = 4
RUN_FOR = 1.0  # seconds the threads compete for the one connection
HOLD = 0.002  # seconds each checkout keeps it


def wait_then_fail(url: str) -> None:
    # --8<-- [start:timeout]
    engine = create_engine(
        url, pool_size=1, max_overflow=0, pool_timeout=TIMEOUT
    )
    with engine.connect():  # the only connection, checked out
        start = time.perf_counter()
        try:
            engine.connect()
        except exc.TimeoutError as error:
            waited = time.perf_counter() - start
            print(f"a second checkout waited {waited:.2f} s, then raised")
            print(f"  {type(error).__module__}.{type(error).__name__}:")
            print(textwrap.indent(textwrap.fill(str(error), 74), "  "))
    # --8<-- [end:timeout]
    engine.dispose()


# --8<-- [start:compete]
def compete(engine: Engine) -> dict[int, list[float]]:
    """THREADS threads loop for RUN_FOR seconds: wait for the connection,
    use it briefly, give it back, ask again. The waits of each thread."""
    waits: dict[int, list[float]] = {n: [] for n in range(THREADS)}
    stop = time.monotonic() + RUN_FOR

    def loop(n: int) -> None:
        while time.monotonic() < stop:
            asked = time.perf_counter()
            with engine.connect() as conn:
                waits[n].append(time.perf_counter() - asked)
                conn.execute(text("SELECT 1"))
                time.sleep(HOLD)

    threads = [threading.Thread(target=loop, args=(n,)) for n in waits]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return waits
    # --8<-- [end:compete]


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    wait_then_fail(url)
    engine = create_engine(url, pool_size=1, max_overflow=0, pool_timeout=30)
    try:
        waits = compete(engine)
    finally:
        engine.dispose()
    served = sorted((len(w) for w in waits.values()), reverse=True)
    total = sum(served)
    print(f"\n{THREADS} threads, one connection, {RUN_FOR:.1f} s:")
    print(f"  checkouts per thread, most to fewest: {served}")
    print(
        f"  busiest thread's share: {served[0] / total:.0%} "
        f"(an even share: {1 / THREADS:.0%})"
    )
    every_wait = [wait for w in waits.values() for wait in w]
    print(
        f"  waits: median {statistics.median(every_wait) * 1000:.2f} ms, "
        f"longest {max(every_wait) * 1000:.2f} ms"
    )


if __name__ == "__main__":
    main()
