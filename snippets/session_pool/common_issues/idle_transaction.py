"""A connection left idle in a transaction, at READ COMMITTED and at
REPEATABLE READ: what the server keeps for it, read from a second
connection.

Run it:  python -m snippets.session_pool.common_issues.idle_transaction
Set DATABASE_URL to the server, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

# databases: postgresql, mysql

import os
import re

from sqlalchemy import Connection, Engine, create_engine, text

LEVELS = ("READ COMMITTED", "REPEATABLE READ")


def server_pid(conn: Connection) -> int:
    """The server's id for the connection's session."""
    if conn.dialect.name == "postgresql":
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
    return int(conn.execute(text("SELECT CONNECTION_ID()")).scalar_one())


# --8<-- [start:postgresql-view]
def postgresql_view(monitor: Connection, pid: int) -> list[str]:
    """Session pid's state, snapshot (backend_xmin), transaction id
    (backend_xid) and locks, as pg_stat_activity and pg_locks show them."""
    state, xmin, xid = monitor.execute(
        text(
            "SELECT state, backend_xmin IS NOT NULL, backend_xid IS NOT NULL"
            " FROM pg_stat_activity WHERE pid = :pid"
        ),
        {"pid": pid},
    ).one()
    locks = monitor.execute(
        text(
            "SELECT locktype, COALESCE(relation::regclass::text, '-'), mode"
            " FROM pg_locks WHERE pid = :pid ORDER BY 1, 2, 3"
        ),
        {"pid": pid},
    ).all()
    return [
        f"state {state!r}",
        f"backend_xmin {'set' if xmin else 'null'}, "
        f"backend_xid {'set' if xid else 'null'}",
        *(f"lock: {kind} {rel} {mode}" for kind, rel, mode in locks),
    ]
    # --8<-- [end:postgresql-view]


# --8<-- [start:innodb-view]
def innodb_view(monitor: Connection, pid: int) -> list[str]:
    """Session pid's transaction in SHOW ENGINE INNODB STATUS: its state,
    its row locks and whether it keeps a read view (InnoDB's snapshot)."""
    status = monitor.execute(text("SHOW ENGINE INNODB STATUS")).one()[2]
    for block in status.split("---TRANSACTION ")[1:]:
        if f"thread id {pid}," in block:
            state = "ACTIVE" if ", ACTIVE" in block else "not active"
            locks = re.search(r"(\d+) row lock\(s\)", block)
            view = "Trx read view" in block
            return [
                f"InnoDB transaction {state}, "
                f"{locks[1] if locks else 0} row lock(s)",
                f"read view {'kept' if view else 'none'}",
            ]
    return ["no InnoDB transaction listed"]
    # --8<-- [end:innodb-view]


def show(engine: Engine, level: str, update: bool) -> None:
    # --8<-- [start:left-idle]
    conn = engine.connect().execution_options(isolation_level=level)
    pid = server_pid(conn)  # the first statement begins the transaction
    conn.execute(text("SELECT balance FROM accounts WHERE id = 1"))
    if update:
        conn.execute(text("UPDATE accounts SET balance = 1 WHERE id = 1"))
    # nothing ends the transaction: no commit(), rollback() or close()
    # --8<-- [end:left-idle]
    print(f"{level}, after a SELECT{' and an UPDATE' if update else ''}:")
    with engine.connect() as monitor:
        if monitor.dialect.name == "postgresql":
            lines = postgresql_view(monitor, pid)
        else:
            lines = innodb_view(monitor, pid)
    for line in lines:
        print(f"   {line}")
    conn.close()  # rolls the transaction back


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text("CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INT)")
        )
        conn.execute(text("INSERT INTO accounts VALUES (1, 0)"))
    try:
        for level in LEVELS:
            for update in (False, True):
                show(engine, level, update)
    finally:
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE accounts"))
        engine.dispose()


if __name__ == "__main__":
    main()
