"""The solution: one engine per process; every query borrows a pooled
connection.

Run it:  python -m snippets.session_pool.good_with_pooling
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import os
import textwrap
import time

from sqlalchemy import Engine, create_engine, event, text

QUERIES = 50


def run_queries(engine: Engine, queries: int = QUERIES) -> int:
    """Run `queries` queries through the engine's pool; return how many
    connections were opened."""
    opened = 0

    def count_connect(*_: object) -> None:
        nonlocal opened
        opened += 1

    event.listen(engine, "connect", count_connect)
    # --8<-- [start:pooled-loop]
    for _ in range(queries):
        with engine.connect() as conn:  # borrows a connection from the pool
            conn.execute(text("SELECT 1"))
        # leaving the block returns the connection to the pool, still open
    # --8<-- [end:pooled-loop]
    return opened


def main() -> None:
    # --8<-- [start:create-once]
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    engine = create_engine(url)  # once, at start-up: the engine owns the pool
    # --8<-- [end:create-once]
    start = time.perf_counter()
    opened = run_queries(engine)
    elapsed = time.perf_counter() - start
    print(f"queries: {QUERIES}, connections opened: {opened}")
    per_query = elapsed / QUERIES
    print(
        f"elapsed: {elapsed * 1000:.2f} ms "
        f"({per_query * 1000:.2f} ms per query)"
    )
    print(textwrap.fill(engine.pool.status(), 60))  # 92 characters long
    engine.dispose()


if __name__ == "__main__":
    main()
