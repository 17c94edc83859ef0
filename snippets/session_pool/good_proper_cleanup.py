"""The solution: context managers give every connection back, so the pool
never runs dry.

Run it:  python -m snippets.session_pool.good_proper_cleanup
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import os
import textwrap

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

REQUESTS = 20


# --8<-- [start:with-connection]
def handle_requests(engine: Engine, requests: int) -> None:
    """Serve `requests` requests, each giving its connection back when it is
    done."""
    for _ in range(requests):
        # the connection goes back to the pool when the block ends
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    # --8<-- [end:with-connection]


# --8<-- [start:with-session]
def handle_requests_orm(engine: Engine, requests: int) -> None:
    """The same with ORM sessions: a Session returns its connection when it
    closes."""
    for _ in range(requests):
        # the session closes, and returns its connection, at the end
        with Session(engine) as session:
            session.execute(text("SELECT 1"))
            session.commit()
    # --8<-- [end:with-session]


def show_pool(label: str, engine: Engine) -> None:
    # status() in two lines of at most 60 characters: it is 92 long
    status = textwrap.fill(engine.pool.status(), 60, subsequent_indent="  ")
    print(f"{label}\n  {status}")


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    engine = create_engine(url, pool_size=5, max_overflow=10, pool_timeout=1)
    show_pool("before:", engine)
    handle_requests(engine, REQUESTS)
    show_pool(f"after {REQUESTS} connections:", engine)
    handle_requests_orm(engine, REQUESTS)
    show_pool(f"after {REQUESTS} sessions:", engine)
    engine.dispose()


if __name__ == "__main__":
    main()
