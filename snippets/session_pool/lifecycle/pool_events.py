"""Pool events: watch connections being opened, lent, returned and replaced.

Three uses: a log of the events themselves, a meter of how long each
connection is held, and a leak detector that names the line of code that
checked out a connection held for too long.

Run it:  python -m snippets.session_pool.lifecycle.pool_events
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import itertools
import os
import time
import traceback
from dataclasses import dataclass, field

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

HELD_TOO_LONG = 0.1  # seconds, for the leak detector


# --8<-- [start:log]
def log_events(engine: Engine, log: list[str]) -> None:
    """Append one line per pool event, numbering the connections."""

    numbers = itertools.count(1)

    def name(record: ConnectionPoolEntry) -> str:
        if "n" not in record.info:  # info lives as long as the DBAPI connection
            record.info["n"] = next(numbers)
        return f"conn #{record.info['n']}"

    @event.listens_for(engine, "connect")
    def connect(_dbapi: object, record: ConnectionPoolEntry) -> None:
        log.append(f"connect     {name(record)}: a new DBAPI connection")

    @event.listens_for(engine, "checkout")
    def checkout(
        _dbapi: object, record: ConnectionPoolEntry, _proxy: object
    ) -> None:
        log.append(f"checkout    {name(record)}")

    @event.listens_for(engine, "checkin")
    def checkin(_dbapi: object, record: ConnectionPoolEntry) -> None:
        log.append(f"checkin     {name(record)}")

    @event.listens_for(engine, "invalidate")
    def invalidate(
        _dbapi: object, record: ConnectionPoolEntry, _error: object
    ) -> None:
        log.append(f"invalidate  {name(record)}")

    @event.listens_for(engine, "soft_invalidate")
    def soft(
        _dbapi: object, record: ConnectionPoolEntry, _error: object
    ) -> None:
        log.append(f"soft_invalidate {name(record)}")


# --8<-- [end:log]


# --8<-- [start:meter]
@dataclass
class HoldMeter:
    """How long connections stay checked out, and where the long-held ones
    came from."""

    held: list[float] = field(default_factory=list)
    out: dict[int, tuple[float, traceback.StackSummary]] = field(
        default_factory=dict
    )

    def attach(self, engine: Engine) -> None:
        @event.listens_for(engine, "checkout")
        def checkout(
            _dbapi: object, record: ConnectionPoolEntry, _proxy: object
        ) -> None:
            self.out[id(record)] = (time.monotonic(), traceback.extract_stack())

        @event.listens_for(engine, "checkin")
        def checkin(_dbapi: object, record: ConnectionPoolEntry) -> None:
            started, _ = self.out.pop(id(record), (time.monotonic(), None))
            self.held.append(time.monotonic() - started)

        @event.listens_for(engine, "detach")
        def detach(_dbapi: object, record: ConnectionPoolEntry) -> None:
            # no longer the pool's: no checkin will come
            self.out.pop(id(record), None)

    def held_too_long(self, limit: float) -> list[str]:
        """Where each connection still checked out for more than `limit` s
        came from."""
        now, found = time.monotonic(), []
        library = f"{os.sep}sqlalchemy{os.sep}"
        # a copy: other threads check out
        for started, stack in list(self.out.values()):
            if now - started > limit:
                outside = [f for f in stack[:-1] if library not in f.filename]
                # the last frame before SQLAlchemy
                caller = outside[-1] if outside else stack[0]
                where = f"{os.path.basename(caller.filename)}:{caller.lineno}"
                found.append(f"{where} in {caller.name}():\n    {caller.line}")
        return found


# --8<-- [end:meter]


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    engine = create_engine(url, pool_size=2)
    log: list[str] = []
    log_events(engine, log)
    meter = HoldMeter()
    meter.attach(engine)
    lend_and_invalidate(engine, log)
    print("pool events, in order:")
    print("".join(f"  {line}\n" for line in log), end="")
    forget_a_connection(engine, meter)
    print(
        f"checkouts measured: {len(meter.held)}, "
        f"longest held: {max(meter.held):.2f} s"
    )
    engine.dispose()


def lend_and_invalidate(engine: Engine, log: list[str]) -> None:
    """Lend a connection twice, soft-invalidate it, then invalidate the one
    that replaces it."""
    with engine.connect() as conn:  # a new connection, lent and returned
        conn.execute(text("SELECT 1"))
    with engine.connect() as conn:  # the same one again
        conn.execute(text("SELECT 1"))
        fairy: PoolProxiedConnection = conn.connection
        fairy.invalidate(soft=True)  # mark it: replaced at its next checkout
        still = conn.execute(text("SELECT 1")).scalar_one()  # still usable now
        log.append(
            f"            a query on it after soft_invalidate returned {still}"
        )
    with engine.connect() as conn:  # so this checkout opens a new one
        conn.invalidate()  # and this closes it at once


def forget_a_connection(engine: Engine, meter: HoldMeter) -> None:
    """Keep a connection checked out too long; the meter says where."""
    # --8<-- [start:leak]
    forgotten = engine.connect()  # checked out, and not given back in time
    time.sleep(HELD_TOO_LONG * 2)
    for where in meter.held_too_long(HELD_TOO_LONG):
        print(
            f"held for more than {HELD_TOO_LONG} s, checked out at:\n  {where}"
        )
    # --8<-- [end:leak]
    forgotten.close()


if __name__ == "__main__":
    main()
