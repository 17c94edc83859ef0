"""The problem: a new engine, and so a new database connection, for every query.

Run it:  python -m snippets.session_pool.bad_no_pooling
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import os
import time

from sqlalchemy import create_engine, event, text

# --8<-- [start:naive-loop]
QUERIES = 50


def run_queries(url: str, queries: int = QUERIES) -> int:
    """Run `queries` queries the naive way; return how many connections were
    opened."""
    opened = 0

    def count_connect(*_: object) -> None:
        nonlocal opened
        opened += 1

    for _ in range(queries):
        # a new engine: a new pool, a new connection
        engine = create_engine(url)
        event.listen(engine, "connect", count_connect)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()  # closes that connection
    return opened
    # --8<-- [end:naive-loop]


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    start = time.perf_counter()
    opened = run_queries(url)
    elapsed = time.perf_counter() - start
    print(f"queries: {QUERIES}, connections opened: {opened}")
    per_query = elapsed / QUERIES
    print(
        f"elapsed: {elapsed * 1000:.2f} ms "
        f"({per_query * 1000:.2f} ms per query)"
    )


if __name__ == "__main__":
    main()
