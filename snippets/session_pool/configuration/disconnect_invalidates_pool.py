"""One dead connection found: every older connection in the pool is replaced.

When SQLAlchemy detects a disconnect, by pre-ping at checkout or by a
statement that fails, it invalidates the whole pool: each pooled connection
opened before that moment is closed and opened again at its next checkout,
healthy or not. This program kills one of three idle pooled connections and
counts the new connections that follow.

Run it:
    python -m snippets.session_pool.configuration.disconnect_invalidates_pool
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import inspect
import os
import textwrap
import time

from sqlalchemy import Engine, create_engine, event, exc, text
from sqlalchemy.pool import ConnectionPoolEntry, NullPool, Pool

POOLED = 3  # connections in the pool when one of them dies
GONE_WITHIN = 5.0  # seconds to wait for the server to drop a killed connection


def count_connects(engine: Engine) -> list[int]:
    """A one-item list counting the DBAPI connections the pool opens."""
    opened = [0]

    def on_connect(_dbapi: object, _record: ConnectionPoolEntry) -> None:
        opened[0] += 1

    event.listen(engine, "connect", on_connect)
    return opened


def kill_one(url: str, engine: Engine) -> str:
    """End one idle pooled connection behind the pool's back."""
    name = engine.dialect.name
    with engine.connect() as conn:  # the most recently returned one
        dbapi_connection = conn.connection.dbapi_connection
        if name == "sqlite":
            victim, kill, listed = 0, "", ""
        elif name == "postgresql":
            victim = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
            kill = "SELECT pg_terminate_backend(:id)"
            listed = "SELECT count(*) FROM pg_stat_activity WHERE pid = :id"
        else:
            victim = conn.execute(text("SELECT CONNECTION_ID()")).scalar_one()
            kill = f"KILL {int(victim)}"
            listed = (
                "SELECT count(*) FROM information_schema.PROCESSLIST"
                " WHERE ID = :id"
            )
    # back in the pool, idle: now make it die
    if name == "sqlite":  # no server: close it under the pool
        assert dbapi_connection is not None
        dbapi_connection.close()
        return "closed behind the pool's back"
    # a connection of its own; autocommit: PostgreSQL shows pg_stat_activity
    # as of a transaction's start
    killer = create_engine(
        url, poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )
    with killer.connect() as conn:
        conn.execute(text(kill), {"id": victim})
        deadline = time.monotonic() + GONE_WITHIN
        while conn.execute(text(listed), {"id": victim}).scalar_one():
            if time.monotonic() > deadline:
                raise RuntimeError(f"connection {victim} still there")
            time.sleep(0.01)
    killer.dispose()
    if name == "postgresql":
        return "ended with pg_terminate_backend()"
    return "ended with KILL"


def fill(engine: Engine) -> None:
    """Check out POOLED connections at once, then give them all back."""
    held = [engine.connect() for _ in range(POOLED)]
    for conn in held:
        conn.execute(text("SELECT 1"))
        conn.close()


# --8<-- [start:drill]
def drill(url: str, pre_ping: bool) -> None:
    engine = create_engine(
        url,
        pool_size=POOLED,
        pool_pre_ping=pre_ping,
        # the next checkout draws the connection killed last
        pool_use_lifo=True,
    )
    opened = count_connects(engine)
    fill(engine)  # three healthy connections, idle in the pool
    how = kill_one(url, engine)  # one of them dies
    before = opened[0]
    try:
        with engine.connect() as conn:  # draws the dead one
            conn.execute(text("SELECT 1"))
        first_use = "no error"
    except exc.DBAPIError as error:
        invalidated = error.connection_invalidated
        first_use = f"{type(error).__name__}, invalidated: {invalidated}"
    fill(engine)  # use all three again
    # --8<-- [end:drill]
    print(f"pool_pre_ping={pre_ping}")
    print(f"  {POOLED} connections idle in the pool; one of them {how}")
    print(f"  first use after that: {first_use}")
    in_pool = engine.pool.checkedin()  # type: ignore[attr-defined]
    print(
        f"  new connections opened since: {opened[0] - before}"
        f" (in the pool: {in_pool})"
    )
    engine.dispose()


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    for pre_ping in (True, False):
        drill(url, pre_ping)
    # Why: what the installed SQLAlchemy does on a disconnect, from its source
    doc = inspect.getdoc(Pool._invalidate) or ""
    print("Pool._invalidate(), the method a detected disconnect calls:")
    print(textwrap.indent(doc, "  "))


if __name__ == "__main__":
    main()
