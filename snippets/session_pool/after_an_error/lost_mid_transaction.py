"""A connection lost in the middle of an ORM Session's transaction.

The program ends the server session of a Session's connection from a
second connection, between two statements of one transaction, as a
failover or a restart would. The Session then refuses every use until
rollback(); the fix is to roll back and run the whole unit of work again.
It creates two tables and drops them at the end.

Run it:  python -m snippets.session_pool.after_an_error.lost_mid_transaction
Set DATABASE_URL to a server, e.g. postgresql+psycopg://user:pass@127.0.0.1/db
"""

# databases: postgresql, mysql

import os
import textwrap
import time
from collections.abc import Callable

from sqlalchemy import (
    Engine,
    String,
    create_engine,
    exc,
    func,
    make_url,
    select,
    text,
    update,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.pool import NullPool

GONE_WITHIN = 5.0  # seconds to wait for the server to drop a killed session


class Base(DeclarativeBase):
    pass


class Order(Base):
    __tablename__ = "after_error_orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    item: Mapped[str] = mapped_column(String(40))


class Stock(Base):
    __tablename__ = "after_error_stock"
    item: Mapped[str] = mapped_column(String(40), primary_key=True)
    count: Mapped[int]


def end_server_session(session: Session, url: str) -> None:
    """End the server session of `session`'s connection from a second
    connection, and wait until the server no longer lists it."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        victim = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        statement = f"SELECT pg_terminate_backend({int(victim)})"
        listed = f"SELECT count(*) FROM pg_stat_activity WHERE pid = {victim}"
    else:
        victim = conn.execute(text("SELECT CONNECTION_ID()")).scalar_one()
        statement = f"KILL {int(victim)}"
        listed = (
            "SELECT count(*) FROM information_schema.PROCESSLIST"
            f" WHERE ID = {int(victim)}"
        )
    # autocommit: PostgreSQL shows pg_stat_activity as of a transaction's start
    monitor = create_engine(
        url, poolclass=NullPool, isolation_level="AUTOCOMMIT"
    )
    with monitor.connect() as other:
        other.execute(text(statement))
        deadline = time.monotonic() + GONE_WITHIN
        while other.execute(text(listed)).scalar_one():
            if time.monotonic() > deadline:
                raise RuntimeError("the session is still there")
            time.sleep(0.01)
    monitor.dispose()


# --8<-- [start:unit-of-work]
def place_order(session: Session, between: Callable[[], None]) -> None:
    """One unit of work, two statements; `between` runs between them."""
    session.add(Order(item="lamp"))
    session.flush()  # statement 1: INSERT, the transaction has begun
    between()
    session.execute(  # statement 2: UPDATE
        update(Stock).where(Stock.item == "lamp").values(count=Stock.count - 1)
    )


# --8<-- [end:unit-of-work]


def print_wrapped(message: str) -> None:
    """The first lines of an error, without SQLAlchemy's link."""
    message = message.partition("\n")[0].partition(" (Background on")[0]
    print(
        textwrap.fill(
            message, 74, initial_indent="    ", subsequent_indent="      "
        )
    )


def state(session: Session) -> str:
    orders = session.scalar(select(func.count()).select_from(Order))
    stock = session.scalar(select(Stock.count).where(Stock.item == "lamp"))
    return f"orders: {orders}, lamps in stock: {stock}"


def use_after_the_loss(engine: Engine, url: str) -> None:
    """The problem: the same Session used again after the error."""
    session = Session(engine)
    try:
        place_order(session, lambda: end_server_session(session, url))
    except exc.OperationalError as error:
        print(f"  statement 2: {type(error).__name__}, from the driver:")
        print(f"    {str(error.orig).splitlines()[0]}")
        print(f"    connection_invalidated: {error.connection_invalidated}")
    # --8<-- [start:next-use]
    try:
        session.scalar(select(func.count()).select_from(Order))
    except exc.PendingRollbackError as error:
        print("  the next use of the Session: PendingRollbackError")
        print_wrapped(str(error))
    session.rollback()  # the fix: roll back, then the Session works again
    # --8<-- [end:next-use]
    print(f"  after session.rollback(): {state(session)}")
    session.close()


# --8<-- [start:retry]
def run_unit_of_work(
    engine: Engine, work: Callable[[Session], None], attempts: int = 2
) -> None:
    """Run `work` in a transaction; run all of it again, in a new
    Session, if the connection was lost."""
    for attempt in range(1, attempts + 1):
        with Session(engine) as session:
            try:
                with session.begin():  # commits, or rolls back on error
                    work(session)
                return
            except exc.DBAPIError as error:
                if not error.connection_invalidated or attempt == attempts:
                    raise  # not a lost connection, or out of attempts
                print(f"  attempt {attempt}: {type(error).__name__}, again")


# --8<-- [end:retry]


def retry_the_unit(engine: Engine, url: str) -> None:
    """The fix: the whole unit of work again, in a new transaction."""
    lost = [False]

    def work(session: Session) -> None:
        def lose_once() -> None:
            if not lost[0]:
                lost[0] = True
                end_server_session(session, url)

        place_order(session, lose_once)

    run_unit_of_work(engine, work)
    with Session(engine) as session:
        print(f"  done: {state(session)}")


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    if make_url(url).get_backend_name() == "sqlite":
        print("SQLite has no server session to end: set DATABASE_URL.")
        return
    engine = create_engine(url, pool_pre_ping=True)
    Base.metadata.create_all(engine)
    try:
        with Session(engine) as session, session.begin():
            session.add(Stock(item="lamp", count=10))
        print("the server session ends between statement 1 and 2:")
        use_after_the_loss(engine, url)
        print("run_unit_of_work(), the same loss in its first attempt:")
        retry_the_unit(engine, url)
    finally:
        Base.metadata.drop_all(engine)
        engine.dispose()


if __name__ == "__main__":
    main()
