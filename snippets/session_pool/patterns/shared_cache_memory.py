"""A shared-cache in-memory SQLite database lives only while a connection is
open.

"file::memory:?cache=shared" lets several connections, and so several
threads, share one in-memory database, and the URL gets QueuePool. SQLite
frees that database when its last connection closes: engine.dispose(), a
recycled or an invalidated connection can wipe it.

Run it:  python -m snippets.session_pool.patterns.shared_cache_memory
It uses its own in-memory database, whatever DATABASE_URL says.
"""

# databases: sqlite

import time

from sqlalchemy import Engine, create_engine, exc, text

URL = "sqlite:///file::memory:?cache=shared&uri=true"  # gets QueuePool
RECYCLE = 1  # seconds


def rows(engine: Engine) -> str:
    """How many rows the table has, as a new checkout sees it."""
    try:
        with engine.connect() as conn:
            return str(
                conn.execute(text("SELECT count(*) FROM notes")).scalar()
            )
    except exc.OperationalError as error:
        return f"error: {error.orig}"


def fill(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE notes (body TEXT)"))
        conn.execute(text("INSERT INTO notes VALUES ('kept in memory')"))


def main() -> None:
    # --8<-- [start:shared]
    engine = create_engine(URL)
    fill(engine)  # CREATE TABLE notes, INSERT one row
    print(f"pool class: {type(engine.pool).__name__}")
    print(f"rows seen by the next checkout: {rows(engine)}")
    engine.dispose()  # closes every pooled connection: the last one goes
    print(f"rows after engine.dispose(): {rows(engine)}")
    # --8<-- [end:shared]
    engine.dispose()

    engine = create_engine(URL)
    fill(engine)
    with engine.connect() as conn:
        # as after a disconnect error: the connection is closed
        conn.invalidate()
    print("rows after the pool's only connection was invalidated:")
    print(f"  {rows(engine)}")
    engine.dispose()

    engine = create_engine(URL, pool_recycle=RECYCLE)
    fill(engine)
    time.sleep(RECYCLE + 0.1)
    print(f"rows at the first checkout after pool_recycle={RECYCLE} s:")
    print(f"  {rows(engine)}")
    engine.dispose()


if __name__ == "__main__":
    main()
