"""What pool_pre_ping costs, timed.

pool_pre_ping runs a test at every checkout of a pooled connection.

Run it:  python -m snippets.session_pool.choosing_a_pool.pre_ping_cost
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import os
import statistics
import time

from sqlalchemy import Engine, create_engine, text

ROUNDS = 400


def time_ping_and_queries(
    engine: Engine, rounds: int = ROUNDS
) -> dict[str, list[float]]:
    """Time the pre-ping test and two kinds of SELECT 1, turn about.

    All on one connection. The raw one is the driver alone in autocommit,
    like the ping: one statement, no transaction around it. The Core one is
    what your code runs, with SQLAlchemy's work and the transaction it
    begins (and here ends) around the statement.
    """
    times: dict[str, list[float]] = {"ping": [], "raw": [], "core": []}
    dialect = engine.dialect
    with engine.connect() as conn:
        dbapi_connection = conn.connection.dbapi_connection
        assert dbapi_connection is not None
        for _ in range(rounds):
            start = time.perf_counter()
            # the dialect's test, exactly what the pool runs at checkout
            # with pool_pre_ping=True
            dialect.do_ping(dbapi_connection)
            times["ping"].append(time.perf_counter() - start)
            # autocommit, untimed: no BEGIN before the SELECT
            dialect.set_isolation_level(dbapi_connection, "AUTOCOMMIT")
            start = time.perf_counter()
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.fetchall()
            cursor.close()
            times["raw"].append(time.perf_counter() - start)
            dialect.reset_isolation_level(dbapi_connection)  # untimed
            start = time.perf_counter()
            conn.execute(text("SELECT 1")).all()
            # the pool rolls back on return: include it in Core's cost
            conn.rollback()
            times["core"].append(time.perf_counter() - start)
    return times


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    # --8<-- [start:pre-ping]
    engine = create_engine(url, pool_pre_ping=True)
    # --8<-- [end:pre-ping]
    try:
        times = time_ping_and_queries(engine)
    finally:
        engine.dispose()
    print(
        f"{engine.dialect.name} ({engine.dialect.driver}): "
        f"medians of {ROUNDS} runs each"
    )
    for label, key in (
        ("the pre-ping test, once per checkout:", "ping"),
        ("SELECT 1, driver alone, autocommit:", "raw"),
        ("SELECT 1 through a Core Connection:", "core"),
    ):
        print(f"  {label:<38}{statistics.median(times[key]) * 1e6:8.2f} µs")


if __name__ == "__main__":
    main()
