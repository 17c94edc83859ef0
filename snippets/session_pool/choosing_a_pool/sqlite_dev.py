"""SQLite: a file database needs no pool settings; StaticPool is for :memory: in tests.

Run it:  python -m snippets.session_pool.choosing_a_pool.sqlite_dev
"""

# backends: sqlite

import os
import threading

from sqlalchemy import Engine, create_engine, exc, text
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import SingletonThreadPool, StaticPool


def in_thread(engine: Engine, sql: str) -> tuple[DBAPIConnection | None, str]:
    """Run `sql` in a new thread; return the DBAPI connection it used and what happened."""
    result: list[tuple[DBAPIConnection | None, str]] = []

    def work() -> None:
        with engine.connect() as conn:
            dbapi = conn.connection.dbapi_connection
            try:
                result.append((dbapi, f"ok, {conn.execute(text(sql)).scalar_one()}"))
            except exc.OperationalError as error:
                name = f"{type(error).__module__}.{type(error).__name__}"
                result.append((dbapi, f"{name}: {error}".replace("\n", "\n    ")))
            if isinstance(engine.pool, SingletonThreadPool):
                # the pool keeps this thread's connection, and sqlite3 lets only this thread
                # close it: close it now rather than at dispose() in the main thread
                conn.invalidate()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    return result[0]


def file_database(url: str) -> None:
    # --8<-- [start:file-default]
    engine = create_engine(url)  # a file database: nothing else to set
    # --8<-- [end:file-default]
    _, kwargs = engine.dialect.create_connect_args(engine.url)  # what sqlite3.connect() gets
    check = kwargs.get("check_same_thread")
    print(f"file database: pool {type(engine.pool).__name__}, check_same_thread={check}")
    with engine.connect() as conn:
        created_in_main = conn.connection.dbapi_connection
    used, outcome = in_thread(engine, "SELECT 1")
    print(f"  a connection made in the main thread, reused in another thread: {outcome}")
    print(f"  same DBAPI connection: {used is created_in_main}")
    engine.dispose()


def memory_database(label: str, engine: Engine) -> None:
    print(f"{label}: pool {type(engine.pool).__name__}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE tests_data (x INTEGER)"))
        conn.execute(text("INSERT INTO tests_data VALUES (42)"))
    _, outcome = in_thread(engine, "SELECT x FROM tests_data")
    print(f"  the test's data, read from another thread: {outcome}")
    engine.dispose()  # the :memory: database and its table go away with its connection


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    file_database(url)
    memory_database("sqlite:// (:memory:), default", create_engine("sqlite://"))
    # --8<-- [start:memory-static]
    engine = create_engine(
        "sqlite://",  # :memory: - the database lives inside its one connection
        poolclass=StaticPool,  # so every checkout must get that same connection
        connect_args={"check_same_thread": False},  # from any thread, one at a time
    )
    # --8<-- [end:memory-static]
    memory_database("sqlite:// (:memory:), StaticPool", engine)


if __name__ == "__main__":
    main()
