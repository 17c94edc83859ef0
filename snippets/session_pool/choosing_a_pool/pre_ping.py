"""What pool_pre_ping costs: the test it runs at every checkout of a pooled connection, timed.

Run it:  python -m snippets.session_pool.choosing_a_pool.pre_ping
Set DATABASE_URL to try another database, e.g. postgresql+psycopg://user:pass@127.0.0.1/db
"""

import os
import statistics
import time

from sqlalchemy import Engine, create_engine, text

ROUNDS = 400


def time_ping_and_query(engine: Engine, rounds: int = ROUNDS) -> tuple[list[float], list[float]]:
    """Time the pre-ping test and a SELECT 1, turn about, on one pooled connection (seconds)."""
    pings: list[float] = []
    queries: list[float] = []
    with engine.connect() as conn:
        dbapi_connection = conn.connection.dbapi_connection
        assert dbapi_connection is not None
        for _ in range(rounds):
            start = time.perf_counter()
            # the dialect's test, exactly what the pool runs at checkout with pool_pre_ping=True
            engine.dialect.do_ping(dbapi_connection)
            pings.append(time.perf_counter() - start)
            start = time.perf_counter()
            conn.execute(text("SELECT 1"))
            queries.append(time.perf_counter() - start)
            # the pool tests a connection with no transaction open (it rolls back on return);
            # end the one SELECT 1 began, so that every test runs in that same state
            conn.rollback()
    return pings, queries


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    # --8<-- [start:pre-ping]
    engine = create_engine(url, pool_pre_ping=True)
    # --8<-- [end:pre-ping]
    try:
        pings, queries = time_ping_and_query(engine)
    finally:
        engine.dispose()
    print(f"{engine.dialect.name} ({engine.dialect.driver}): medians of {ROUNDS} runs each")
    print(f"  the pre-ping test, once per checkout: {statistics.median(pings) * 1e6:7.2f} µs")
    print(f"  a SELECT 1, for comparison:           {statistics.median(queries) * 1e6:7.2f} µs")


if __name__ == "__main__":
    main()
