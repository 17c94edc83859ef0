"""Size a pool with Little's law: connections in use = arrival rate x time
each one is held.

Run it:  python -m snippets.session_pool.best_practices.sizing
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import math
import os
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.pool import QueuePool

RATE = 250.0  # lambda: units of work arriving per second, on average
SEED = 6  # the same random arrival times on every run
DURATION = 1.2  # seconds of arrivals
# each unit of work keeps its connection this long: query + the rest of the work
HOLD = 0.02
SAMPLE_EVERY = 0.001  # seconds between two looks at pool.checkedout()
# seconds at the start that are left out of the average: the ramp-up, until
# the pool is in a steady state (several HOLDs)
WARM_UP = 0.2
# connections opened before the clock starts: measure use, not connect time
OPEN_FIRST = 10
# roomy, and nothing closed on checkin: this measures demand
POOL_SIZE, MAX_OVERFLOW = 25, 0
TARGET = 0.7  # the share of the time pool_size connections should be busy


@dataclass
class Load:
    """What one run measured."""

    arrivals: int = 0
    seconds: float = 0.0
    query_times: list[float] = field(default_factory=list)
    hold_times: list[float] = field(default_factory=list)
    samples: list[int] = field(default_factory=list)
    peak: int = 0
    opened: int = 0
    errors: list[str] = field(default_factory=list)


def unit_of_work(engine: Engine, load: Load, lock: threading.Lock) -> None:
    """One request: borrow a connection, run a query, keep the connection
    for HOLD seconds."""
    try:
        # --8<-- [start:unit-of-work]
        checkout = time.perf_counter()
        # checked out (or opened, if none is idle) here ...
        with engine.begin() as conn:
            started = time.perf_counter()
            conn.execute(text("SELECT 1"))
            query = time.perf_counter() - started
            # the rest of the request, connection still held
            time.sleep(max(0.0, HOLD - query))
        # ... and back in the pool here: that is W
        held = time.perf_counter() - checkout
        # --8<-- [end:unit-of-work]
    except Exception as error:
        # a pool timeout, say: counted and shown, not hidden
        with lock:
            load.errors.append(
                f"{type(error).__module__}.{type(error).__name__}: {error}"
            )
        return
    with lock:
        load.query_times.append(query)
        load.hold_times.append(held)


def schedule(
    rate: float = RATE, duration: float = DURATION, seed: int = SEED
) -> list[float]:
    """Arrival times: random gaps averaging 1/rate (a Poisson process), the
    same on every run."""
    rng = random.Random(seed)
    times, t = [], rng.expovariate(rate)
    while t < duration:
        times.append(t)
        t += rng.expovariate(rate)
    return times


def drive(engine: Engine, arrivals: list[float]) -> Load:
    """Start a unit of work at each arrival time and watch how many
    connections are checked out."""
    pool = cast(QueuePool, engine.pool)
    load = Load(arrivals=len(arrivals), seconds=DURATION)
    lock = threading.Lock()
    opened_first = [engine.connect() for _ in range(OPEN_FIRST)]
    for conn in opened_first:
        conn.close()  # back to the pool, still open

    def count_connect(*_: object) -> None:
        with lock:
            load.opened += 1

    event.listen(engine, "connect", count_connect)
    done = threading.Event()
    start = time.perf_counter()

    def sample() -> None:
        while not done.is_set():
            in_use = pool.checkedout()
            load.peak = max(load.peak, in_use)
            if WARM_UP <= time.perf_counter() - start < load.seconds:
                load.samples.append(in_use)
            time.sleep(SAMPLE_EVERY)

    sampler = threading.Thread(target=sample)
    sampler.start()
    with ThreadPoolExecutor(max_workers=50) as workers:
        for at in arrivals:
            time.sleep(max(0.0, start + at - time.perf_counter()))
            workers.submit(unit_of_work, engine, load, lock)
    done.set()
    sampler.join()
    return load


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    # pool_size is about five times L: no checkout should wait. pool_timeout is
    # generous, so that a machine busy with other work slows the run down
    # rather than failing it.
    engine = create_engine(
        url, pool_size=POOL_SIZE, max_overflow=MAX_OVERFLOW, pool_timeout=10
    )
    try:
        load = drive(engine, schedule())
    finally:
        engine.dispose()
    expected = littles_law(load)
    print()
    size_the_pool(load, expected)


def littles_law(load: Load) -> float:
    """Print what the run measured; return L, the connections in use on
    average by Little's law."""
    # the rate this random schedule really has
    rate = load.arrivals / load.seconds
    query = sum(load.query_times) / len(load.query_times)
    hold = sum(load.hold_times) / len(load.hold_times)
    average = sum(load.samples) / len(load.samples)
    print(
        f"arrivals: {load.arrivals} in {load.seconds:.1f} s,"
        f" lambda = {rate:.0f} per second"
    )
    print(f"average query time:      {query * 1000:7.2f} ms")
    print(
        f"average hold time W:     {hold * 1000:7.2f} ms (checkout to checkin)"
    )
    print(f"pool: pool_size={POOL_SIZE}, max_overflow={MAX_OVERFLOW}")
    print()
    # --8<-- [start:littles-law]
    expected = rate * hold  # Little's law: L = lambda x W
    # --8<-- [end:littles-law]
    print(
        f"lambda x query time = {rate * query:5.2f} connections"
        "  (counts only the query)"
    )
    print(f"L = lambda x W      = {expected:5.2f} connections  (Little's law)")
    print(
        f"measured in use:    average {average:5.2f}, peak {load.peak}"
        f" (checkedout() every {SAMPLE_EVERY * 1000:.0f} ms)"
    )
    print(
        f"connections opened: {OPEN_FIRST} before the clock started,"
        f" {load.opened} during the run;"
        f" errors: {len(load.errors)}"
    )
    for error in sorted(set(load.errors)):
        print(f"  {error}")
    return expected


def size_the_pool(load: Load, expected: float) -> None:
    # --8<-- [start:size-it]
    # busy TARGET of the time on average, not all of it
    pool_size = math.ceil(expected / TARGET)
    # bursts above it: max_overflow must cover at least this
    headroom = load.peak - pool_size
    # --8<-- [end:size-it]
    print(
        f"pool_size = ceil(L / {TARGET}) = {pool_size};"
        f" the peak of {load.peak} needs max_overflow >= {max(headroom, 0)}"
    )


if __name__ == "__main__":
    main()
