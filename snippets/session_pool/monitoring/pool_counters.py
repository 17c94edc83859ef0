"""Read a QueuePool's four counters.

At rest, with connections checked out, and in overflow.

Run it:  python -m snippets.session_pool.monitoring.pool_counters
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import inspect
import os

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.pool import ConnectionPoolEntry, QueuePool

POOL_SIZE = 2
MAX_OVERFLOW = 3


# --8<-- [start:counters]
def pool_counters(engine: Engine) -> dict[str, int]:
    """The chapter's four counters; only QueuePool has them."""
    pool = engine.pool  # typed as Pool, which has no size(), checkedout(), ...
    if not isinstance(pool, QueuePool):
        raise TypeError(
            f"{type(pool).__name__} has no pool counters; use pool.status()"
        )
    return {
        "size": pool.size(),  # pool_size: what the pool keeps open
        "checkedout": pool.checkedout(),  # lent out right now
        # open connections minus pool_size: starts at -pool_size
        "overflow": pool.overflow(),
        "checkedin": pool.checkedin(),  # open and idle in the pool
    }
    # --8<-- [end:counters]


# --8<-- [start:overflow-in-use]
def overflow_in_use(counters: dict[str, int]) -> int:
    """Connections open beyond pool_size.

    overflow() is negative until the pool is full.
    """
    return max(0, counters["overflow"])
    # --8<-- [end:overflow-in-use]


# --8<-- [start:really-open]
def count_open_connections(engine: Engine) -> list[int]:
    """DBAPI connections really open: +1 at each connect, -1 at each close."""
    open_now = [0]

    def opened(_dbapi: object, _record: ConnectionPoolEntry) -> None:
        open_now[0] += 1

    def closed(_dbapi: object, _record: object) -> None:
        open_now[0] -= 1

    def closed_detached(_dbapi: object) -> None:
        # a detach()ed one: no pool record
        open_now[0] -= 1

    event.listen(engine, "connect", opened)
    event.listen(engine, "close", closed)
    event.listen(engine, "close_detached", closed_detached)
    return open_now
    # --8<-- [end:really-open]


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    engine = create_engine(url, pool_size=POOL_SIZE, max_overflow=MAX_OVERFLOW)
    open_now = count_open_connections(engine)
    print(
        f"create_engine(url, pool_size={POOL_SIZE}, "
        f"max_overflow={MAX_OVERFLOW})"
    )
    print(
        f"{'state':<28}{'size':>4}{'checkedout':>11}{'overflow':>9}"
        f"{'checkedin':>10}{'in use':>9}{'open':>6}"
    )
    try:
        print(row("new engine, nothing opened", engine, open_now))
        check_out_to_the_limit(engine, open_now)
        invalidate_one(engine, open_now)
    finally:
        engine.dispose()
    print(row("after engine.dispose()", engine, open_now))
    print_counter_sources()


def check_out_to_the_limit(engine: Engine, open_now: list[int]) -> None:
    """Check out and keep connections up to pool_size + max_overflow, then
    return them all."""
    held: list[Connection] = []
    try:
        # --8<-- [start:check-out]
        for n in range(1, POOL_SIZE + MAX_OVERFLOW + 1):
            conn = engine.connect()
            conn.execute(text("SELECT 1"))
            held.append(conn)  # keep it checked out
            print(row(f"{n} checked out", engine, open_now))
        # --8<-- [end:check-out]
    finally:
        for conn in held:
            conn.close()
    print(row("all returned", engine, open_now))


def invalidate_one(engine: Engine, open_now: list[int]) -> None:
    """Invalidate a connection, then give it back."""
    # --8<-- [start:invalidate]
    with engine.connect() as conn:
        conn.invalidate()  # closes its DBAPI connection; the slot stays
    # --8<-- [end:invalidate]
    print(row("one invalidated, returned", engine, open_now))


def print_counter_sources() -> None:
    print(
        "\nin use: overflow connections in use; open: DBAPI connections open,"
    )
    print("counted with the connect and close events. QueuePool's counters,")
    print("from the installed source:")
    for method in ("size", "checkedin", "overflow", "checkedout"):
        print(f"  {method}():")
        print(f"    {return_line(method)}")


def row(label: str, engine: Engine, open_now: list[int]) -> str:
    c = pool_counters(engine)
    return (
        f"{label:<28}{c['size']:>4}{c['checkedout']:>11}{c['overflow']:>9}"
        f"{c['checkedin']:>10}{overflow_in_use(c):>9}{open_now[0]:>6}"
    )


def return_line(method: str) -> str:
    """The return statement of a QueuePool method, from the installed source."""
    source = inspect.getsource(getattr(QueuePool, method))
    return next(ln.strip() for ln in source.splitlines() if "return" in ln)


if __name__ == "__main__":
    main()
