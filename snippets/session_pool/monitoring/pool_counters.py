"""Read a QueuePool's four counters: at rest, with connections checked out, and in overflow.

Run it:  python -m snippets.session_pool.monitoring.pool_counters
Set DATABASE_URL to try another database, e.g. postgresql+psycopg://user:pass@127.0.0.1/db
"""

import os

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.pool import QueuePool

POOL_SIZE = 2
MAX_OVERFLOW = 3


# --8<-- [start:counters]
def pool_counters(engine: Engine) -> dict[str, int]:
    """The chapter's four counters; only QueuePool has them."""
    pool = engine.pool  # typed as Pool, which has no size(), checkedout(), ...
    if not isinstance(pool, QueuePool):
        raise TypeError(f"{type(pool).__name__} has no pool counters; use pool.status()")
    return {
        "size": pool.size(),  # pool_size: what the pool keeps open
        "checkedout": pool.checkedout(),  # lent out right now
        "overflow": pool.overflow(),  # open connections minus pool_size: starts at -pool_size
        "checkedin": pool.checkedin(),  # open and idle in the pool
    }
    # --8<-- [end:counters]


# --8<-- [start:overflow-in-use]
def overflow_in_use(counters: dict[str, int]) -> int:
    """Connections open beyond pool_size: overflow() is negative until the pool is full."""
    return max(0, counters["overflow"])
    # --8<-- [end:overflow-in-use]


def row(label: str, engine: Engine) -> str:
    c = pool_counters(engine)
    return (
        f"{label:<28}{c['size']:>5}{c['checkedout']:>12}{c['overflow']:>10}"
        f"{c['checkedin']:>11}{overflow_in_use(c):>17}"
    )


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    engine = create_engine(url, pool_size=POOL_SIZE, max_overflow=MAX_OVERFLOW)
    print(f"create_engine(url, pool_size={POOL_SIZE}, max_overflow={MAX_OVERFLOW})")
    print(
        f"{'state':<28}{'size':>5}{'checkedout':>12}{'overflow':>10}"
        f"{'checkedin':>11}{'overflow in use':>17}"
    )
    held: list[Connection] = []
    try:
        print(row("new engine, nothing opened", engine))
        # --8<-- [start:check-out]
        for n in range(1, POOL_SIZE + MAX_OVERFLOW + 1):
            conn = engine.connect()
            conn.execute(text("SELECT 1"))
            held.append(conn)  # keep it checked out
            print(row(f"{n} checked out", engine))
        # --8<-- [end:check-out]
        for conn in held:
            conn.close()
        held.clear()
        print(row("all returned", engine))
    finally:
        for conn in held:
            conn.close()
        engine.dispose()
    print(row("after engine.dispose()", engine))


if __name__ == "__main__":
    main()
