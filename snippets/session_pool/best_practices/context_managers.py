"""Context managers give the connection back: engine.begin() and Session,
on success and on error.

Run it:  python -m snippets.session_pool.best_practices.context_managers
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import os
import textwrap
from typing import cast

from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    func,
    insert,
    select,
)
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

# --8<-- [start:setup]
metadata = MetaData()
notes = Table(
    "best_practices_notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("text", String(50), nullable=False),
)


def pool_of(engine: Engine) -> QueuePool:
    pool = cast(QueuePool, engine.pool)
    return pool


# --8<-- [end:setup]


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    engine = create_engine(url)
    metadata.create_all(engine)
    try:
        with_engine_begin(engine)
        print()
        with_session(engine)
        print()
        failing_engine_begin(engine)
        print()
        print(textwrap.fill(pool_of(engine).status(), 60))  # 92 characters
    finally:
        metadata.drop_all(engine)
        engine.dispose()


def with_engine_begin(engine: Engine) -> None:
    """Checked out inside the block, checked out after it, connections idle
    in the pool after."""
    # --8<-- [start:engine-begin]
    pool = pool_of(engine)
    # checks a connection out and begins a transaction
    with engine.begin() as conn:
        conn.execute(insert(notes).values(text="written with engine.begin()"))
        inside = pool.checkedout()
    # leaving the block committed the transaction and returned the connection
    # to the pool
    # --8<-- [end:engine-begin]
    after, idle = pool.checkedout(), pool.checkedin()
    print("with engine.begin() as conn:")
    print(f"  checked out inside the block: {inside}")
    print(
        f"  checked out after the block:  {after} "
        f"({idle} open, idle in the pool)"
    )
    print(f"  rows in the table:            {count_rows(engine)}")


def with_session(engine: Engine) -> None:
    """Checked out after the first statement, after commit(), and after the
    with block."""
    pool = pool_of(engine)
    # --8<-- [start:session]
    # no connection yet: the first statement checks one out
    with Session(engine) as session:
        session.execute(insert(notes).values(text="written with a Session"))
        inside = pool.checkedout()
        # commits, and already returns the connection to the pool
        session.commit()
        after_commit = pool.checkedout()
    # leaving the block closed the Session: nothing of it is left checked out
    # --8<-- [end:session]
    print("with Session(engine) as session:")
    print(f"  checked out after the INSERT: {inside}")
    print(f"  checked out after commit():   {after_commit}")
    print(f"  checked out after the block:  {pool.checkedout()}")
    print(f"  rows in the table:            {count_rows(engine)}")


def failing_engine_begin(engine: Engine) -> None:
    """The error that left the block, the connections still checked out
    afterwards, and whether the INSERT stayed."""
    pool = pool_of(engine)
    before = count_rows(engine)
    # --8<-- [start:begin-error]
    try:
        with engine.begin() as conn:
            conn.execute(insert(notes).values(text="never committed"))
            raise ValueError("something went wrong after the INSERT")
    except ValueError as error:
        # the block rolled back, returned the connection, re-raised
        raised = f"{type(error).__module__}.{type(error).__name__}: {error}"
    # --8<-- [end:begin-error]
    after = pool.checkedout()
    rows = count_rows(engine)
    verdict = (
        "the INSERT was rolled back"
        if rows == before
        else "the INSERT was kept"
    )
    print("with engine.begin() as conn:  # an exception inside the block")
    print(f"  raised: {raised}")
    print(f"  checked out after the block:  {after}")
    print(f"  rows in the table:            {rows}, {before} before the block")
    print(f"  {verdict}")


def count_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(
            select(func.count()).select_from(notes)
        ).scalar_one()


if __name__ == "__main__":
    main()
