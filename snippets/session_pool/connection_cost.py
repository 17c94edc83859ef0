"""What a query costs without a pool, split in two.

The two parts: a new engine, a new connection.

The naive loop of bad_no_pooling.py pays for both. NullPool keeps one engine
and pays only for a new connection each time; the default pool pays for
neither once its connection is open.

Run it:  python -m snippets.session_pool.connection_cost
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import inspect
import os
import statistics
import time
from collections.abc import Callable

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.pool import NullPool, Pool

QUERIES = 20


def main() -> None:
    # --8<-- [start:three-ways]
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")

    def engine_per_query() -> None:
        engine = create_engine(url)
        with engine.connect() as conn:  # new engine: first connect initialises
            conn.execute(text("SELECT 1"))  # the dialect, then runs the query
        engine.dispose()

    no_pool = create_engine(url, poolclass=NullPool)  # one engine, no pool

    def new_connection() -> None:
        with no_pool.connect() as conn:  # a new DBAPI connection every time
            conn.execute(text("SELECT 1"))

    pooled = create_engine(url)  # one engine, the default pool

    def pooled_connection() -> None:
        with pooled.connect() as conn:  # the same connection, from the pool
            conn.execute(text("SELECT 1"))

    # --8<-- [end:three-ways]
    ways = {
        "engine per query": engine_per_query,
        "NullPool": new_connection,
        "QueuePool": pooled_connection,
    }
    compare(ways, pooled.dialect.name)
    if pooled.dialect.driver == "pymysql":
        tls_cost(url, pooled, new_connection)
    no_pool.dispose()
    pooled.dispose()


def compare(ways: dict[str, Callable[[], None]], database: str) -> None:
    """Run each way QUERIES times: the connections it opened, and its median
    time per query."""
    opened = 0

    def count(*_: object) -> None:
        nonlocal opened
        opened += 1

    # on the Pool class: every pool, also those of engines created later
    event.listen(Pool, "connect", count)
    connects, results = {}, {}
    for way, run_once in ways.items():
        before = opened
        results[way] = median_ms(run_once)
        connects[way] = opened - before
    event.remove(Pool, "connect", count)
    print(f"{QUERIES} queries each way, one after the other ({database}):")
    for way in results:
        print(f"  {way:<17} connections opened: {connects[way]}")
    print("median time per query, each way:")
    for way, ms in results.items():
        print(f"  {way:<17} {ms:8.2f} ms")


def tls_cost(
    url: str, pooled: Engine, new_connection: Callable[[], None]
) -> None:
    """PyMySQL only: a new connection with and without TLS."""
    plain = median_ms(new_connection)
    no_tls = create_engine(
        url, poolclass=NullPool, connect_args={"ssl_disabled": True}
    )

    def new_connection_without_tls() -> None:
        with no_tls.connect() as conn:
            conn.execute(text("SELECT 1"))

    # did PyMySQL's connection end up with TLS?
    with pooled.connect() as conn:
        status = conn.execute(text("SHOW STATUS LIKE 'Ssl_cipher'")).one()
        cipher = status[1]
    uses_tls = "yes, " + cipher if cipher else "no"
    print(f"PyMySQL connections use TLS here: {uses_tls}")
    print("PyMySQL, a new connection per query (NullPool), median time:")
    print(f"  default settings   {plain:8.2f} ms")
    without_tls = median_ms(new_connection_without_tls)
    print(f"  ssl_disabled=True  {without_tls:8.2f} ms")
    no_tls.dispose()
    print(
        "PyMySQL's Connection.__init__ when no TLS option is given "
        "(installed source):"
    )
    print(preferred_mode_source())


def median_ms(run_once: Callable[[], None], times: int = QUERIES) -> float:
    samples = []
    for _ in range(times):
        start = time.perf_counter()
        run_once()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def preferred_mode_source() -> str:
    """The branch of PyMySQL's Connection.__init__ that builds a TLS context.

    PyMySQL takes that branch by default.
    """
    import pymysql.connections  # only where the driver is PyMySQL

    lines = inspect.getsource(
        pymysql.connections.Connection.__init__
    ).splitlines()
    start = next(
        n for n, line in enumerate(lines) if "elif SSL_ENABLED" in line
    )
    end = next(
        n
        for n, line in enumerate(lines)
        if "_create_ssl_ctx" in line and n > start
    )
    return "\n".join(f"  {line.strip()}" for line in lines[start : end + 1])


if __name__ == "__main__":
    main()
