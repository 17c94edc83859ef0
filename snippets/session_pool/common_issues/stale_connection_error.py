"""Stale connections for real: a pooled connection closed by the server,
then reused.

Run it:  python -m snippets.session_pool.common_issues.stale_connection_error
Set DATABASE_URL to a server, e.g. postgresql+psycopg://user:pass@127.0.0.1/db
It closes only connections it opened itself.
"""

# databases: postgresql, mysql

import os
import textwrap
import time

from sqlalchemy import Connection, Engine, create_engine, exc, make_url, text
from sqlalchemy.pool import NullPool

IDLE_TIMEOUT = 1  # seconds: the server closes a session idle for longer
IDLE_WAIT = 1.5  # seconds the pooled connections sit idle in the drill


def backend_pid(conn: Connection) -> int:
    """The server's id for this connection.

    PostgreSQL pid, MySQL connection id.
    """
    if conn.dialect.name == "postgresql":
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
    return int(conn.execute(text("SELECT CONNECTION_ID()")).scalar_one())


# --8<-- [start:idle-setting]
def server_idle_timeout(engine: Engine) -> str:
    """The server setting that closes idle sessions,
    as the server reports it."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            value = conn.execute(text("SHOW idle_session_timeout")).scalar_one()
            return f"SHOW idle_session_timeout -> {value}"
        value = conn.execute(text("SELECT @@wait_timeout")).scalar_one()
        return f"SELECT @@wait_timeout -> {value}"
    # --8<-- [end:idle-setting]


def pooled_pid(engine: Engine) -> int:
    """Check out a connection, read its id,
    and give it back to the pool, still open."""
    with engine.connect() as conn:
        return backend_pid(conn)


# --8<-- [start:kill]
def kill_on_server(url: str, pid: int) -> None:
    """From a second connection, end the session `pid`.

    Only one this program opened itself.
    """
    # autocommit: PostgreSQL shows pg_stat_activity as of a transaction's start
    admin = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(
                    text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}
                )
                listed = (
                    "SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"
                )
            else:
                conn.execute(text(f"KILL {int(pid)}"))
                listed = (
                    "SELECT count(*) FROM information_schema.PROCESSLIST"
                    " WHERE ID = :pid"
                )
            deadline = time.monotonic() + 2
            while (
                conn.execute(text(listed), {"pid": pid}).scalar_one()
                and time.monotonic() < deadline
            ):
                time.sleep(0.01)  # wait until the server no longer lists it
    finally:
        admin.dispose()
    # --8<-- [end:kill]


def set_idle_timeout(engine: Engine) -> None:
    """Make the server close this pooled connection
    after IDLE_TIMEOUT idle seconds."""
    with engine.connect() as conn:
        # opt-in: the PostgreSQL default is 0, never
        if conn.dialect.name == "postgresql":
            conn.execute(
                text(f"SET idle_session_timeout = {IDLE_TIMEOUT * 1000}")
            )
        else:  # MySQL's and MariaDB's wait_timeout
            conn.execute(text(f"SET SESSION wait_timeout = {IDLE_TIMEOUT}"))
        # keep the setting after the connection goes back to the pool
        conn.commit()


# --8<-- [start:reuse]
def reuse(engine: Engine, old_pid: int) -> list[str]:
    """Check out the pooled connection again.

    Say what happened, then try once more.
    """
    lines: list[str] = []
    try:
        with engine.connect() as conn:
            pid = backend_pid(conn)
        which = "the same" if pid == old_pid else "a new"
        lines.append(f"reuse: ok, {which} connection {pid}")
    except exc.OperationalError as error:
        lines.append(f"reuse: {type(error).__module__}.{type(error).__name__}:")
        for line in str(error).splitlines():  # in lines of 70 at most
            lines += textwrap.wrap(
                line, 70, initial_indent="  ", subsequent_indent="    "
            )
        lines.append(
            f"error.connection_invalidated: {error.connection_invalidated}"
        )
        with engine.connect() as conn:  # the next checkout: a fresh connection
            lines.append(
                f"next checkout: ok, a new connection {backend_pid(conn)}"
            )
    return lines
    # --8<-- [end:reuse]


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    if make_url(url).get_backend_name() == "sqlite":
        print(
            "SQLite has no server that could close a pooled connection: "
            "set DATABASE_URL to"
        )
        print("a PostgreSQL or MySQL database to run these drills.")
        return
    probe = create_engine(url, poolclass=NullPool)
    print(f"Server setting: {server_idle_timeout(probe)}")
    probe.dispose()
    ended_on_the_server(url)
    idle_past_the_timeout(url)


def ended_on_the_server(url: str) -> None:
    print("1. A pooled connection ended on the server, then checked out again")
    for pre_ping in (False, True):
        engine = create_engine(url, pool_size=1, pool_pre_ping=pre_ping)
        try:
            pid = pooled_pid(engine)
            kill_on_server(url, pid)
            print(
                f"   pool_pre_ping={pre_ping}, "
                f"connection {pid} ended on the server:"
            )
            print("\n".join(f"     {line}" for line in reuse(engine, pid)))
        finally:
            engine.dispose()


def idle_past_the_timeout(url: str) -> None:
    print(
        f"2. The server's idle timeout set to {IDLE_TIMEOUT} s; "
        f"the pool idle for {IDLE_WAIT} s"
    )
    settings: list[dict[str, bool | float]] = [
        {},
        {"pool_pre_ping": True},
        # below the server's timeout, as advised
        {"pool_recycle": IDLE_TIMEOUT / 2},
    ]
    engines = [create_engine(url, pool_size=1, **kwargs) for kwargs in settings]
    try:
        pids = []
        for engine in engines:
            set_idle_timeout(engine)
            pids.append(pooled_pid(engine))
        time.sleep(IDLE_WAIT)
        for kwargs, engine, pid in zip(settings, engines, pids, strict=True):
            label = (
                ", ".join(f"{k}={v}" for k, v in kwargs.items()) or "no setting"
            )
            print(f"   {label}:")
            print("\n".join(f"     {line}" for line in reuse(engine, pid)))
    finally:
        for engine in engines:
            engine.dispose()


if __name__ == "__main__":
    main()
