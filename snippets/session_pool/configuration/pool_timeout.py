"""pool_timeout: how long a checkout waits for a free connection; it is not
a query timeout.

Run it:  python -m snippets.session_pool.configuration.pool_timeout
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import os
import sqlite3
import textwrap
import threading
import time
from typing import cast

from sqlalchemy import Connection, Engine, create_engine, exc, text

# --8<-- [start:one-connection]
# Scaled-down stand-ins for the chapter's pool_timeout=5 (API) and
# pool_timeout=60 (batch job)
API_TIMEOUT = 0.2
BATCH_TIMEOUT = 0.8
HOLD = 0.3  # another caller keeps the only connection this long
SLOW_QUERY = 0.3  # a query that runs longer than API_TIMEOUT


def one_connection_engine(url: str, timeout: float) -> Engine:
    """A pool of exactly one connection, so a second caller has to wait."""
    return create_engine(url, pool_size=1, max_overflow=0, pool_timeout=timeout)
    # --8<-- [end:one-connection]


def wait_while_busy(
    engine: Engine, hold: float
) -> tuple[float, exc.TimeoutError | None]:
    """Another thread holds the only connection for `hold` s; time our
    checkout meanwhile."""
    taken = threading.Event()

    def other_caller() -> None:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            taken.set()
            time.sleep(hold)

    thread = threading.Thread(target=other_caller)
    thread.start()
    taken.wait()
    start = time.perf_counter()
    error = None
    # --8<-- [start:checkout]
    try:
        # waits up to pool_timeout for a free connection
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except exc.TimeoutError as refused:  # sqlalchemy.exc.TimeoutError
        error = refused
    # --8<-- [end:checkout]
    waited = time.perf_counter() - start
    thread.join()
    return waited, error


def which_except_catches(engine: Engine) -> str:
    """Try the builtin TimeoutError first, then SQLAlchemy's, on a refused
    checkout."""
    with engine.connect():  # hold the only connection
        # --8<-- [start:which-except]
        try:
            try:
                engine.connect().close()
            except TimeoutError:  # the builtin TimeoutError: does not match
                return "except TimeoutError"
        except exc.TimeoutError:
            return "except sqlalchemy.exc.TimeoutError"
        # --8<-- [end:which-except]
    return "nothing: the checkout succeeded"


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    # --8<-- [start:two-timeouts]
    # API - fail fast
    api = one_connection_engine(url, timeout=API_TIMEOUT)
    # Batch job - wait longer
    batch = one_connection_engine(url, timeout=BATCH_TIMEOUT)
    # --8<-- [end:two-timeouts]
    print(f"Another caller holds the pool's only connection for {HOLD} s.")
    report_wait("API", api, API_TIMEOUT)
    report_wait("batch job", batch, BATCH_TIMEOUT)
    print(f"A refused checkout is caught by: {which_except_catches(api)}")
    slow_query(api)
    api.dispose()
    batch.dispose()


def report_wait(label: str, engine: Engine, seconds: float) -> None:
    """How long a checkout waited while another caller held the only
    connection, and what it raised if it gave up."""
    waited, error = wait_while_busy(engine, HOLD)
    timeout = f"pool_timeout={seconds}"
    if error is None:
        print(f"{label}, {timeout}: got a connection after {waited:.2f} s")
        return
    print(f"{label}, {timeout}: gave up after {waited:.2f} s")
    print(f"  {type(error).__module__}.{type(error).__name__}:")
    print(textwrap.indent(textwrap.fill(str(error), 72), "    "))
    builtin = isinstance(error, TimeoutError)
    print(
        "  isinstance(error, TimeoutError), the builtin TimeoutError: "
        f"{builtin}"
    )
    bases = " -> ".join(
        f"{c.__module__}.{c.__name__}" for c in type(error).__mro__[:-1]
    )
    print("  its classes:")
    print(
        textwrap.fill(
            bases, 76, initial_indent="    ", subsequent_indent="    "
        )
    )


def slow_query(api: Engine) -> None:
    """A query that runs longer than the engine's pool_timeout."""
    start = time.perf_counter()
    with api.connect() as conn:
        sleep_on_server(conn, SLOW_QUERY)
    elapsed = time.perf_counter() - start
    print(
        f"A {SLOW_QUERY} s query on the pool_timeout={API_TIMEOUT} engine "
        f"finished normally in {elapsed:.2f} s"
    )
    outlived = elapsed > API_TIMEOUT
    print(f"  it ran longer than pool_timeout, without an error: {outlived}")


def sleep_on_server(conn: Connection, seconds: float) -> None:
    """Run a query that takes `seconds`."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_sleep(:s)"), {"s": seconds})
    elif conn.dialect.name in {"mysql", "mariadb"}:
        conn.execute(text("SELECT SLEEP(:s)"), {"s": seconds})
    else:  # SQLite has no sleep function: give this connection one
        driver = conn.connection.driver_connection
        sqlite_connection = cast(sqlite3.Connection, driver)
        sqlite_connection.create_function("sleep", 1, time.sleep)
        conn.execute(text("SELECT sleep(:s)"), {"s": seconds})


if __name__ == "__main__":
    main()
