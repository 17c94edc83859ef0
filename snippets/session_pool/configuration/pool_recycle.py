"""pool_recycle: at checkout, a connection older than pool_recycle seconds
is replaced.

Run it:  python -m snippets.session_pool.configuration.pool_recycle
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import os
import textwrap
import time
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, create_engine, event, exc, text
from sqlalchemy.pool import ConnectionPoolEntry

RECYCLE = 1  # seconds; a real application uses e.g. 3600
PAUSE = RECYCLE + 0.1


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    # --8<-- [start:engine]
    engine = create_engine(
        url,
        pool_size=2,
        pool_recycle=RECYCLE,  # 1 s for the demo
    )
    # --8<-- [end:engine]
    print(f"pool_recycle={RECYCLE}")
    print(
        textwrap.fill(
            f"server: {server_idle_limit(engine)}", 76, subsequent_indent="  "
        )
    )
    engine.dispose()  # start again from an empty pool
    tally = watch_connections(engine)
    for label, value in checkouts_across_a_pause(engine):
        value, _, comparison = value.partition(": ")
        print(f"{label:<32} {value}".rstrip())
        if comparison:  # on a line of its own, under the value
            print(f"{'':<33}{comparison}")
    print(f"connections opened {tally.opened}, closed {tally.closed}")
    for closed, age, idle_for in tally.closed_ones:
        print(f"the pool closed {closed} (open for, idle in the pool for):")
        print(f"  {age:.2f} s, {idle_for:.2f} s")
    engine.dispose()


def checkouts_across_a_pause(engine: Engine) -> list[tuple[str, str]]:
    """Which connection each checkout gets, before and after PAUSE."""
    # --8<-- [start:recycle]
    held = engine.connect()  # kept checked out the whole time
    first_held = connection_id(held)
    with engine.connect() as conn:
        idle = connection_id(conn)  # returned to the pool when the block ends
    with engine.connect() as conn:
        at_once = connection_id(conn)  # younger than pool_recycle: reused
    time.sleep(PAUSE)
    # older than pool_recycle, but never checked in
    still_held = connection_id(held)
    with engine.connect() as conn:
        # older than pool_recycle: replaced at checkout
        after_pause = connection_id(conn)
    # --8<-- [end:recycle]
    held.close()  # back to the pool, older than pool_recycle
    with engine.connect() as first, engine.connect() as second:
        next_two = (connection_id(first), connection_id(second))
    return [
        ("held (kept checked out)", first_held),
        ("checked out, returned", idle),
        ("checked out again at once", f"{at_once}: {compare(idle, at_once)}"),
        (f"--- {PAUSE} s later ---", ""),
        (
            "held, still checked out",
            f"{still_held}: {compare(first_held, still_held)}",
        ),
        ("checked out", f"{after_pause}: {compare(at_once, after_pause)}"),
        ("held one returned; 2 checkouts", ", ".join(next_two)),
    ]


@dataclass
class Tally:
    """Real DBAPI connections opened and closed, counted with pool events."""

    opened: int = 0
    closed: int = 0
    # of each connection the pool closed: its id, age and time idle in
    # the pool, in seconds, at that moment
    closed_ones: list[tuple[str, float, float]] = field(default_factory=list)


# --8<-- [start:events]
def watch_connections(engine: Engine) -> Tally:
    """Note with pool events when each connection was opened and last
    returned; at close, how long ago that was."""
    tally = Tally()

    def on_connect(_dbapi: object, record: ConnectionPoolEntry) -> None:
        tally.opened += 1
        record.info["number"] = tally.opened  # for SQLite, which has no id
        record.info["opened"] = time.monotonic()

    def on_checkin(_dbapi: object, record: ConnectionPoolEntry) -> None:
        record.info["returned"] = time.monotonic()

    def on_close(_dbapi: object, record: ConnectionPoolEntry) -> None:
        now = time.monotonic()
        tally.closed += 1
        if "returned" in record.info:  # not one that failed at its checkout
            age = now - record.info["opened"]
            idle = now - record.info["returned"]
            tally.closed_ones.append((record.info["id"], age, idle))

    event.listen(engine, "connect", on_connect)
    event.listen(engine, "checkin", on_checkin)
    event.listen(engine, "close", on_close)
    return tally
    # --8<-- [end:events]


# Helpers of the demonstration


def connection_id(conn: Connection) -> str:
    """Which database connection this is, as the server numbers it;
    noted in the pool's record of it too."""
    if conn.dialect.name == "postgresql":
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        label = f"backend pid {pid}"
    elif conn.dialect.name in {"mysql", "mariadb"}:
        number = conn.execute(text("SELECT CONNECTION_ID()")).scalar()
        label = f"connection id {number}"
    else:
        # use the connection, as the server queries above do
        conn.execute(text("SELECT 1"))
        # SQLite has no id: ours, from connect
        label = f"connection #{conn.connection.info['number']}"
    conn.connection.info["id"] = label
    return label


def compare(before: str, after: str) -> str:
    return (
        "the same connection"
        if before == after
        else f"new: {before} was replaced"
    )


def server_idle_limit(engine: Engine) -> str:
    """The server's own limit on idle connections, the reason to set
    pool_recycle at all, with the server's description of it."""
    with engine.connect() as conn:
        if engine.dialect.name in {"mysql", "mariadb"}:
            seconds = conn.execute(text("SELECT @@wait_timeout")).scalar()
            # MariaDB describes each variable; MySQL has no such table
            try:
                default, comment = conn.execute(
                    text(
                        "SELECT DEFAULT_VALUE, VARIABLE_COMMENT"
                        " FROM information_schema.SYSTEM_VARIABLES"
                        " WHERE VARIABLE_NAME = 'WAIT_TIMEOUT'"
                    )
                ).one()
            except exc.DBAPIError:
                return f"wait_timeout = {seconds} (no default listed)"
            return f"wait_timeout = {seconds}, default {default}: {comment}"
        if engine.dialect.name == "postgresql":
            setting, default, short, extra = conn.execute(
                text(
                    "SELECT setting, boot_val, short_desc, extra_desc"
                    " FROM pg_settings WHERE name = 'idle_session_timeout'"
                )
            ).one()
            return (
                f"idle_session_timeout = {setting}, default {default}:"
                f" {short} {extra}"
            )
    return "SQLite has no server that could close an idle connection"


if __name__ == "__main__":
    main()
