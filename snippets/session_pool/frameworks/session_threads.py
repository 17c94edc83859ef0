"""Sessions in threads: scoped_session with remove() at the end of each
unit of work, one Session shared by two threads, and one Session per
thread.

Run it:  python -m snippets.session_pool.frameworks.session_threads
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import os
import textwrap
import threading
from typing import Any, cast

from sqlalchemy import Engine, create_engine, event, exc, text
from sqlalchemy.orm import Session, scoped_session, sessionmaker
from sqlalchemy.pool import QueuePool

THREADS = 4


def checked_out(engine: Engine) -> int:
    return cast(QueuePool, engine.pool).checkedout()


def run_threads(target: Any, count: int = THREADS) -> None:
    threads = [threading.Thread(target=target) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def scoped(engine: Engine) -> None:
    working = threading.Barrier(THREADS + 1, timeout=30)  # threads + main()
    done = threading.Barrier(THREADS + 1, timeout=30)
    same: list[bool] = []
    # --8<-- [start:scoped]
    SessionLocal = scoped_session(sessionmaker(engine))

    def unit_of_work() -> None:
        session = SessionLocal()  # this thread's Session
        try:
            session.execute(text("SELECT 1"))
            same.append(SessionLocal() is session)
            working.wait()  # all threads hold a connection
            done.wait()
        finally:
            SessionLocal.remove()  # closes it: the connection goes back
            # --8<-- [end:scoped]

    print(f"1. scoped_session, {THREADS} threads, remove() at the end")
    worker = threading.Thread(target=run_threads, args=(unit_of_work,))
    worker.start()
    working.wait()
    print(f"  while they work: {checked_out(engine)} checked out")
    done.wait()
    worker.join()
    print(f"  SessionLocal() is the thread's Session each time: {all(same)}")
    print(f"  after remove(): {checked_out(engine)} checked out")


def shared(engine: Engine) -> None:
    provisioning = threading.Event()
    tried = threading.Event()

    @event.listens_for(engine, "checkout")
    def hold_first(*_: Any) -> None:
        # the first thread's checkout waits until the main thread has tried
        if threading.current_thread().name == "first":
            provisioning.set()
            tried.wait(timeout=30)

    print("2. One Session, two threads at once")
    # --8<-- [start:shared]
    session = Session(engine)  # one Session for both threads

    def query() -> None:
        session.execute(text("SELECT 1"))

    first = threading.Thread(target=query, name="first")
    first.start()
    provisioning.wait(timeout=30)  # first is checking out a connection
    try:
        query()  # the main thread, at the same time
    except exc.InvalidRequestError as error:
        print("  the main thread raised")
        print(f"  {type(error).__module__}.{type(error).__name__}:")
        print(textwrap.indent(textwrap.fill(str(error), 70), "    "))
    finally:
        tried.set()
        first.join()
        session.close()
    # --8<-- [end:shared]
    event.remove(engine, "checkout", hold_first)


def per_thread(engine: Engine) -> None:
    working = threading.Barrier(THREADS + 1, timeout=30)
    done = threading.Barrier(THREADS + 1, timeout=30)

    # --8<-- [start:per-thread]
    def unit_of_work() -> None:
        with Session(engine) as session:  # this thread's own Session
            session.execute(text("SELECT 1"))
            working.wait()  # all threads hold a connection
            done.wait()
            # --8<-- [end:per-thread]

    print(f"3. One Session per thread, {THREADS} threads")
    worker = threading.Thread(target=run_threads, args=(unit_of_work,))
    worker.start()
    working.wait()
    print(f"  while they work: {checked_out(engine)} checked out")
    done.wait()
    worker.join()
    print(f"  after the with blocks: {checked_out(engine)} checked out")


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    engine = create_engine(url)
    try:
        scoped(engine)
        print()
        shared(engine)
        print()
        per_thread(engine)
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
