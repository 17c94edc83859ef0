"""SQLite in development: keep the default pool for a file;
StaticPool only for sqlite:// tests.

Run it:  python -m snippets.session_pool.patterns.sqlite_dev
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import os
import threading
import uuid

from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    Table,
    create_engine,
    func,
    insert,
    make_url,
    select,
    text,
)
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import SingletonThreadPool, StaticPool


def default_pool(url: str) -> None:
    """What create_engine() picks for this URL,
    and (SQLite) the sqlite3 arguments it passes."""
    engine = create_engine(url)
    try:
        pool_name = type(engine.pool).__name__
        print(f"Default pool for {engine.dialect.name}: {pool_name}")
        if engine.dialect.name != "sqlite":
            return
        _, kwargs = engine.dialect.create_connect_args(engine.url)
        print(f"  arguments for sqlite3.connect(): {kwargs}")
        seen: list[str] = []

        def use() -> None:  # borrow the pooled sqlite3 connection and use it
            with engine.connect() as conn:
                value = conn.execute(text("SELECT 1")).scalar_one()
                dbapi_connection = conn.connection.dbapi_connection
                seen.append(
                    f"{value} via sqlite3 connection {id(dbapi_connection)}"
                )

        use()
        thread = threading.Thread(target=use)
        thread.start()
        thread.join()
        print(f"  main thread: SELECT 1 = {seen[0]}")
        print(f"  another thread: SELECT 1 = {seen[1]}")
    finally:
        engine.dispose()


# --8<-- [start:static-pool-engine]
def static_pool_engine(url: str) -> Engine:
    """The chapter's "SQLite development" engine.

    check_same_thread exists only in sqlite3.
    """
    sqlite = make_url(url).get_backend_name() == "sqlite"
    connect_args = {"check_same_thread": False} if sqlite else {}
    return create_engine(url, poolclass=StaticPool, connect_args=connect_args)
    # --8<-- [end:static-pool-engine]


def rows(n: int) -> str:
    return f"{n} row" if n == 1 else f"{n} rows"


def lost_commit(engine: Engine) -> tuple[int, int]:
    """Two Sessions: s1 inserts, s2 reads and rolls back, s1 commits.

    What s2 saw, what is left.
    """
    metadata = MetaData()
    table = Table(
        f"patterns_demo_{uuid.uuid4().hex[:8]}", metadata, Column("id", Integer)
    )
    count = select(func.count()).select_from(table)
    metadata.create_all(engine)
    try:
        # --8<-- [start:two-sessions]
        with Session(engine) as s1, Session(engine) as s2:
            s1.execute(insert(table).values(id=1))  # not committed yet
            # s2 starts its own transaction ...
            seen_by_s2 = s2.execute(count).scalar_one()
            s2.rollback()  # ... and rolls it back
            s1.commit()  # "succeeds"
        with engine.connect() as conn:
            left = conn.execute(count).scalar_one()
        # --8<-- [end:two-sessions]
        return seen_by_s2, left
    finally:
        metadata.drop_all(engine)


def count_rows(engine: Engine, other_thread: bool) -> str:
    """Count the rows of table `t` through a new checkout,
    in this thread or another one."""
    answer: list[str] = []

    def count() -> None:
        with engine.connect() as conn:
            try:
                n = conn.execute(text("SELECT count(*) FROM t")).scalar_one()
                answer.append(rows(n))
            except OperationalError as error:
                answer.append(f"sqlalchemy.exc.OperationalError: {error.orig}")
            if other_thread and isinstance(engine.pool, SingletonThreadPool):
                # this thread's own sqlite3 connection: close it in this thread
                conn.invalidate()

    if other_thread:
        thread = threading.Thread(target=count)
        thread.start()
        thread.join()
    else:
        count()
    return answer[0]


def memory_database(engine: Engine, note: str = "") -> None:
    print(f"sqlite:// with {type(engine.pool).__name__}{note}:")
    try:
        with engine.begin() as conn:  # one checkout creates a table and a row
            conn.execute(text("CREATE TABLE t (id INTEGER)"))
            conn.execute(text("INSERT INTO t VALUES (1)"))
        same = count_rows(engine, other_thread=False)
        print(f"  next checkout, same thread: {same}")
        other = count_rows(engine, other_thread=True)
        print("  next checkout, another thread:")
        print(f"    {other}")
    finally:
        engine.dispose()


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    default_pool(url)
    print()
    print("s1 inserts a row; s2 counts the rows, then rolls back; s1 commits:")
    engines = {
        "default engine": create_engine(url),
        "chapter's engine": static_pool_engine(url),
    }
    for label, engine in engines.items():
        try:
            seen, left = lost_commit(engine)
            pool = type(engine.pool).__name__
            print(
                f"  {label} ({pool}): s2 saw {rows(seen)}, "
                f"the table keeps {rows(left)}"
            )
        finally:
            engine.dispose()
    print()
    # --8<-- [start:memory-engines]
    in_tests = create_engine(
        "sqlite://",  # in memory: the database lives as long as its connection
        # one connection, so one database, for every checkout
        poolclass=StaticPool,
        connect_args={"check_same_thread": False},
    )
    # SingletonThreadPool: one connection per thread
    default = create_engine("sqlite://")
    # --8<-- [end:memory-engines]
    memory_database(in_tests)
    memory_database(default, " (the default)")


if __name__ == "__main__":
    main()
