"""pool_size: the pool starts empty and keeps at most pool_size idle
connections for reuse.

Run it:  python -m snippets.session_pool.configuration.pool_size
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import os
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.pool import QueuePool

AT_ONCE = 6  # connections each burst of work needs at the same time
BURSTS = 3


@dataclass
class Tally:
    """Real DBAPI connections opened and closed, counted with pool events."""

    opened: int = 0
    closed: int = 0


def count_connections(engine: Engine) -> Tally:
    tally = Tally()

    def on_connect(*_: object) -> None:
        tally.opened += 1

    def on_close(*_: object) -> None:
        tally.closed += 1

    event.listen(engine, "connect", on_connect)
    event.listen(engine, "close", on_close)
    return tally


# --8<-- [start:burst]
def burst(engine: Engine, at_once: int) -> None:
    """Use `at_once` connections at the same time, then return them all to
    the pool."""
    held = [engine.connect() for _ in range(at_once)]
    for conn in held:
        conn.execute(text("SELECT 1"))
    for conn in held:
        # back to the pool: kept open, or closed if the pool is full
        conn.close()


# --8<-- [end:burst]


def idle(engine: Engine) -> int:
    """Connections open and waiting in the pool."""
    pool = cast(QueuePool, engine.pool)
    return pool.checkedin()


def report(label: str, engine: Engine) -> None:
    tally = count_connections(engine)
    print(f"{label}:")
    print(
        f"  new engine:    opened {tally.opened}, "
        f"idle in the pool {idle(engine)}"
    )
    for number in range(1, BURSTS + 1):
        burst(engine, AT_ONCE)
        print(
            f"  after burst {number}: opened {tally.opened:>2}, "
            f"closed {tally.closed:>2}, "
            f"idle in the pool {idle(engine)}"
        )
    engine.dispose()


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    print(
        f"Each burst uses {AT_ONCE} connections at the same time, "
        "then returns them.\n"
    )
    # --8<-- [start:two-sizes]
    # Light load - small pool: at most 2 connections are kept for reuse
    light = create_engine(url, pool_size=2)
    # Heavy load - larger pool: up to 20 are kept, but only as many as were
    # needed
    heavy = create_engine(url, pool_size=20)
    # --8<-- [end:two-sizes]
    report("pool_size=2 (light load)", light)
    print()
    report("pool_size=20 (heavy load)", heavy)


if __name__ == "__main__":
    main()
