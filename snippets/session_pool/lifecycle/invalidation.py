"""Invalidation without a disconnect error: a reset that fails, and a
checkout listener that refuses a connection.

* When the reset on return raises, the pool logs the error and invalidates
  the connection instead of pooling it.
* When a checkout listener raises DisconnectionError, the pool closes that
  connection, opens a new one and calls the listener again; after the
  second refusal it gives up.

Run it:  python -m snippets.session_pool.lifecycle.invalidation
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import logging
import os
import re
import textwrap
import time
from typing import cast

from sqlalchemy import Engine, create_engine, event, exc, text
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import (
    ConnectionPoolEntry,
    NullPool,
    PoolProxiedConnection,
    PoolResetState,
)

PEP249 = ("InterfaceError", "OperationalError", "ProgrammingError")
GONE_WITHIN = 5.0  # seconds to wait for the server to drop a killed connection


class PoolMessages(logging.Handler):
    """Print the pool's INFO and ERROR messages, without the reason (the
    driver's wording varies) and with connection objects shortened."""

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().split(" (reason:")[0]
        if message.startswith("Pool "):  # dispose() at the end of a drill
            return
        message = re.sub(r"<[^<>]*>", "<connection>", message)
        said = f"pool log, {record.levelname}: {message}"
        print(
            textwrap.fill(
                said, 76, initial_indent="    ", subsequent_indent="      "
            )
        )


def watch(engine: Engine) -> None:
    """Print the connect and invalidate events."""

    @event.listens_for(engine, "connect")
    def connect(_dbapi: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        print("    connect: a new DBAPI connection")

    @event.listens_for(engine, "invalidate")
    def invalidate(
        _dbapi: DBAPIConnection,
        _record: ConnectionPoolEntry,
        error: BaseException | None,
    ) -> None:
        if error is None:
            print("    invalidate, with no exception")
            return
        # a driver's error by its PEP 249 class: subclasses vary with timing
        kind = next(
            (c.__name__ for c in type(error).__mro__ if c.__name__ in PEP249),
            type(error).__name__,
        )
        print(f"    invalidate, because of {kind}")


# --8<-- [start:failing-reset]
def failing_reset(url: str) -> None:
    engine = create_engine(url, pool_size=1)
    watch(engine)
    failed = False

    @event.listens_for(engine, "reset")
    def reset(
        _dbapi: DBAPIConnection,
        _record: ConnectionPoolEntry,
        _state: PoolResetState,
    ) -> None:
        nonlocal failed
        if not failed:  # fail the first reset only
            failed = True
            raise RuntimeError("the reset failed")

    print("a reset listener that raises:")
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    print("  the next checkout:")
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    engine.dispose()


# --8<-- [end:failing-reset]


def end_session(url: str, victim: object) -> None:
    """End a server session from a connection of our own."""
    if url.startswith("postgresql"):
        kill = "SELECT pg_terminate_backend(:id)"
        listed = "SELECT count(*) FROM pg_stat_activity WHERE pid = :id"
    else:
        kill = f"KILL {int(str(victim))}"
        listed = (
            "SELECT count(*) FROM information_schema.PROCESSLIST WHERE ID = :id"
        )
    # autocommit: PostgreSQL shows pg_stat_activity as of a transaction's start
    killer = create_engine(
        url, poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )
    with killer.connect() as other:
        other.execute(text(kill), {"id": victim})
        deadline = time.monotonic() + GONE_WITHIN
        while other.execute(text(listed), {"id": victim}).scalar_one():
            if time.monotonic() > deadline:
                raise RuntimeError(f"session {victim} still there")
            time.sleep(0.01)
    killer.dispose()


def killed_while_out(url: str) -> None:
    """The session ends while the connection is checked out, after its
    transaction ended: only the reset on return can notice."""
    engine = create_engine(url, pool_size=1)
    watch(engine)
    print("a connection whose session ended while it was checked out:")
    with engine.connect() as conn:
        name = conn.dialect.name
        if name == "sqlite":
            victim = None
        else:
            query = {
                "postgresql": "SELECT pg_backend_pid()",
                "mysql": "SELECT CONNECTION_ID()",
            }[name]
            victim = conn.execute(text(query)).scalar_one()
        conn.commit()  # nothing left for the Connection to roll back
        if victim is None:  # SQLite: no server, close it under the pool
            cast(DBAPIConnection, conn.connection.dbapi_connection).close()
        else:
            end_session(url, victim)
    print("  the next checkout:")
    try:
        with engine.connect() as conn:
            outcome = f"SELECT 1 returned {conn.scalar(text('SELECT 1'))}"
    except exc.DBAPIError as error:
        invalidated = error.connection_invalidated
        outcome = f"{type(error).__name__}, invalidated: {invalidated}"
    print(f"  {outcome}")
    engine.dispose()


# --8<-- [start:refuse]
def refusing_checkout(url: str, refusals: int) -> None:
    engine = create_engine(url, pool_size=1)
    watch(engine)
    calls = 0

    @event.listens_for(engine, "checkout")
    def refuse(
        _dbapi: DBAPIConnection,
        _record: ConnectionPoolEntry,
        _proxy: PoolProxiedConnection,
    ) -> None:
        nonlocal calls
        calls += 1
        if calls <= refusals:
            raise exc.DisconnectionError("refused by the checkout listener")

    print(f"a checkout listener that refuses {refusals} time(s):")
    try:
        with engine.connect() as conn:
            outcome = f"SELECT 1 returned {conn.scalar(text('SELECT 1'))}"
    except exc.SQLAlchemyError as error:
        outcome = f"{type(error).__name__}: {error}"
    print(f"  listener calls: {calls}; the checkout:")
    print(f"    {outcome}")
    engine.dispose()


# --8<-- [end:refuse]


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    logging.getLogger("sqlalchemy.pool").setLevel(logging.INFO)
    # the engines' pools only, not end_session()'s NullPool
    logging.getLogger("sqlalchemy.pool.impl.QueuePool").addHandler(
        PoolMessages()
    )
    failing_reset(url)
    killed_while_out(url)
    refusing_checkout(url, refusals=1)
    refusing_checkout(url, refusals=2)


if __name__ == "__main__":
    main()
