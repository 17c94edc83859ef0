"""NullPool: every checkout opens a new DBAPI connection, every return
closes it.

Run it:  python -m snippets.session_pool.pool_types.null_pool
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import os
import textwrap
from collections import Counter

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.pool import NullPool

CHECKOUTS = 5


def count_pool_events(
    engine: Engine, checkouts: int = CHECKOUTS
) -> Counter[str]:
    """Borrow a connection `checkouts` times; count what the pool did with
    DBAPI connections."""
    seen: Counter[str] = Counter()
    for name in ("connect", "checkout", "close"):
        event.listen(engine, name, lambda *_, name=name: seen.update([name]))
    for _ in range(checkouts):
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    return seen


def report(label: str, engine: Engine) -> None:
    seen = count_pool_events(engine)
    print(f"{label}: {type(engine.pool).__name__}")
    print(
        f"  checkouts: {seen['checkout']}, "
        f"DBAPI connections opened: {seen['connect']}, "
        f"closed: {seen['close']}"
    )
    print("  pool status afterwards:")
    print(textwrap.indent(textwrap.fill(engine.pool.status(), 60), "    "))
    engine.dispose()


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    # --8<-- [start:null-pool]
    engine = create_engine(url, poolclass=NullPool)
    # --8<-- [end:null-pool]
    report("create_engine(url, poolclass=NullPool)", engine)
    report("create_engine(url), for comparison", create_engine(url))


if __name__ == "__main__":
    main()
