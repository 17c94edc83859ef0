"""Custom reset schemes: what a rollback leaves on a pooled connection, and
a reset event that clears more.

The default reset on return is a rollback. It ends the transaction, and
nothing else: session variables, session-level locks, temporary tables and
prepared statements stay on the DBAPI connection, for its next borrower. A
listener on the pool's reset event, with pool_reset_on_return=None, can
clear what the database lets it clear.

Run it:  python -m snippets.session_pool.lifecycle.custom_reset
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import os
from collections.abc import Callable
from typing import cast

from sqlalchemy import Connection, Engine, create_engine, event, exc, text
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry, PoolResetState

# --8<-- [start:leftovers]
# per database: a statement that leaves state on the session, what to call
# that state, and a query that shows it to the next borrower
LEFTOVERS = {
    "postgresql": [
        ("SET work_mem = '1234kB'", "work_mem", "SHOW work_mem"),
        (
            "SELECT pg_advisory_lock(1013)",
            "advisory locks held",
            "SELECT count(*) FROM pg_locks"
            " WHERE locktype = 'advisory' AND pid = pg_backend_pid()",
        ),
        (
            "CREATE TEMP TABLE leftover (n int)",
            "temporary table leftover",
            "SELECT to_regclass('pg_temp.leftover') IS NOT NULL",
        ),
        (
            "PREPARE leftover AS SELECT 1",
            "prepared statement leftover",
            "SELECT count(*) FROM pg_prepared_statements"
            " WHERE name = 'leftover'",
        ),
    ],
    "mysql": [
        (
            "SET @leftover = 'from the last borrower'",
            "@leftover",
            "SELECT @leftover",
        ),
        (
            "SELECT GET_LOCK('leftover', 0)",
            "lock 'leftover' held",
            "SELECT IS_USED_LOCK('leftover') = CONNECTION_ID()",
        ),
        (
            "CREATE TEMPORARY TABLE leftover (n INT)",
            "SELECT count(*) FROM leftover",
            "SELECT count(*) FROM leftover",
        ),
        (
            "PREPARE leftover FROM 'SELECT 1'",
            "EXECUTE leftover",
            "EXECUTE leftover",
        ),
    ],
    "sqlite": [
        ("PRAGMA foreign_keys = ON", "foreign_keys", "PRAGMA foreign_keys"),
        (
            "CREATE TEMP TABLE leftover (n INTEGER)",
            "temporary table leftover",
            "SELECT count(*) FROM temp.sqlite_master WHERE name = 'leftover'",
        ),
    ],
}
# --8<-- [end:leftovers]


# --8<-- [start:discard]
def discard_session_state(dbapi_connection: DBAPIConnection, db: str) -> None:
    """Clear what this database can clear with one statement or a loop."""
    cursor = dbapi_connection.cursor()
    if db == "postgresql":  # DISCARD ALL refuses to run in a transaction
        dbapi_connection.autocommit = True
        cursor.execute("DISCARD ALL")
        dbapi_connection.autocommit = False
    elif db == "mysql":  # locks taken with GET_LOCK()
        cursor.execute("SELECT RELEASE_ALL_LOCKS()")
    else:  # SQLite: temporary tables
        cursor.execute("SELECT name FROM temp.sqlite_master WHERE type='table'")
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP TABLE temp."{name}"')
    cursor.close()


# --8<-- [end:discard]


# --8<-- [start:reset-event]
def use_custom_reset(engine: Engine) -> None:
    """Reset each returned connection with discard_session_state(); the
    engine was made with pool_reset_on_return=None."""
    db = engine.dialect.name

    @event.listens_for(engine, "reset")
    def reset(
        dbapi_connection: DBAPIConnection,
        _record: ConnectionPoolEntry,
        reset_state: PoolResetState,
    ) -> None:
        if not reset_state.terminate_only:  # not about to be closed anyway
            # end the borrower's transaction first: a rollback after the
            # cleanup would undo what of it is transactional
            dbapi_connection.rollback()
            discard_session_state(dbapi_connection, db)
        # so that the DBAPI itself knows that the connection has been reset
        dbapi_connection.rollback()


# --8<-- [end:reset-event]


def use_documented_postgresql_recipe(engine: Engine) -> None:
    """The recipe of SQLAlchemy's PostgreSQL dialect documentation."""

    @event.listens_for(engine, "reset")
    def _reset_postgresql(
        dbapi_connection: DBAPIConnection,
        connection_record: ConnectionPoolEntry,
        reset_state: PoolResetState,
    ) -> None:
        if not reset_state.terminate_only:
            dbapi_connection.execute("CLOSE ALL")
            dbapi_connection.execute("RESET ALL")
            dbapi_connection.execute("DISCARD TEMP")

        # so that the DBAPI itself knows that the connection has been
        # reset
        dbapi_connection.rollback()


def probe(conn: Connection, query: str) -> str:
    """The next borrower's view: the query's answer, or its error code."""
    try:
        return str(conn.execute(text(query)).scalar())
    except exc.DBAPIError as error:  # MySQL: no such table or statement
        code = cast(Exception, error.orig).args[0]
        return f"{type(error.orig).__name__} {code}"


def drill(
    url: str,
    title: str,
    setup: Callable[[Engine], None],
    reset_on_return: str | None = "rollback",
    invalidate: bool = False,
) -> None:
    engine = create_engine(
        url, pool_size=1, pool_reset_on_return=reset_on_return
    )
    setup(engine)
    leftovers = LEFTOVERS[engine.dialect.name]
    with engine.connect() as conn:  # a borrower that leaves state behind
        for statement, _, _ in leftovers:
            conn.execute(text(statement))
        conn.commit()
        if invalidate:
            conn.invalidate()  # close this DBAPI connection: no reuse
    print(f"{title}:")
    with engine.connect() as conn:  # the next borrower
        for _, label, query in leftovers:
            print(f"  {label}: {probe(conn, query)}")
    engine.dispose()


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")

    def nothing(_engine: Engine) -> None:
        pass

    drill(url, "the default reset (rollback)", nothing)
    drill(
        url,
        "a reset event with discard_session_state()",
        use_custom_reset,
        reset_on_return=None,
    )
    if url.startswith("postgresql"):
        drill(
            url,
            "the reset event of SQLAlchemy's PostgreSQL docs",
            use_documented_postgresql_recipe,
            reset_on_return=None,
        )
    drill(url, "the borrower called invalidate()", nothing, invalidate=True)


if __name__ == "__main__":
    main()
