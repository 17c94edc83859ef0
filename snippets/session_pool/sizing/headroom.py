"""A pool_size of ceil(L) is busy all the time: checkouts wait. Size it for
a target utilisation instead, and the waits fall.

Run it:  python -m snippets.session_pool.sizing.headroom
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import math
import os
import random
import threading
import time
from dataclasses import dataclass, field
from statistics import mean

from sqlalchemy import Engine, create_engine, event, text

RATE = 250  # lambda: checkouts per second
HOLD = 0.02  # W: seconds each unit of work holds its connection
DURATION = 0.3  # seconds of arrivals, the same seeded schedule for each pool
SEED = 7
WAITED = 0.001  # a checkout that took longer waited for a connection
L = RATE * HOLD  # Little's law: connections in use on average
# (target utilisation, max_overflow) for each run: pool_size = ceil(L / target)
RUNS = [(1.0, 0), (1.0, 10), (0.7, 0), (0.5, 0)]


@dataclass
class Checkouts:
    """What one run measured."""

    # (when it asked, how long it took) for each checkout
    times: list[tuple[float, float]] = field(default_factory=list)
    waited: int = 0  # checkouts that took over WAITED, none opened
    opened: int = 0  # checkouts that opened a new connection
    lock: threading.Lock = field(default_factory=threading.Lock)


def schedule() -> list[float]:
    """Arrival times: random gaps averaging 1/RATE (a Poisson process), the
    same on every run."""
    rng = random.Random(SEED)
    times, t = [], rng.expovariate(RATE)
    while t < DURATION:
        times.append(t)
        t += rng.expovariate(RATE)
    return times


# --8<-- [start:unit-of-work]
def unit_of_work(engine: Engine, seen: Checkouts, new: threading.local) -> None:
    """Check a connection out, hold it for HOLD seconds, and record how long
    the checkout took and whether it opened a new connection."""
    new.opened = False  # set by the pool's "connect" event, in this thread
    asked = time.perf_counter()
    with engine.connect() as conn:
        got = time.perf_counter()
        conn.execute(text("SELECT 1"))
        time.sleep(max(0.0, HOLD - (time.perf_counter() - got)))
    with seen.lock:
        seen.times.append((asked, got - asked))
        if new.opened:
            seen.opened += 1
        elif got - asked > WAITED:
            seen.waited += 1
    # --8<-- [end:unit-of-work]


def open_first(engine: Engine, count: int) -> None:
    """Open `count` connections at once, all checked out together, so each
    is a new one; then they go back to the pool, still open."""
    together = threading.Barrier(count)

    def hold() -> None:
        with engine.connect():
            together.wait()

    threads = [threading.Thread(target=hold) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def run(url: str, pool_size: int, max_overflow: int) -> Checkouts:
    """Replay the schedule on a pool of these settings, its pool_size
    connections opened before the clock starts: this measures waits, not
    connect times."""
    engine = create_engine(
        url, pool_size=pool_size, max_overflow=max_overflow, pool_timeout=10
    )
    seen, new = Checkouts(), threading.local()
    try:
        open_first(engine, pool_size)

        @event.listens_for(engine, "connect")
        def count(*_: object) -> None:
            new.opened = True

        threads = []
        start = time.perf_counter()
        for at in schedule():
            time.sleep(max(0.0, start + at - time.perf_counter()))
            thread = threading.Thread(
                target=unit_of_work, args=(engine, seen, new)
            )
            thread.start()
            threads.append(thread)
        for thread in threads:
            thread.join()
    finally:
        engine.dispose()
    return seen


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    arrivals = len(schedule())
    print(f"RATE = {RATE} checkouts a second, HOLD = {HOLD * 1000:.0f} ms:")
    print(f"L = RATE x HOLD = {L:.2f} in use on average")
    print(f"{arrivals} checkouts in {DURATION} s, the same schedule each run")
    for target, max_overflow in RUNS:
        # --8<-- [start:size-it]
        pool_size = math.ceil(L / target)  # busy `target` of the time
        # --8<-- [end:size-it]
        seen = run(url, pool_size, max_overflow)
        # checkout times in the order of arrival
        times = [took for _, took in sorted(seen.times)]
        first, second = times[: len(times) // 2], times[len(times) // 2 :]
        print()
        print(
            f"pool_size={pool_size} (L / {target:.1f}, rounded up),"
            f" max_overflow={max_overflow}"
        )
        print(
            f"  waited over {WAITED * 1000:.0f} ms:        "
            f"{seen.waited / arrivals:.0%} of checkouts"
        )
        print(
            f"  opened a connection:     {seen.opened / arrivals:.0%}"
            " of checkouts"
        )
        print(
            f"  mean checkout time:      {mean(first) * 1000:.2f} ms,"
            f" then {mean(second) * 1000:.2f} ms (first, second half)"
        )
        print(f"  longest checkout time:   {max(times) * 1000:.2f} ms")


if __name__ == "__main__":
    main()
