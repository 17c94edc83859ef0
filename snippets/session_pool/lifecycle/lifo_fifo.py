"""pool_use_lifo: which idle connection the pool lends next, and why it matters.

By default QueuePool lends the connection that has waited longest (FIFO), so
light traffic keeps every pooled connection busy now and then. With
pool_use_lifo=True it lends the one returned last: the others stay idle,
and a server idle timeout closes them. That lets the server trim a pool that
light traffic does not need; pool_pre_ping then replaces the closed ones
when traffic grows again.

Run it:  python -m snippets.session_pool.lifecycle.lifo_fifo
Set DATABASE_URL to a server, e.g. postgresql+psycopg://user:pass@127.0.0.1/db
"""

# databases: postgresql, mysql

import os
import time

from sqlalchemy import Connection, Engine, create_engine, make_url, text
from sqlalchemy.pool import NullPool

POOLED = 3
IDLE_TIMEOUT = 2  # seconds: the server closes a session idle that long
PAUSE = 0.05  # seconds between requests: light traffic


def session_id(conn: Connection) -> int:
    if conn.dialect.name == "postgresql":
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
    return int(conn.execute(text("SELECT CONNECTION_ID()")).scalar_one())


def set_idle_timeout(conn: Connection) -> str:
    """Make the server close this session after IDLE_TIMEOUT s idle; read it
    back."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"SET idle_session_timeout = '{IDLE_TIMEOUT}s'"))
        value = conn.execute(text("SHOW idle_session_timeout")).scalar_one()
        setting = f"idle_session_timeout = {value}"
    else:
        conn.execute(text(f"SET SESSION wait_timeout = {IDLE_TIMEOUT}"))
        value = conn.execute(text("SELECT @@SESSION.wait_timeout")).scalar_one()
        setting = f"wait_timeout = {value} s"
    conn.commit()
    return setting


def open_sessions(conn: Connection) -> set[int]:
    """The ids of the sessions open on the server, read in autocommit."""
    if conn.dialect.name == "postgresql":
        listed = "SELECT pid FROM pg_stat_activity"
    else:
        listed = "SELECT ID FROM information_schema.PROCESSLIST"
    return set(conn.execute(text(listed)).scalars())


# --8<-- [start:engine]
def pooled_engine(url: str, lifo: bool) -> Engine:
    return create_engine(
        url, pool_size=POOLED, pool_use_lifo=lifo, pool_pre_ping=True
    )
    # --8<-- [end:engine]


def fill(engine: Engine) -> tuple[list[int], set[str]]:
    """Open POOLED connections with a server idle timeout and return them to
    the pool; their session ids and their settings."""
    held = [engine.connect() for _ in range(POOLED)]
    ids = [session_id(conn) for conn in held]
    settings = {set_idle_timeout(conn) for conn in held}
    for conn in held:
        conn.close()
    return ids, settings


def light_traffic(
    engines: list[Engine], pooled: list[set[int]], watch: Connection
) -> list[set[int]]:
    """One request at a time to each engine, every PAUSE s, at least POOLED
    each, until the server has closed every pooled session that served none
    (after IDLE_TIMEOUT s idle); the sessions that served each engine's
    requests."""
    used: list[set[int]] = [set() for _ in engines]
    deadline = time.monotonic() + 10 * IDLE_TIMEOUT  # a safety net
    requests = 0
    while time.monotonic() < deadline:
        for engine, sessions in zip(engines, used, strict=True):
            with engine.connect() as conn:
                sessions.add(session_id(conn))
        requests += 1
        on_server = open_sessions(watch)
        idle = [i - s for i, s in zip(pooled, used, strict=True)]
        if requests >= POOLED and not set().union(*idle) & on_server:
            break
        time.sleep(PAUSE)
    return used


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    if make_url(url).get_backend_name() == "sqlite":
        print(
            "SQLite has no server to close idle connections: "
            "set DATABASE_URL to one."
        )
        return
    orders = (False, True)  # pool_use_lifo of each pool
    engines = [pooled_engine(url, lifo) for lifo in orders]
    filled = [fill(engine) for engine in engines]
    pooled = [set(ids) for ids, _ in filled]
    observer = create_engine(
        url, poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )
    with observer.connect() as watch:
        # the same traffic to both, side by side
        used = light_traffic(engines, pooled, watch)
        on_server = open_sessions(watch)
    observer.dispose()
    for lifo, engine, ids, (_, settings), sessions in zip(
        orders, engines, pooled, filled, used, strict=True
    ):
        report(lifo, settings, sessions & ids, on_server & ids)
        engine.dispose()


def report(
    lifo: bool, settings: set[str], served: set[int], still_open: set[int]
) -> None:
    """What one pool's connections did: which of them served requests, and
    which the server still keeps open."""
    print(
        f"pool_use_lifo={lifo}: {POOLED} pooled connections, "
        "one request at a time"
    )
    print(f"  each pooled session: {', '.join(sorted(settings))}")
    print(f"  pooled connections that served requests: {len(served)}")
    print(f"  pooled connections still open on the server: {len(still_open)}")


if __name__ == "__main__":
    main()
