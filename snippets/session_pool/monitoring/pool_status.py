"""status() works for every pool class; the four counters exist only on
QueuePool.

Run it:  python -m snippets.session_pool.monitoring.pool_status
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import os
import textwrap

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import (
    AssertionPool,
    NullPool,
    Pool,
    QueuePool,
    SingletonThreadPool,
    StaticPool,
)

POOL_CLASSES: list[type[Pool]] = [
    QueuePool,
    NullPool,
    StaticPool,
    SingletonThreadPool,
    AssertionPool,
]
COUNTERS = ["size", "checkedout", "overflow", "checkedin"]


# --8<-- [start:call-counter]
def call_counter(engine: Engine, name: str) -> str:
    """Call a counter the way the chapter does, `engine.pool.size()`; say
    what happened."""
    try:
        # the chapter's pool.size(), pool.overflow(), ...
        value = getattr(engine.pool, name)()
    except (AttributeError, TypeError) as error:
        return f"{type(error).__name__}: {error}"
    return str(value)
    # --8<-- [end:call-counter]


def describe(url: str, poolclass: type[Pool]) -> list[str]:
    """status() and the four counters of one pool class, with one
    connection checked out."""
    engine = create_engine(url, poolclass=poolclass)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            # --8<-- [start:status]
            status = engine.pool.status()  # every pool class has it
            # --8<-- [end:status]
            lines = [f"{poolclass.__name__}", "  status():"]
            lines += textwrap.wrap(
                status, 60, initial_indent="    ", subsequent_indent="    "
            )
            for name in COUNTERS:  # lines of at most 76 characters
                said = f"{name + '():':<13} {call_counter(engine, name)}"
                lines += textwrap.wrap(
                    said, 76, initial_indent="  ", subsequent_indent=" " * 16
                )
    finally:
        engine.dispose()
    return lines


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    print("one connection checked out from each pool:")
    for poolclass in POOL_CLASSES:
        print("\n".join(describe(url, poolclass)))


if __name__ == "__main__":
    main()
