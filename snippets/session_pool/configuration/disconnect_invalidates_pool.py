"""One dead connection found: every older connection in the pool is replaced.

When SQLAlchemy detects a disconnect, by pre-ping at checkout or by a
statement that fails, it invalidates the whole pool: each pooled connection
opened before that moment is closed and opened again at its next checkout,
healthy or not. This program kills one of three idle pooled connections,
counts the new connections that follow, and prints what the pool logged.

Run it:
    python -m snippets.session_pool.configuration.disconnect_invalidates_pool
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import logging
import os
import textwrap
import time
from typing import cast

from sqlalchemy import Engine, create_engine, event, exc, text
from sqlalchemy.pool import ConnectionPoolEntry, NullPool, QueuePool

POOLED = 3  # connections in the pool when one of them dies
GONE_WITHIN = 5.0  # seconds to wait for the server to drop a killed connection


# --8<-- [start:watch]
class PoolWatch(logging.Handler):
    """Count the DBAPI connections a pool opens, numbering them (connect
    event), and keep the pool's INFO log messages, with each connection
    named by its number and the text of each error left out."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(logging.INFO)
        self.opened = 0
        self.numbers: dict[int, int] = {}  # id() of a DBAPI connection
        self.messages: list[str] = []
        event.listen(engine, "connect", self.on_connect)

    def on_connect(self, dbapi: object, _record: ConnectionPoolEntry) -> None:
        self.opened += 1
        self.numbers[id(dbapi)] = self.opened

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args if isinstance(record.args, tuple) else ()
        template = record.msg.replace("%r", "%s")  # no quotes around '#1'
        self.messages.append(template % tuple(map(self.shown, args)))

    def shown(self, arg: object) -> object:
        if isinstance(arg, BaseException):
            return "..."
        if not isinstance(arg, str) and id(arg) in self.numbers:
            return f"#{self.numbers[id(arg)]}"
        return arg

    # --8<-- [end:watch]


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
    watch = PoolWatch(engine)
    fill(engine)  # three healthy connections, idle in the pool
    how = kill_one(url, engine)  # one of them dies
    before = watch.opened
    pool_log = logging.getLogger("sqlalchemy.pool")
    pool_log.addHandler(watch)  # the pool's messages from now on
    try:
        with engine.connect() as conn:  # draws the dead one
            conn.execute(text("SELECT 1"))
        first_use = "no error"
    except exc.DBAPIError as error:
        invalidated = error.connection_invalidated
        first_use = f"{type(error).__name__}, invalidated: {invalidated}"
    fill(engine)  # use all three again
    pool_log.removeHandler(watch)
    # --8<-- [end:drill]
    print(f"pool_pre_ping={pre_ping}")
    print(f"  {POOLED} connections idle in the pool; one of them")
    print(f"  {how}")
    print(f"  first use after that: {first_use}")
    in_pool = cast(QueuePool, engine.pool).checkedin()
    print(
        f"  new connections opened since: {watch.opened - before}"
        f" (in the pool: {in_pool})"
    )
    print("  the pool's log since (sqlalchemy.pool, INFO):")
    for message in watch.messages:
        print(
            textwrap.fill(
                message, 76, initial_indent="    ", subsequent_indent="      "
            )
        )
    engine.dispose()


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    # INFO: a pool logs each invalidation and each connection it replaces
    logging.getLogger("sqlalchemy.pool").setLevel(logging.INFO)
    for pre_ping in (True, False):
        drill(url, pre_ping)


if __name__ == "__main__":
    main()
