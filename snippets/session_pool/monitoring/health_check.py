"""Log pool events with the logging module, and read pool health from any
pool class.

Run it:  python -m snippets.session_pool.monitoring.health_check
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import contextlib
import io
import logging
import os
import pprint
import sys
import textwrap
import time

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool, QueuePool, StaticPool

RECYCLE_SECONDS = 1


# --8<-- [start:check-pool-health]
def check_pool_health(engine: Engine) -> dict[str, int | str]:
    """Pool statistics for any pool class: status() always, the counters
    where they exist."""
    pool = engine.pool
    health: dict[str, int | str] = {
        "pool": type(pool).__name__,
        "status": pool.status(),
    }
    # only QueuePool has size(), checkedout(), ...
    if isinstance(pool, QueuePool):
        health |= {
            "size": pool.size(),
            "checked_out": pool.checkedout(),
            "overflow": pool.overflow(),  # negative until the pool is full
            "overflow_in_use": max(0, pool.overflow()),
            "checked_in": pool.checkedin(),
        }
    return health
    # --8<-- [end:check-pool-health]


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    engine = create_engine(url)
    # an engine of its own: no other checkout can find a connection that old
    recycling = create_engine(url, pool_recycle=RECYCLE_SECONDS)
    try:
        info_without_a_handler(engine)
        info_with_a_handler(engine, recycling)
        debug_one_checkout(engine)
        health_of_three_pools(url, engine)
    finally:
        engine.dispose()
        recycling.dispose()


def info_without_a_handler(engine: Engine) -> None:
    # --8<-- [start:level-alone]
    # the chapter's line alone
    logging.getLogger("sqlalchemy.pool").setLevel(logging.INFO)
    # --8<-- [end:level-alone]
    print("1. level INFO, no handler configured:")
    print(
        f"   a connection was invalidated; lines logged: "
        f"{lines_written_without_handler(engine)}"
    )


class Wrapped(logging.Formatter):
    """A format, in lines of at most 76 characters: the site's width."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        return textwrap.fill(line, 76, subsequent_indent="  ")


def info_with_a_handler(engine: Engine, recycling: Engine) -> None:
    print("2. level INFO, with a handler: invalidations and recycles")
    # --8<-- [start:logging-setup]
    logging.basicConfig(  # a handler; without one nothing is printed
        # the default is stderr; stdout so this page can show it
        stream=sys.stdout,
        format="%(levelname)s %(name)s %(message)s",
    )
    # invalidations, recycles
    logging.getLogger("sqlalchemy.pool").setLevel(logging.INFO)
    # --8<-- [end:logging-setup]
    for handler in logging.getLogger().handlers:  # the same lines, wrapped
        handler.setFormatter(Wrapped("%(levelname)s %(name)s %(message)s"))
    invalidate_one(engine)
    recycle_one(recycling)


def debug_one_checkout(engine: Engine) -> None:
    print("3. level DEBUG, one checkout and checkin:")
    with engine.connect():  # a pooled connection, opened before DEBUG
        pass
    # --8<-- [start:debug]
    logging.getLogger("sqlalchemy.pool").setLevel(logging.DEBUG)
    # --8<-- [end:debug]
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    # quiet again
    logging.getLogger("sqlalchemy.pool").setLevel(logging.WARNING)


def health_of_three_pools(url: str, engine: Engine) -> None:
    print(
        "4. check_pool_health(), one connection checked out,"
        " for three pool classes:"
    )
    others = [
        create_engine(url, poolclass=StaticPool),
        create_engine(url, poolclass=NullPool),
    ]
    try:
        for each in [engine, *others]:
            with each.connect() as conn:
                conn.execute(text("SELECT 1"))
                health = pprint.pformat(check_pool_health(each), width=72)
                print(textwrap.indent(health, "   "))
    finally:
        for other in others:
            other.dispose()


def invalidate_one(engine: Engine) -> None:
    """Check out a connection and invalidate it: an event the pool logs at
    INFO."""
    with engine.connect() as conn:
        # what SQLAlchemy does itself after a disconnect error
        conn.invalidate()


def recycle_one(engine: Engine) -> None:
    """Let a pooled connection grow older than pool_recycle, then check it
    out: INFO again."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    time.sleep(RECYCLE_SECONDS + 0.1)
    # the pool closes the old connection and opens a new one
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def lines_written_without_handler(engine: Engine) -> int:
    """Invalidate a connection and count what reached stdout or stderr
    meanwhile."""
    captured = io.StringIO()
    with (
        contextlib.redirect_stdout(captured),
        contextlib.redirect_stderr(captured),
    ):
        invalidate_one(engine)
    return len(captured.getvalue().splitlines())


if __name__ == "__main__":
    main()
