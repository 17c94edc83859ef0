"""Reset on return: what the pool does to a connection you give back.

When a connection returns to the pool, the pool "resets" it: by default it
calls rollback() on the DBAPI connection, so the next borrower never inherits
a transaction. If the Connection or Session already ended its transaction,
the pool skips that rollback ("transaction already reset" in its DEBUG log).
pool_reset_on_return=None turns the reset off.

Run it:  python -m snippets.session_pool.lifecycle.reset_on_return
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import inspect
import logging
import os
import textwrap

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.pool import ConnectionPoolEntry, Pool, PoolResetState


# --8<-- [start:listen]
def watch_resets(engine: Engine, seen: list[str]) -> None:
    """Note each reset the pool performs, with what it knew about the
    transaction."""

    def on_reset(
        _dbapi: object, _record: ConnectionPoolEntry, state: PoolResetState
    ) -> None:
        seen.append(
            f"reset event, transaction_was_reset={state.transaction_was_reset}"
        )

    event.listen(engine, "reset", on_reset)


# --8<-- [end:listen]


class PoolLog(logging.Handler):
    """Keep the pool's own DEBUG messages about resets, without object
    addresses."""

    def __init__(self, seen: list[str]) -> None:
        super().__init__(logging.DEBUG)
        self.seen = seen

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if " reset" in message or "rollback-on-return" in message:
            self.seen.append(
                "pool log: Connection <...>" + message.split(">", 1)[-1]
            )


def leave_uncommitted_row(engine: Engine) -> None:
    """Insert a row through the DBAPI connection, and give it back
    uncommitted."""
    with engine.connect() as conn:
        cursor = conn.connection.cursor()  # the DBAPI connection's cursor
        cursor.execute("INSERT INTO reset_demo (n) VALUES (1)")
        # the Connection never saw that transaction: it cannot end it
        cursor.close()


def rows_seen_next(engine: Engine) -> int:
    with engine.connect() as conn:  # the same pooled connection comes back
        return int(
            conn.execute(text("SELECT count(*) FROM reset_demo")).scalar_one()
        )


# --8<-- [start:engine]
def drill(url: str, reset_on_return: str | None) -> None:
    engine = create_engine(
        url, pool_size=1, pool_reset_on_return=reset_on_return
    )
    # --8<-- [end:engine]
    seen: list[str] = []
    watch_resets(engine, seen)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS reset_demo"))
        conn.execute(text("CREATE TABLE reset_demo (n INTEGER)"))
    seen.clear()  # from here on: only what the uncommitted row goes through
    handler = PoolLog(seen)
    pool_logger = logging.getLogger("sqlalchemy.pool")
    pool_logger.addHandler(handler)
    pool_logger.setLevel(logging.DEBUG)
    print(f"pool_reset_on_return={reset_on_return!r}")
    try:
        with engine.connect() as conn:  # ordinary use: the Connection ends its
            conn.execute(text("SELECT 1"))  # transaction itself when closed
        print("  a Connection used and closed, its transaction still open:")
        print("".join(f"    {line}\n" for line in seen), end="")
        seen.clear()
        with engine.begin() as conn:  # a transaction committed before the close
            conn.execute(text("SELECT 1"))
        print("  a transaction committed by engine.begin(), then closed:")
        print("".join(f"    {line}\n" for line in seen), end="")
        seen.clear()
        leave_uncommitted_row(engine)
        print("  an INSERT left uncommitted on the DBAPI connection:")
        print("".join(f"    {line}\n" for line in seen), end="")
    finally:
        pool_logger.removeHandler(handler)
        pool_logger.setLevel(logging.WARNING)
    rows = rows_seen_next(engine)
    print(f"    the next checkout counts {rows} uncommitted row(s)")
    with engine.connect() as conn:  # clean up, on the same connection
        # with the reset off, the uncommitted INSERT is still open
        conn.rollback()
        conn.execute(text("DROP TABLE reset_demo"))
        conn.commit()
    engine.dispose()


def documented_values() -> list[str]:
    """The values of reset_on_return, as Pool.__init__'s docstring lists
    them."""
    doc = inspect.getdoc(Pool.__init__) or ""
    section = doc[doc.index(":param reset_on_return:") :].split(":param ")[1]
    bullets = " ".join(section.replace("``", "").split()).split("* ")[1:]
    return [
        bullet.split(" - ")[0] + ": " + bullet.split(" - ")[1].split(".")[0]
        for bullet in bullets
    ]


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    for reset_on_return in ("rollback", None):
        drill(url, reset_on_return)
    print(
        "pool_reset_on_return values,"
        " from the installed Pool.__init__ docstring:"
    )
    for value in documented_values():
        print(
            textwrap.fill(
                value, 76, initial_indent="  ", subsequent_indent="    "
            )
        )


if __name__ == "__main__":
    main()
