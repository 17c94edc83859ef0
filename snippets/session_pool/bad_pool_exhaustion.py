"""The problem: connections that are never given back exhaust the pool.

Run it:  python -m snippets.session_pool.bad_pool_exhaustion
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import builtins
import os
import textwrap

from sqlalchemy import Connection, Engine, create_engine, exc, text

REQUESTS = 20


# --8<-- [start:leak]
def handle_requests(
    engine: Engine, requests: int, kept: list[Connection]
) -> None:
    """Serve `requests` requests that each take a connection and never give
    it back."""
    for _ in range(requests):
        conn = engine.connect()  # checked out from the pool...
        conn.execute(text("SELECT 1"))
        # ...and still referenced, never closed: it never goes back
        kept.append(conn)
    # --8<-- [end:leak]


def main() -> None:
    # --8<-- [start:engine]
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    # The default limits, but wait 0.1 s for a free connection instead of
    # the default.
    engine = create_engine(url, pool_timeout=0.1)
    # --8<-- [end:engine]
    # --8<-- [start:catch]
    kept: list[Connection] = []
    try:
        handle_requests(engine, REQUESTS, kept)
    except exc.TimeoutError as error:
        # sqlalchemy.exc.TimeoutError, not Python's own
        print(f"request {len(kept) + 1} of {REQUESTS} failed:")
        print(f"{type(error).__module__}.{type(error).__name__}:")
        print(textwrap.indent(textwrap.fill(str(error), 74), "  "))
        print(
            f"caught by `except TimeoutError` (the built-in)? "
            f"{isinstance(error, builtins.TimeoutError)}"
        )
        print("pool:")
        print(textwrap.indent(textwrap.fill(engine.pool.status(), 60), "  "))
    # --8<-- [end:catch]
    finally:
        for conn in kept:
            conn.close()
        engine.dispose()


if __name__ == "__main__":
    main()
