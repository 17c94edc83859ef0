"""StaticPool: exactly one DBAPI connection, handed to every checkout, on any
database.

Run it:  python -m snippets.session_pool.pool_types.static_pool
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import os

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.pool import StaticPool

SESSION_ID_SQL = {
    "postgresql": "SELECT pg_backend_pid()",
    "mysql": "SELECT CONNECTION_ID()",
}


def session_id(conn: Connection) -> str:
    """The server's id for this connection's session; SQLite has no server,
    so no id."""
    sql = SESSION_ID_SQL.get(conn.dialect.name)
    if sql is None:
        return "SQLite (no server session id to show)"
    return f"server session {conn.execute(text(sql)).scalar()}"


def show_checkouts(engine: Engine) -> None:
    opened = 0

    def count_connect(*_: object) -> None:
        nonlocal opened
        opened += 1

    event.listen(engine, "connect", count_connect)
    # --8<-- [start:one-connection]
    with engine.connect() as first:
        dbapi_first = first.connection.dbapi_connection
        print(f"1st checkout: {session_id(first)}")
    with engine.connect() as second:
        dbapi_second = second.connection.dbapi_connection
        print(f"2nd checkout: {session_id(second)}")
    print(f"same DBAPI connection both times: {dbapi_first is dbapi_second}")
    # --8<-- [end:one-connection]
    # --8<-- [start:at-once]
    with (
        engine.connect() as a,
        engine.connect() as b,
    ):  # two checkouts at the same time
        same = a.connection.dbapi_connection is b.connection.dbapi_connection
        print(
            f"two Connections open at once share one DBAPI connection: {same}"
        )
    # --8<-- [end:at-once]
    print(f"DBAPI connections opened in all: {opened}")
    print(f"pool status: {engine.pool.status()}")


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    # --8<-- [start:static-pool]
    engine = create_engine(url, poolclass=StaticPool)
    # --8<-- [end:static-pool]
    print(
        f"database: {engine.dialect.name}, pool: {type(engine.pool).__name__}"
    )
    try:
        show_checkouts(engine)
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
