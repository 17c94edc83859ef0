"""When a Session holds a pooled connection, and what really leaks one.

checkedout() counts.

Run it:  python -m snippets.session_pool.choosing_a_pool.session_rules
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import gc
import os
import textwrap
from typing import cast

from sqlalchemy import Engine, create_engine, exc, text
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool


# --8<-- [start:tiny-pool]
def checked_out(engine: Engine) -> int:
    """Connections the engine's pool has lent out right now."""
    pool = cast(QueuePool, engine.pool)
    return pool.checkedout()


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    # a deliberately tiny pool, so that a leak shows quickly
    engine = create_engine(url, pool_size=2, max_overflow=0, pool_timeout=0.2)
    Session = sessionmaker(engine)
    # --8<-- [end:tiny-pool]
    try:
        with_block(engine, Session)
        commit_without_close(engine, Session)
        connection_without_close(engine)
        kept = sessions_kept_referenced(engine, Session)
        references_dropped(engine, kept)
    finally:
        engine.dispose()


def with_block(engine: Engine, Session: sessionmaker[OrmSession]) -> None:
    print("1. with Session() as session:")
    # --8<-- [start:good]
    with Session() as session:
        session.execute(text("SELECT 1"))
        print(f"   inside the block: checked out {checked_out(engine)}")
    print(f"   after the block: checked out {checked_out(engine)}")
    # --8<-- [end:good]


def commit_without_close(
    engine: Engine, Session: sessionmaker[OrmSession]
) -> None:
    print("2. the chapter's 'bad' example: no close()")
    # --8<-- [start:no-close]
    session = Session()
    # begins a transaction: a connection is checked out
    session.execute(text("SELECT 1"))
    print(f"   after execute(): checked out {checked_out(engine)}")
    # ends the transaction: the connection goes back to the pool
    session.commit()
    print(
        "   after commit(), still no close(): "
        f"checked out {checked_out(engine)}"
    )
    # --8<-- [end:no-close]
    session.close()


def connection_without_close(engine: Engine) -> None:
    print("3. a Connection, no close()")
    # --8<-- [start:connection-no-close]
    # a Connection holds its pooled connection from here...
    conn = engine.connect()
    conn.execute(text("SELECT 1"))
    conn.commit()
    print(f"   after commit(), no close(): checked out {checked_out(engine)}")
    conn.close()  # ...to here, transaction or not
    print(f"   after close(): checked out {checked_out(engine)}")
    # --8<-- [end:connection-no-close]


def sessions_kept_referenced(
    engine: Engine, Session: sessionmaker[OrmSession]
) -> list[OrmSession]:
    print("4. the real leak: sessions kept referenced, idle in a transaction")
    # --8<-- [start:real-leak]
    # e.g. a global, a cache, a long-lived object
    kept: list[OrmSession] = []
    for _ in range(2):
        session = Session()
        session.execute(text("SELECT 1"))  # transaction begun, never ended
        kept.append(session)
    print(f"   two sessions kept: checked out {checked_out(engine)} of 2")
    try:
        with Session() as session:
            session.execute(text("SELECT 1"))
    except exc.TimeoutError as error:
        error_type = f"{type(error).__module__}.{type(error).__name__}"
        print(f"   the next request: {error_type}:")
        print(textwrap.indent(textwrap.fill(str(error), 70), "     "))
    # --8<-- [end:real-leak]
    return kept


def references_dropped(engine: Engine, kept: list[OrmSession]) -> None:
    print(
        "5. the references dropped, without close() "
        "(CPython's garbage collector)"
    )
    # --8<-- [start:dropped]
    kept.clear()  # nothing refers to the two sessions any more
    # sessions sit in reference cycles: freed when the cycle collector runs
    gc.collect()
    print(f"   checked out {checked_out(engine)}")
    # --8<-- [end:dropped]


if __name__ == "__main__":
    main()
