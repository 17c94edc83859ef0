"""pool_pre_ping on each pool class: count the pings it really sends.

Every pool class accepts pool_pre_ping=True, but a ping tests a connection
taken from the pool, and a new connection is not tested. NullPool opens a new
connection for every checkout, so it never pings.

Run it:  python -m snippets.session_pool.pool_types.pings_per_pool_class
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import inspect
import os
import textwrap

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import (
    ConnectionPoolEntry,
    NullPool,
    Pool,
    QueuePool,
    StaticPool,
)

CHECKOUTS = 5


# --8<-- [start:count]
def count_pings_and_connects(engine: Engine) -> dict[str, int]:
    """Count the dialect's do_ping() calls (the pre-ping test) and connects."""
    counts = {"pings": 0, "connects": 0}
    do_ping = engine.dialect.do_ping

    def counting_ping(dbapi_connection: DBAPIConnection) -> bool:
        counts["pings"] += 1
        return do_ping(dbapi_connection)

    def on_connect(_dbapi: object, _record: ConnectionPoolEntry) -> None:
        counts["connects"] += 1

    # for counting in this demonstration only, not for production code
    engine.dialect.do_ping = counting_ping  # type: ignore[method-assign]
    event.listen(engine, "connect", on_connect)
    return counts


# --8<-- [end:count]


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    pool_classes: list[type[Pool]] = [QueuePool, NullPool, StaticPool]
    print(f"{CHECKOUTS} checkouts, one after the other, pool_pre_ping=True:")
    for pool_class in pool_classes:
        # --8<-- [start:engine]
        engine = create_engine(url, poolclass=pool_class, pool_pre_ping=True)
        # --8<-- [end:engine]
        counts = count_pings_and_connects(engine)
        for _ in range(CHECKOUTS):
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        engine.dispose()
        print(
            f"  {pool_class.__name__:<10} "
            f"connections opened: {counts['connects']},"
            f" pre-pings sent: {counts['pings']}"
        )
    # What the installed SQLAlchemy says of StaticPool and reconnecting:
    caveat = inspect.getdoc(StaticPool) or ""
    print("\nStaticPool's docstring, second paragraph:")
    print(
        textwrap.fill(
            caveat.split("\n\n")[1],
            width=76,
            initial_indent="  ",
            subsequent_indent="  ",
        )
    )


if __name__ == "__main__":
    main()
