"""psycopg's own pool behind SQLAlchemy: NullPool, creator=pool.getconn.

SQLAlchemy's recipe passes close_returns=True (psycopg_pool 3.3 or later):
then closing the connection gives it back to psycopg's pool. The program runs
three checkouts with it, and without it.

Run it:  DATABASE_URL=postgresql+psycopg://user:pass@127.0.0.1/db \\
         python -m snippets.session_pool.pool_types.psycopg_pool_creator
"""

# databases: postgresql

import os
import time
from importlib.metadata import version

import psycopg_pool
from sqlalchemy import create_engine, exc, make_url, text
from sqlalchemy.pool import NullPool

CHECKOUTS = 3
WAIT = 1.0  # psycopg_pool's own timeout for getconn(), in seconds


def libpq_conninfo(url: str) -> str:
    """The URL as libpq reads it: without SQLAlchemy's +driver."""
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def three_checkouts(url: str, close_returns: bool) -> None:
    # --8<-- [start:recipe]
    pool = psycopg_pool.ConnectionPool(
        libpq_conninfo(url),
        min_size=1,
        max_size=1,
        timeout=WAIT,
        close_returns=close_returns,
        open=True,  # psycopg_pool warns when this is left implicit
    )
    engine = create_engine(
        "postgresql+psycopg://",  # the dialect only: psycopg_pool connects
        poolclass=NullPool,  # SQLAlchemy keeps no connection
        creator=pool.getconn,
    )
    # --8<-- [end:recipe]
    sessions = []
    try:
        for _ in range(CHECKOUTS):
            start = time.perf_counter()
            try:
                with engine.connect() as conn:
                    pid = conn.execute(text("SELECT pg_backend_pid()"))
                    sessions.append(pid.scalar_one())
            except exc.OperationalError as error:  # SQLAlchemy wraps it
                waited = time.perf_counter() - start
                cause = type(error.orig)
                print(f"  checkout {len(sessions) + 1} waited {waited:.2f} s:")
                print(f"    {cause.__module__}.{cause.__name__}: {error.orig}")
                break
        stats = pool.get_stats()
    finally:
        engine.dispose()
        pool.close()
    print(
        f"  {len(sessions)} of {CHECKOUTS} checkouts served, by "
        f"{len(set(sessions))} server session(s);"
    )
    print(
        f"  psycopg_pool opened {stats.get('connections_num', 0)} connection(s)"
    )


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    if make_url(url).get_backend_name() != "postgresql":
        print("psycopg_pool connects to PostgreSQL only; set DATABASE_URL")
        return
    print(f"psycopg_pool {version('psycopg-pool')}, max_size=1")
    for close_returns in (True, False):
        print(f"close_returns={close_returns}:")
        three_checkouts(url, close_returns)


if __name__ == "__main__":
    main()
