"""What pool_pre_ping costs: every checkout of a pooled connection first tests it.

Run it:  python -m snippets.session_pool.choosing_a_pool.pre_ping
Set DATABASE_URL to try another database, e.g. postgresql+psycopg://user:pass@127.0.0.1/db
"""

import os
import statistics
import time

from sqlalchemy import Engine, create_engine, text

ROUNDS = 400


def one_checkout(engine: Engine) -> float:
    """Seconds for one checkout + SELECT 1 + return."""
    start = time.perf_counter()
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return time.perf_counter() - start


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    # --8<-- [start:pre-ping]
    engine = create_engine(url, pool_pre_ping=True)
    # --8<-- [end:pre-ping]
    plain = create_engine(url)  # the default: pool_pre_ping=False
    one_checkout(engine)  # open each pool's connection first: every timed checkout reuses it
    one_checkout(plain)
    with_ping, without, extra = [], [], []
    for round_number in range(ROUNDS):
        # one checkout from each engine per round, in alternating order, so that both see the
        # same machine load; the difference within a round is the ping's cost
        if round_number % 2:
            pinged, unpinged = one_checkout(engine), one_checkout(plain)
        else:
            unpinged, pinged = one_checkout(plain), one_checkout(engine)
        with_ping.append(pinged)
        without.append(unpinged)
        extra.append(pinged - unpinged)
    print(f"{engine.dialect.name}: medians of {ROUNDS} checkouts per engine, each running SELECT 1")
    print(f"  pool_pre_ping=False: {statistics.median(without) * 1e6:7.1f} µs")
    print(f"  pool_pre_ping=True:  {statistics.median(with_ping) * 1e6:7.1f} µs")
    print(f"  the ping's cost, median of the differences: {statistics.median(extra) * 1e6:+.1f} µs")
    engine.dispose()
    plain.dispose()


if __name__ == "__main__":
    main()
