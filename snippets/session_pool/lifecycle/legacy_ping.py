"""pool_pre_ping, next to the ping recipe it replaced: a SELECT 1 in an
engine_connect event, from SQLAlchemy's pooling documentation.

Each engine gets the same three tests: a checkout after its pooled
connection died, engine.begin(), and engine.raw_connection() after another
death.

Run it:  python -m snippets.session_pool.lifecycle.legacy_ping
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import logging
import os
import re
import textwrap
import time
from collections.abc import Callable

from sqlalchemy import (
    Connection,
    Engine,
    create_engine,
    event,
    exc,
    select,
    text,
)
from sqlalchemy.pool import ConnectionPoolEntry, NullPool

PEP249 = ("InterfaceError", "OperationalError", "ProgrammingError", "Error")
GONE_WITHIN = 5.0  # seconds to wait for the server to drop a killed connection


def kill_idle(url: str, engine: Engine) -> None:
    """End the connection idle in the pool, from outside."""
    name = engine.dialect.name
    with engine.connect() as conn:
        dbapi_connection = conn.connection.dbapi_connection
        if name == "postgresql":
            victim = conn.execute(text("SELECT pg_backend_pid()")).scalar()
            kill = "SELECT pg_terminate_backend(:id)"
            listed = "SELECT count(*) FROM pg_stat_activity WHERE pid = :id"
        elif name == "mysql":
            victim = conn.execute(text("SELECT CONNECTION_ID()")).scalar()
            kill = f"KILL {int(victim or 0)}"
            listed = (
                "SELECT count(*) FROM information_schema.PROCESSLIST"
                " WHERE ID = :id"
            )
    if name == "sqlite":  # no server: close it behind the pool's back
        assert dbapi_connection is not None
        dbapi_connection.close()
        return
    # autocommit: PostgreSQL shows pg_stat_activity as of a transaction's start
    killer = create_engine(
        url, poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )
    with killer.connect() as other:
        other.execute(text(kill), {"id": victim})
        deadline = time.monotonic() + GONE_WITHIN
        while other.execute(text(listed), {"id": victim}).scalar():
            if time.monotonic() > deadline:
                raise RuntimeError(f"session {victim} still there")
            time.sleep(0.01)
    killer.dispose()


# --8<-- [start:legacy]
def add_legacy_ping(engine: Engine) -> None:
    """The custom / legacy pessimistic ping of SQLAlchemy's pooling
    documentation, without its `branch` argument (always False since 2.0)."""

    @event.listens_for(engine, "engine_connect")
    def ping_connection(connection: Connection) -> None:
        try:
            # run a SELECT 1.   use a core select() so that
            # the SELECT of a scalar value without a table is
            # appropriately formatted for the backend
            connection.scalar(select(1))
        except exc.DBAPIError as err:
            if err.connection_invalidated:
                # run the same SELECT again - the connection will
                # re-validate itself and establish a new connection.
                connection.scalar(select(1))
            else:
                raise


# --8<-- [end:legacy]


class PoolMessages(logging.Handler):
    """Keep the pool's INFO and ERROR messages, without the reason (the
    driver's wording varies) and with connection objects shortened."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().split(" (reason:")[0]
        if message.startswith("Pool "):  # dispose() at the end of a test
            return
        self.lines.append(re.sub(r"<[^<>]*>", "<connection>", message))

    def flush_to_stdout(self) -> None:
        for line in self.lines:
            print(
                textwrap.fill(
                    f"pool log: {line}",
                    76,
                    initial_indent="    ",
                    subsequent_indent="      ",
                )
            )
        self.lines.clear()


def outcome(work: Callable[[], object]) -> str:
    """What running `work` gave: its result, or its error."""
    try:
        return f"returned {work()}"
    except exc.SQLAlchemyError as error:  # its message, to the first period
        return f"{type(error).__name__}: {str(error).split('.')[0]}"
    except Exception as error:  # the driver's own: its PEP 249 class
        return next(
            cls.__name__
            for cls in type(error).__mro__
            if cls.__name__ in PEP249
        )


def count_connects(engine: Engine) -> list[int]:
    opened = [0]

    def on_connect(_dbapi: object, _record: ConnectionPoolEntry) -> None:
        opened[0] += 1

    event.listen(engine, "connect", on_connect)
    return opened


def checkout_after_kill(url: str, engine: Engine, log: PoolMessages) -> None:
    """engine.connect() after the pooled connection died."""
    opened = count_connects(engine)
    kill_idle(url, engine)
    before = opened[0]

    def use() -> object:
        with engine.connect() as conn:
            return conn.scalar(text("SELECT 2"))

    print("  engine.connect() after a death:")
    print(
        textwrap.fill(
            outcome(use), 76, initial_indent="    ", subsequent_indent="      "
        )
    )
    print(f"    new connections: {opened[0] - before}")
    log.flush_to_stdout()


def begin(engine: Engine) -> None:
    """engine.begin(): a Connection, and a transaction begun on it."""

    def use() -> object:
        with engine.begin() as conn:
            return conn.scalar(select(1))

    print("  engine.begin():")
    print(
        textwrap.fill(
            outcome(use), 76, initial_indent="    ", subsequent_indent="      "
        )
    )


def raw_after_kill(url: str, engine: Engine, log: PoolMessages) -> None:
    """A pooled DBAPI connection, without a Connection, after a death."""
    kill_idle(url, engine)

    def use() -> object:
        dbapi_connection = engine.raw_connection()
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 3")
            return cursor.fetchone()
        finally:
            dbapi_connection.close()

    print(f"  engine.raw_connection() after a death: {outcome(use)}")
    log.flush_to_stdout()


def three_tests(url: str, engine: Engine, log: PoolMessages) -> None:
    checkout_after_kill(url, engine, log)
    begin(engine)
    raw_after_kill(url, engine, log)
    engine.dispose()


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    log = PoolMessages()
    logging.getLogger("sqlalchemy.pool").setLevel(logging.INFO)
    # the engines' pools only, not kill_idle()'s NullPool
    logging.getLogger("sqlalchemy.pool.impl.QueuePool").addHandler(log)
    print("pool_pre_ping=True:")
    three_tests(url, create_engine(url, pool_size=1, pool_pre_ping=True), log)
    print("the engine_connect recipe:")
    engine = create_engine(url, pool_size=1)
    add_legacy_ping(engine)
    three_tests(url, engine, log)


if __name__ == "__main__":
    main()
