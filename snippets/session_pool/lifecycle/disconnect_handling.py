"""Disconnects that pre-ping cannot catch, and what to do about them.

pool_pre_ping tests a connection when it is checked out. A connection that
dies later, in the middle of a transaction, fails the next statement whatever
the settings. The answer is "optimistic" handling: catch the error, check
that it was a disconnect, and run the whole unit of work again. The
handle_error event decides what counts as a disconnect, and whether one
disconnect renews the whole pool.

Run it:  python -m snippets.session_pool.lifecycle.disconnect_handling
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import os
import time
from collections.abc import Callable
from typing import cast

from sqlalchemy import Connection, Engine, create_engine, event, exc, text
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry, NullPool

GONE_WITHIN = 5.0  # seconds to wait for the server to drop a killed connection


def kill(conn: Connection, url: str) -> None:
    """End this connection's session from outside, as a failover would."""
    name = conn.dialect.name
    if name == "sqlite":  # no server: close it under the Connection
        cast(DBAPIConnection, conn.connection.dbapi_connection).close()
        return
    if name == "postgresql":
        victim = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        statement = "SELECT pg_terminate_backend(:id)"
        listed = "SELECT count(*) FROM pg_stat_activity WHERE pid = :id"
    else:
        victim = conn.execute(text("SELECT CONNECTION_ID()")).scalar_one()
        statement = f"KILL {int(victim)}"
        listed = (
            "SELECT count(*) FROM information_schema.PROCESSLIST WHERE ID = :id"
        )
    # autocommit: PostgreSQL shows pg_stat_activity as of a transaction's start
    killer = create_engine(
        url, poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )
    with killer.connect() as other:
        other.execute(text(statement), {"id": victim})
        deadline = time.monotonic() + GONE_WITHIN
        while other.execute(text(listed), {"id": victim}).scalar_one():
            if time.monotonic() > deadline:
                raise RuntimeError(f"session {victim} still there")
            time.sleep(0.01)
    killer.dispose()


# --8<-- [start:retry]
def run_with_retry(
    engine: Engine, work: Callable[[Connection], str], attempts: int = 2
) -> str:
    """Run a unit of work in a transaction.

    Run it again if the connection was lost.
    """
    for attempt in range(1, attempts + 1):
        try:
            with engine.begin() as conn:
                return work(conn)
        except exc.DBAPIError as error:
            if not error.connection_invalidated or attempt == attempts:
                raise  # not a disconnect, or out of attempts
            print(
                f"  attempt {attempt}: {type(error).__name__}, "
                "connection lost; again"
            )
    raise AssertionError("unreachable")


# --8<-- [end:retry]


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    retry_after_a_disconnect(url)
    one_error_called_a_disconnect(url)


def retry_after_a_disconnect(url: str) -> None:
    engine = create_engine(url, pool_pre_ping=True)
    calls = 0

    def work(conn: Connection) -> str:
        nonlocal calls
        calls += 1
        conn.execute(text("SELECT 1"))  # the transaction has begun
        if calls == 1:
            # the connection dies mid-transaction, the first time
            kill(conn, url)
        return str(conn.execute(text("SELECT 2")).scalar_one())

    print(
        "a unit of work whose connection dies mid-transaction, "
        "pool_pre_ping=True:"
    )
    print(f"  result: {run_with_retry(engine, work)}, after {calls} attempts")
    engine.dispose()


def one_error_called_a_disconnect(url: str) -> None:
    # --8<-- [start:handle-error]
    engine = create_engine(url)
    opened = [0]

    @event.listens_for(engine, "connect")
    def count(_dbapi: object, _record: ConnectionPoolEntry) -> None:
        opened[0] += 1

    @event.listens_for(engine, "handle_error")
    def classify(context: ExceptionContext) -> None:
        if "pretend_lost_connection" in str(context.original_exception):
            # treat this error as a lost connection
            context.is_disconnect = True
            # renew only this one
            context.invalidate_pool_on_disconnect = False

    # --8<-- [end:handle-error]
    held = [engine.connect() for _ in range(3)]
    for conn in held:
        conn.close()  # three idle connections in the pool
    outcome = "no error"
    with engine.connect() as conn:
        try:  # an error that mentions the marker: a missing table
            conn.execute(text("SELECT * FROM pretend_lost_connection"))
        except exc.DBAPIError as error:
            kind = type(error).__name__
            invalidated = error.connection_invalidated
            outcome = f"{kind}, connection_invalidated: {invalidated}"
    before = opened[0]
    held = [engine.connect() for _ in range(3)]
    for conn in held:
        conn.close()
    print("handle_error calls one error a disconnect,")
    print("with invalidate_pool_on_disconnect = False:")
    print(f"  the error: {outcome}")
    print(f"  new connections for the next 3 checkouts: {opened[0] - before}")
    engine.dispose()


if __name__ == "__main__":
    main()
