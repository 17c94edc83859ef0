"""Connection leaks measured with checkedout(): what holds a connection,
and what gives it back.

Run it:  python -m snippets.session_pool.common_issues.connection_leaks
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import gc
import os
import textwrap
from typing import cast

from sqlalchemy import Connection, Engine, create_engine, exc, orm, text
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import NullPool, QueuePool

POOL_SIZE = 2
POOL_TIMEOUT = 0.2  # seconds to wait for a free connection (the default is 30)


# --8<-- [start:setup]
def checked_out(engine: Engine) -> int:
    """Connections the engine's pool has lent out right now."""
    # a QueuePool: what create_engine() makes for these URLs
    return cast(QueuePool, engine.pool).checkedout()


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    engine = create_engine(
        url, pool_size=POOL_SIZE, max_overflow=0, pool_timeout=POOL_TIMEOUT
    )
    Session = sessionmaker(bind=engine)
    # --8<-- [end:setup]
    print(
        f"pool_size={POOL_SIZE}, max_overflow=0; "
        f"checked out at start: {checked_out(engine)}"
    )
    try:
        kept_connection(engine)
        commit_without_close(engine, Session)
        nothing_refers_to_them(engine)
        idle_after_a_query(engine, Session, url)
        one_session_per_request(engine, Session)
        work_that_fails_halfway(engine, Session)
    finally:
        engine.dispose()


def kept_connection(engine: Engine) -> None:
    print("1. A Connection kept referenced")
    # --8<-- [start:kept-connection]
    kept: list[Connection] = []
    conn = engine.connect()
    conn.execute(text("SELECT 1"))
    # e.g. stored on a long-lived object, a cache, a global
    kept.append(conn)
    # --8<-- [end:kept-connection]
    print(f"   kept in a list:           checked out {checked_out(engine)}")
    conn.close()
    print(f"   after conn.close():       checked out {checked_out(engine)}")


def commit_without_close(
    engine: Engine, Session: sessionmaker[orm.Session]
) -> None:
    print("2. A Session: a query, then commit(), no close()")
    # --8<-- [start:session-commit]
    session = Session()
    print(f"   Session() created:        checked out {checked_out(engine)}")
    session.execute(text("SELECT 1"))
    print(f"   after a query:            checked out {checked_out(engine)}")
    session.commit()  # ends the transaction and gives the connection back
    print(f"   after commit(), no close: checked out {checked_out(engine)}")
    # --8<-- [end:session-commit]
    session.close()


def nothing_refers_to_them(engine: Engine) -> None:
    print("3. A Connection and a Session that nothing refers to any more")
    # --8<-- [start:garbage]
    # automatic collection may run at any moment; pause it for a stable
    # output
    gc.disable()
    forgotten_connection(engine)
    forgotten_session(engine)
    print(f"   both functions returned:  checked out {checked_out(engine)}")
    gc.collect()  # CPython: now the connections go back
    print(f"   after gc.collect():       checked out {checked_out(engine)}")
    gc.enable()
    # --8<-- [end:garbage]


def idle_after_a_query(
    engine: Engine, Session: sessionmaker[orm.Session], url: str
) -> None:
    print("4. A session left idle after a query")
    session = Session()
    # the query begins a transaction; nothing ends it
    pid = session_pid(session)
    print(f"   after a query:            checked out {checked_out(engine)}")
    print(f"   the server sees:          {server_view(url, pid)}")
    session.commit()
    print(f"   after commit():           checked out {checked_out(engine)}")
    print(f"   the server sees:          {server_view(url, pid)}")
    session.close()


def one_session_per_request(
    engine: Engine, Session: sessionmaker[orm.Session]
) -> None:
    print(
        "5. Sessions kept open, one per request, "
        f"with pool_timeout={POOL_TIMEOUT}"
    )
    # --8<-- [start:leak-to-exhaustion]
    sessions: list[orm.Session] = []
    try:
        for _ in range(POOL_SIZE + 1):
            session = Session()
            session.execute(text("SELECT 1"))
            sessions.append(session)  # never committed, never closed
    except exc.TimeoutError as error:
        print(f"   request {len(sessions) + 1} failed:")
        print(f"   {type(error).__module__}.{type(error).__name__}:")
        print(textwrap.indent(textwrap.fill(str(error), 70), "     "))
    # --8<-- [end:leak-to-exhaustion]
    for session in sessions:
        session.close()
    print(f"   after closing them:       checked out {checked_out(engine)}")


def work_that_fails_halfway(
    engine: Engine, Session: sessionmaker[orm.Session]
) -> None:
    print("6. Work that fails halfway: three ways to close a session")
    plain = Session()
    try:
        fail_halfway(plain)
        plain.close()  # at the end: skipped when the work fails
    except ValueError:
        pass
    print(f"   close() at the end, error: checked out {checked_out(engine)}")
    plain.close()
    # --8<-- [start:with-session]
    try:
        with Session() as session:
            fail_halfway(session)
    except ValueError:
        pass
    # --8<-- [end:with-session]
    print(f"   `with Session()`, error:   checked out {checked_out(engine)}")
    # --8<-- [start:try-finally]
    session = Session()
    try:
        fail_halfway(session)
    except ValueError:
        pass
    finally:
        session.close()  # runs on success and on error
    # --8<-- [end:try-finally]
    print(f"   try/finally close(), error: checked out {checked_out(engine)}")


# --8<-- [start:fail-halfway]
def fail_halfway(session: orm.Session) -> None:
    """A unit of work that fails after its first statement."""
    session.execute(text("SELECT 1"))
    raise ValueError("the request failed halfway")
    # --8<-- [end:fail-halfway]


def forgotten_connection(engine: Engine) -> None:
    """A request that opens a Connection and returns without closing it."""
    conn = engine.connect()
    conn.execute(text("SELECT 1"))


def forgotten_session(engine: Engine) -> None:
    """A request that queries through a Session and returns without commit
    or close."""
    session = orm.Session(engine)
    session.execute(text("SELECT 1"))


def server_view(url: str, pid: int) -> str:
    """What the server shows for connection `pid`, read from a second
    connection."""
    monitor = create_engine(url, poolclass=NullPool)
    try:
        with monitor.connect() as conn:
            # --8<-- [start:server-view]
            if conn.dialect.name == "postgresql":
                state = conn.execute(
                    text("SELECT state FROM pg_stat_activity WHERE pid = :pid"),
                    {"pid": pid},
                ).scalar_one()
                return f"pg_stat_activity.state = {state!r}"
            if conn.dialect.name in {"mysql", "mariadb"}:
                command = conn.execute(
                    text(
                        "SELECT COMMAND FROM information_schema.PROCESSLIST"
                        " WHERE ID = :pid"
                    ),
                    {"pid": pid},
                ).scalar_one()
                return f"information_schema.PROCESSLIST.COMMAND = {command!r}"
            return "SQLite has no server: only the pool slot is held"
            # --8<-- [end:server-view]
    finally:
        monitor.dispose()


def session_pid(session: orm.Session) -> int:
    """The server's id for the session's connection; 0 on SQLite, which has
    none."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return int(
            session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        )
    if name in {"mysql", "mariadb"}:
        return int(session.execute(text("SELECT CONNECTION_ID()")).scalar_one())
    session.execute(text("SELECT 1"))
    return 0


if __name__ == "__main__":
    main()
