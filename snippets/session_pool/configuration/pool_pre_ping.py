"""pool_pre_ping: a pooled connection that died while idle is replaced at
checkout, not used.

Run it:  python -m snippets.session_pool.configuration.pool_pre_ping
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import os
import textwrap
import time

from sqlalchemy import Connection, Engine, create_engine, event, exc, text
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry, NullPool

GONE_WITHIN = 2.0  # seconds to wait for the server to drop a killed connection


def number_connections(engine: Engine) -> None:
    """Number each new DBAPI connection, for SQLite, which has no
    connection id."""
    opened = 0

    def on_connect(
        _dbapi_connection: object, record: ConnectionPoolEntry
    ) -> None:
        nonlocal opened
        opened += 1
        record.info["number"] = opened

    event.listen(engine, "connect", on_connect)


def connection_id(conn: Connection) -> int:
    """Which database connection this is: the server's id for it
    (SQLite: our number)."""
    if conn.dialect.name == "postgresql":
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
    if conn.dialect.name in {"mysql", "mariadb"}:
        return int(conn.execute(text("SELECT CONNECTION_ID()")).scalar_one())
    # use it: a dead connection fails here, as on a server
    conn.execute(text("SELECT 1"))
    # SQLite has no id: ours, from connect
    return int(conn.connection.info["number"])


def label(engine: Engine, number: int) -> str:
    kind = {"postgresql": "backend pid", "mysql": "connection id"}.get(
        engine.dialect.name
    )
    return f"{kind} {number}" if kind else f"connection #{number}"


def kill(
    url: str, engine: Engine, victim: int, dbapi_connection: DBAPIConnection
) -> str:
    """Make the pooled connection `victim` die while it is idle in the pool.

    Only a connection this program opened itself is killed, from a second
    connection.
    """
    name = engine.dialect.name
    if name == "sqlite":
        # no server to kill it: close it behind the pool's back
        dbapi_connection.close()
        return "closed behind the pool's back"
    # autocommit: PostgreSQL shows pg_stat_activity as of a transaction's start
    killer = create_engine(
        url, poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )
    with killer.connect() as conn:
        if name == "postgresql":
            conn.execute(
                text("SELECT pg_terminate_backend(:pid)"), {"pid": victim}
            )
            listed = "SELECT count(*) FROM pg_stat_activity WHERE pid = :id"
        else:
            conn.execute(text(f"KILL {victim:d}"))
            listed = (
                "SELECT count(*) FROM information_schema.PROCESSLIST"
                " WHERE ID = :id"
            )
        deadline = time.monotonic() + GONE_WITHIN
        # until the server no longer lists it
        while conn.execute(text(listed), {"id": victim}).scalar_one():
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"connection {victim} still listed after {GONE_WITHIN} s"
                )
            time.sleep(0.01)
    killer.dispose()
    return (
        "ended with pg_terminate_backend()"
        if name == "postgresql"
        else "ended with KILL"
    )


# --8<-- [start:engine]
def drill(url: str, pre_ping: bool) -> None:
    # pool_pre_ping=True: test each pooled connection at checkout; the test
    # is dialect-specific (psycopg: an empty query ";", PyMySQL: ping(),
    # SQLite: SELECT 1). A connection the pool has just created is not
    # tested, and a connection that dies later, in the middle of a
    # transaction, still fails: pre-ping cannot help it.
    engine = create_engine(url, pool_size=1, pool_pre_ping=pre_ping)
    # --8<-- [end:engine]
    number_connections(engine)
    print(f"pool_pre_ping={pre_ping}")
    with engine.connect() as conn:
        old = connection_id(conn)
        dbapi_connection = conn.connection.dbapi_connection
    assert dbapi_connection is not None
    how = kill(url, engine, old, dbapi_connection)
    print(f"  {label(engine, old)}, idle in the pool: {how}")
    # --8<-- [start:next-use]
    try:
        # pre_ping=True: tested here, replaced if dead
        with engine.connect() as conn:
            new = connection_id(conn)
        print(
            f"  next use: no error; the checkout gave {label(engine, new)}"
            " in its place"
        )
    except exc.DBAPIError as error:
        # pre_ping=False: the dead connection is used
        first_line = str(error).splitlines()[0]
        error_type = f"{type(error).__module__}.{type(error).__name__}"
        print(f"  next use raised {error_type}:")
        print(
            textwrap.fill(
                first_line,
                76,
                initial_indent="    ",
                subsequent_indent="      ",
            )
        )
        print(f"  connection_invalidated: {error.connection_invalidated}")
        with engine.connect() as conn:
            after = label(engine, connection_id(conn))
            print(f"  the checkout after that gave {after}")
    # --8<-- [end:next-use]
    engine.dispose()


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    drill(url, pre_ping=False)
    drill(url, pre_ping=True)


if __name__ == "__main__":
    main()
