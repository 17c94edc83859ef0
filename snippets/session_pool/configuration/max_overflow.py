"""max_overflow: extra connections beyond pool_size, closed on return.

The sum of pool_size and max_overflow is a per-engine cap.

Run it:  python -m snippets.session_pool.configuration.max_overflow
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import os
import textwrap
import time
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Connection, Engine, create_engine, event, exc, text
from sqlalchemy.pool import QueuePool

# pool_timeout for this demo, so that hitting the cap fails fast
# instead of after 30 s
WAIT = 0.2
UNLIMITED_CHECKOUTS = 20  # more than 5 + 10: max_overflow=-1 has no cap
GUARD = 50  # never try more checkouts than this


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


def check_out_until_refused(
    engine: Engine,
) -> tuple[list[Connection], exc.TimeoutError, float]:
    """Check out connections, keeping them all, until the pool refuses one."""
    held: list[Connection] = []
    while len(held) < GUARD:
        start = time.perf_counter()
        try:
            conn = engine.connect()
        except exc.TimeoutError as error:
            return held, error, time.perf_counter() - start
        conn.execute(text("SELECT 1"))
        held.append(conn)
    raise RuntimeError(
        f"the pool gave out {GUARD} connections without refusing one"
    )


def report(
    label: str, engine: Engine, url: str, show_other_engine: bool
) -> None:
    pool = cast(QueuePool, engine.pool)
    tally = count_connections(engine)
    print(f"{label}:")
    held, error, waited = check_out_until_refused(engine)
    print(
        f"  checked out {len(held)} at once: opened {tally.opened}, "
        f"overflow() {pool.overflow()}, checkedout() {pool.checkedout()}"
    )
    print(f"  checkout {len(held) + 1} waited {waited:.2f} s, then raised")
    print(f"    {type(error).__module__}.{type(error).__name__}:")
    print(textwrap.indent(textwrap.fill(str(error), 70), "      "))
    if show_other_engine:
        # a second engine, as in a second worker process
        other = create_engine(url)
        start = time.perf_counter()
        with other.connect() as conn:  # while this pool is exhausted
            conn.execute(text("SELECT 1"))
            other_status = other.pool.status()
        connected_in = time.perf_counter() - start
        other.dispose()
        print(
            "  meanwhile a second engine for the same database "
            f"connected in {connected_in:.2f} s;"
        )
        print("  its pool:")
        print(textwrap.indent(textwrap.fill(other_status, 60), "    "))
    for conn in held:
        conn.close()
    print(
        f"  all {len(held)} returned: "
        f"kept {pool.checkedin()} idle in the pool, closed {tally.closed}"
    )
    engine.dispose()


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    # --8<-- [start:two-limits]
    # At most 5 kept + 10 temporary = 15 connections
    # (per engine, so per process)
    elastic = create_engine(
        url, pool_size=5, max_overflow=10, pool_timeout=WAIT
    )
    # No overflow - strict limit of 10
    strict = create_engine(url, pool_size=10, max_overflow=0, pool_timeout=WAIT)
    # --8<-- [end:two-limits]
    print(
        f"pool_timeout={WAIT} in this demo, "
        "so the checkout beyond the cap fails fast.\n"
    )
    report("pool_size=5, max_overflow=10", elastic, url, show_other_engine=True)
    print()
    report("pool_size=10, max_overflow=0", strict, url, show_other_engine=False)
    print()
    # --8<-- [start:no-limit]
    unlimited = create_engine(url, pool_size=2, max_overflow=-1)
    # no TimeoutError
    held = [unlimited.connect() for _ in range(UNLIMITED_CHECKOUTS)]
    # --8<-- [end:no-limit]
    pool = cast(QueuePool, unlimited.pool)
    print(
        f"pool_size=2, max_overflow=-1: {len(held)} checked out at once "
        "without waiting"
    )
    print(f"  checkedout() {pool.checkedout()}, overflow() {pool.overflow()}")
    for conn in held:
        conn.close()
    print(f"  all returned: kept {pool.checkedin()} idle in the pool")
    unlimited.dispose()


if __name__ == "__main__":
    main()
