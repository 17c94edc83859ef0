"""What a forked child does with the parent's pooled connection, and two
recipes that give it a connection of its own: engine.dispose() in the parent
before the fork, and a pid check in a checkout event.

Run it:  python -m snippets.session_pool.patterns.fork_recipes
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import multiprocessing
import os
from collections.abc import Callable
from multiprocessing.connection import Connection as Pipe
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, exc, text
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

SESSION_ID_SQL = {
    "postgresql": "SELECT pg_backend_pid()",
    "mysql": "SELECT CONNECTION_ID()",
}


def session_id(conn: Connection) -> str:
    """The server's id for this connection's session (SQLite: the id of
    the sqlite3 connection object)."""
    sql = SESSION_ID_SQL.get(conn.dialect.name)
    if sql is None:
        return f"sqlite3 connection {id(conn.connection.dbapi_connection)}"
    return f"server session {conn.execute(text(sql)).scalar_one()}"


def parent_session(engine: Engine) -> str:
    with engine.connect() as conn:
        return session_id(conn)


def in_child(engine: Engine, target: Callable[[Engine, Pipe], None]) -> Pipe:
    """Fork a child that runs target(engine, pipe); return the parent's end
    of the pipe."""
    parent_end, child_end = multiprocessing.Pipe()
    context = multiprocessing.get_context("fork")
    context.Process(target=target, args=(engine, child_end)).start()
    return parent_end


def whose(session: str, parent: str) -> str:
    return "the PARENT's" if session == parent else "its own"


def compared(after: str, before: str) -> str:
    return "the same as before the fork" if after == before else "a NEW one"


def count_rows(engine: Engine) -> int:
    """Check out, count, and return the connection (reset on return:
    ROLLBACK)."""
    with engine.connect() as conn:
        return int(
            conn.execute(text("SELECT count(*) FROM fork_demo")).scalar_one()
        )


# --8<-- [start:no-recipe-child]
def insert_then_commit(engine: Engine, pipe: Pipe) -> None:
    """In the child: insert a row, wait for the parent, then commit."""
    with engine.connect() as conn:
        pipe.send(session_id(conn))
        conn.execute(text("INSERT INTO fork_demo VALUES (1)"))
        pipe.send("inserted, not committed")
        pipe.recv()  # the parent's turn
        try:
            conn.commit()
            outcome = "commit() returned"
        except exc.DBAPIError as error:
            outcome = f"commit() raised {error.orig!r}"
    # back in the pool (reset on return included): the parent's turn
    pipe.send(outcome)
    # --8<-- [end:no-recipe-child]


def no_recipe(url: str) -> None:
    print("1. No recipe: the child checks out the parent's connection")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE fork_demo (n INTEGER)"))
    try:
        parent = parent_session(engine)  # now in the pool
        print(f"  parent: {parent}")
        pipe = in_child(engine, insert_then_commit)
        child = pipe.recv()
        print(f"  child:  {child}, {whose(child, parent)}")
        print(f"  child:  INSERT one row: {pipe.recv()}")
        print(f"  parent: counts {count_rows(engine)} row(s)")
        pipe.send("go")
        print(f"  child:  {pipe.recv()}")
        print(f"  parent: counts {count_rows(engine)} row(s) afterwards")
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE fork_demo"))
        engine.dispose()


def report_session(engine: Engine, pipe: Pipe) -> None:
    """In the child: one checkout, then close this process's connections."""
    with engine.connect() as conn:
        pipe.send(session_id(conn))
    engine.dispose()


def dispose_before_fork(url: str) -> None:
    print("2. engine.dispose() in the parent, before the fork")
    engine = create_engine(url)
    before = parent_session(engine)
    print(f"  parent: {before}")
    # --8<-- [start:dispose-before-fork]
    engine.dispose()  # closes the pooled connections: the child gets none
    pipe = in_child(engine, report_session)
    # --8<-- [end:dispose-before-fork]
    report(engine, before, pipe.recv())
    engine.dispose()


def report(engine: Engine, before: str, child: str) -> None:
    """Print the child's session and the parent's next one, against the
    parent's session `before` the fork."""
    after = parent_session(engine)
    print(f"  child:  {child}, {whose(child, before)}")
    print(f"  parent: {after}, {compared(after, before)}")


# --8<-- [start:pid-check]
def add_pid_check(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def record_pid(
        dbapi_connection: Any, connection_record: ConnectionPoolEntry
    ) -> None:
        connection_record.info["pid"] = os.getpid()

    @event.listens_for(engine, "checkout")
    def check_pid(
        dbapi_connection: Any,
        connection_record: ConnectionPoolEntry,
        connection_proxy: PoolProxiedConnection,
    ) -> None:
        pid = os.getpid()
        if connection_record.info["pid"] != pid:
            # forget the parent's connection without closing it
            connection_record.dbapi_connection = None  # type: ignore[misc]
            connection_proxy.dbapi_connection = None  # type: ignore[misc]
            # the pool invalidates the record and connects anew
            raise exc.DisconnectionError(
                f"Connection record belongs to pid "
                f"{connection_record.info['pid']}, "
                f"attempting to check out in pid {pid}"
            )
            # --8<-- [end:pid-check]


def pid_check(url: str) -> None:
    print("3. A pid check on checkout")
    engine = create_engine(url)
    add_pid_check(engine)
    before = parent_session(engine)
    print(f"  parent: {before}")
    pipe = in_child(engine, report_session)
    report(engine, before, pipe.recv())
    engine.dispose()


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    no_recipe(url)
    print()
    dispose_before_fork(url)
    print()
    pid_check(url)


if __name__ == "__main__":
    main()
