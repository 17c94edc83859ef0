"""NullPool for AWS Lambda: the engine outlives invocations, connections do not.

Run it:  python -m snippets.session_pool.choosing_a_pool.serverless
Set DATABASE_URL to try another database, e.g. postgresql+psycopg://user:pass@127.0.0.1/db
"""

import os
from typing import Any

from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy import event as sa_event  # `event` is the handler's argument name
from sqlalchemy.pool import NullPool

INVOCATIONS = 3
_engine: Engine | None = None  # lives as long as the execution environment


def connect_args(url: str) -> dict[str, Any]:
    """connect_timeout is a PostgreSQL and MySQL driver argument; sqlite3 has no such thing."""
    if make_url(url).get_backend_name() in ("postgresql", "mysql"):
        return {"connect_timeout": 5}  # seconds to wait for the server to answer
    return {}


def get_engine() -> Engine:
    """Created on the first invocation, reused by every warm invocation after it."""
    global _engine
    if _engine is None:
        url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
        # --8<-- [start:null-pool-engine]
        _engine = create_engine(
            url,
            poolclass=NullPool,  # a connection per invocation, closed when it is given back
            connect_args=connect_args(url),
        )
        # --8<-- [end:null-pool-engine]
    return _engine


# --8<-- [start:handler]
def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """The Lambda entry point."""
    with get_engine().connect() as conn:
        answer = conn.execute(text("SELECT 1")).scalar_one()
    return {"statusCode": 200, "body": str(answer)}


# --8<-- [end:handler]


def count_connections(engine: Engine) -> dict[str, int]:
    """Count DBAPI connections opened and closed from now on."""
    counts = {"opened": 0, "closed": 0}

    def opened(*_: object) -> None:
        counts["opened"] += 1

    def closed(*_: object) -> None:
        counts["closed"] += 1

    sa_event.listen(engine, "connect", opened)
    sa_event.listen(engine, "close", closed)
    return counts


def simulate(label: str, engine: Engine) -> None:
    """Run warm invocations in one execution environment, as Lambda reuses it."""
    global _engine
    _engine = engine  # the engine the handler's get_engine() returns
    counts = count_connections(engine)
    for _ in range(INVOCATIONS):
        handler({}, None)
    still_open = counts["opened"] - counts["closed"]
    print(f"{label}: {INVOCATIONS} invocations, one engine ({type(engine.pool).__name__})")
    print(f"  connections opened: {counts['opened']}, closed: {counts['closed']}")
    print(f"  left open while the environment sits frozen between invocations: {still_open}")
    engine.dispose()
    _engine = None


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    print(f"database: {make_url(url).get_backend_name()}")
    simulate("NullPool", get_engine())
    simulate("default pool, for comparison", create_engine(url, connect_args=connect_args(url)))


if __name__ == "__main__":
    main()
