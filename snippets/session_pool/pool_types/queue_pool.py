"""QueuePool, written out explicitly, is the default pool.

It is lazy (starts empty) and bounded.

Run it:  python -m snippets.session_pool.pool_types.queue_pool
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import os
import textwrap
from contextlib import ExitStack
from typing import cast

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.pool import QueuePool


# --8<-- [start:explicit]
def explicit_engine(url: str) -> Engine:
    engine = create_engine(
        url,
        poolclass=QueuePool,  # explicit, but it is the default
        pool_size=5,
        max_overflow=10,
        # not in the chapter: only so that this demo fails fast
        pool_timeout=0.2,
    )
    return engine
    # --8<-- [end:explicit]


def default_engine(url: str) -> Engine:
    # everything else left at its default
    return create_engine(url, pool_timeout=0.2)


def fill_the_pool(engine: Engine) -> None:
    """Check out connections until the pool refuses one.

    Print what the pool did.
    """
    pool = cast(QueuePool, engine.pool)
    opened = 0

    def count_connect(*_: object) -> None:
        nonlocal opened
        opened += 1

    event.listen(engine, "connect", count_connect)
    print(f"  pool class: {type(pool).__name__}, pool_size: {pool.size()}")
    print(f"  after create_engine(): connections opened: {opened}")
    print(textwrap.indent(textwrap.fill(pool.status(), 60), "    "))
    # --8<-- [start:fill]
    with ExitStack() as held:
        while True:
            try:
                # keep every connection checked out
                held.enter_context(engine.connect())
            except exc.TimeoutError as error:
                print(f"  checkout no. {pool.checkedout() + 1} refused:")
                error_type = f"{type(error).__module__}.{type(error).__name__}"
                print(f"    {error_type}:")
                print(textwrap.indent(textwrap.fill(str(error), 70), "      "))
                break
        print(
            f"  while held: connections opened: {opened}, "
            f"checked out: {pool.checkedout()}"
        )
    # --8<-- [end:fill]
    print(f"  all given back: still open in the pool: {pool.checkedin()}")
    print(textwrap.indent(textwrap.fill(pool.status(), 60), "    "))


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    for label, make in [
        ("explicit QueuePool", explicit_engine),
        ("default", default_engine),
    ]:
        print(f"{label}:")
        engine = make(url)
        try:
            fill_the_pool(engine)
        finally:
            engine.dispose()


if __name__ == "__main__":
    main()
