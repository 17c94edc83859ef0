"""The pool events that mark a connection's first and last moments:
first_connect, close, detach and close_detached.

* first_connect: the first DBAPI connection a pool opens, once per pool.
* close: the pool closes a DBAPI connection it owns (overflow given back to
  a full pool, dispose(), invalidation, recycling).
* detach: Connection.detach() takes a DBAPI connection out of the pool.
* close_detached: that detached connection is closed.

Run it:  python -m snippets.session_pool.lifecycle.more_pool_events
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import itertools
import os
import textwrap

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry


# --8<-- [start:log]
def log_ends(engine: Engine, log: list[str]) -> None:
    """Append one line per event, numbering the DBAPI connections."""
    counter = itertools.count(1)
    numbers: dict[int, int] = {}  # id() of each open DBAPI connection: number

    @event.listens_for(engine, "first_connect")
    def first(dbapi: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        log.append("  first_connect: the pool's first connection")

    @event.listens_for(engine, "connect")
    def connect(dbapi: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        numbers[id(dbapi)] = next(counter)
        log.append(f"  connect        #{numbers[id(dbapi)]}")

    @event.listens_for(engine, "close")
    def close(dbapi: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        log.append(f"  close          #{numbers[id(dbapi)]}")

    @event.listens_for(engine, "detach")
    def detach(dbapi: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        log.append(f"  detach         #{numbers[id(dbapi)]}")

    @event.listens_for(engine, "close_detached")
    def close_detached(dbapi: DBAPIConnection) -> None:
        log.append(f"  close_detached #{numbers[id(dbapi)]}")


# --8<-- [end:log]


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    engine = create_engine(url, pool_size=1, max_overflow=1)
    log: list[str] = []
    log_ends(engine, log)

    # --8<-- [start:steps]
    log.append("two checkouts at once: one pooled, one overflow")
    first, second = engine.connect(), engine.connect()
    log.append("both given back, the overflow one last")
    first.close()
    second.close()
    log.append("a checkout, then Connection.detach()")
    detached = engine.connect()
    detached.detach()  # now outside the pool: it no longer counts
    log.append("  pool:")
    log += textwrap.wrap(
        engine.pool.status(),
        60,
        initial_indent="    ",
        subsequent_indent="    ",
    )
    log.append("the detached Connection closed")
    detached.close()
    log.append("a checkout, for the freed slot, then Connection.invalidate()")
    with engine.connect() as conn:
        conn.invalidate()
    log.append("a checkout given back, then engine.dispose()")
    with engine.connect():
        pass
    engine.dispose()
    log.append("a checkout from the new pool that dispose() made; dispose()")
    with engine.connect():
        pass
    engine.dispose()
    # --8<-- [end:steps]
    print("\n".join(log))


if __name__ == "__main__":
    main()
