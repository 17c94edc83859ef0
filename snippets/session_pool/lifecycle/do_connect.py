"""Per-connection arguments with the do_connect event: a fresh token for each
new DBAPI connection.

do_connect runs just before the dialect calls the driver's connect(), with
the arguments it is about to pass, which the listener may change. The pool
calls it for each new connection only: a pooled connection that is reused
keeps the token it was opened with.

Run it:  python -m snippets.session_pool.lifecycle.do_connect
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import itertools
import os
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import Dialect
from sqlalchemy.pool import ConnectionPoolEntry


# --8<-- [start:listen]
def issue_tokens(engine: Engine, issued: list[str]) -> None:
    """Give each new DBAPI connection a token of its own."""
    numbers = itertools.count(1)

    @event.listens_for(engine, "do_connect")
    def provide_token(
        dialect: Dialect,
        _record: ConnectionPoolEntry,
        _cargs: list[Any],
        cparams: dict[str, Any],
    ) -> None:
        token = f"token-{next(numbers)}"  # in real life: ask the issuer
        issued.append(token)
        # a real token goes in cparams["password"]; here, where the server
        # shows it back to us:
        if dialect.name == "postgresql":
            cparams["application_name"] = token
        elif dialect.name == "mysql":
            cparams["init_command"] = f"SET @token = '{token}'"
        else:  # sqlite3: the busy timeout, in seconds
            cparams["timeout"] = float(token.split("-")[1])


# --8<-- [end:listen]


# --8<-- [start:read-back]
def token_seen_by_server(conn: Connection) -> str:
    """What the server holds for this connection."""
    query = {
        "postgresql": "SELECT current_setting('application_name')",
        "mysql": "SELECT @token",
        "sqlite": "PRAGMA busy_timeout",  # milliseconds
    }[conn.dialect.name]
    return f"{query}: {conn.execute(text(query)).scalar_one()}"


# --8<-- [end:read-back]


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    engine = create_engine(url, pool_size=2, max_overflow=0)
    issued: list[str] = []
    issue_tokens(engine, issued)

    with engine.connect() as first, engine.connect() as second:
        print("two connections at once (both new):")
        print(f"  {token_seen_by_server(first)}")
        print(f"  {token_seen_by_server(second)}")
    print("three checkouts, one at a time (pooled, reused):")
    for _ in range(3):
        with engine.connect() as conn:
            print(f"  {token_seen_by_server(conn)}")
    with engine.connect() as conn:
        conn.invalidate()  # this DBAPI connection is closed: next one is new
    with engine.connect() as first, engine.connect() as second:
        print("after invalidate() closed one, two connections at once again:")
        print(f"  {token_seen_by_server(first)}")
        print(f"  {token_seen_by_server(second)}")
    print(f"tokens issued: {len(issued)} ({', '.join(issued)})")
    engine.dispose()


if __name__ == "__main__":
    main()
