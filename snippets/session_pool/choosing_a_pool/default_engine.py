"""What the one-line default engine gives you: its pool class, limits and
disconnect handling.

Run it:  python -m snippets.session_pool.choosing_a_pool.default_engine
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import os
import textwrap

from sqlalchemy import Engine, create_engine
from sqlalchemy.pool import QueuePool


def describe(engine: Engine) -> list[str]:
    pool = engine.pool
    if not isinstance(pool, QueuePool):
        return [f"pool class: {type(pool).__name__}", pool.status()]
    # max_overflow, pre-ping and recycle have no public getter: private
    # attributes hold them
    return [
        f"pool class: {type(pool).__name__}",
        f"pool_size: {pool.size()}, max_overflow: {pool._max_overflow}, "
        f"pool_timeout: {pool.timeout()} s",
        f"pool_pre_ping: {pool._pre_ping}, pool_recycle: {pool._recycle}",
        "status:",
        textwrap.indent(textwrap.fill(pool.status(), 60), "  "),
    ]


def main() -> None:
    # --8<-- [start:default]
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    engine = create_engine(url)  # that's it: the pool comes with the engine
    # --8<-- [end:default]
    print(f"database: {engine.dialect.name}, driver: {engine.dialect.driver}")
    for line in describe(engine):
        print(line)
    engine.dispose()


if __name__ == "__main__":
    main()
