"""Where pooled connections come from: creator=, create_pool_from_url(),
echo_pool.

* creator= replaces how the pool opens a DBAPI connection: a function with no
  arguments that returns one. The URL still picks the dialect.
* create_pool_from_url() builds a pool alone, without an engine.
* echo_pool logs what the pool does; pool_logging_name names its logger.

Run it:  python -m snippets.session_pool.lifecycle.custom_creator
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import logging
import os
import re
import textwrap
from typing import cast

from sqlalchemy import create_engine, create_pool_from_url, make_url, text
from sqlalchemy.engine.interfaces import DBAPIConnection


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    engine_with_a_creator(url)
    pool_without_an_engine(url)
    pool_log_with_a_name(url)


def engine_with_a_creator(url: str) -> None:
    # --8<-- [start:creator]
    dialect = create_engine(url).dialect  # only to learn how this URL connects
    cargs, cparams = dialect.create_connect_args(make_url(url))
    calls = 0

    def connect() -> DBAPIConnection:
        """Open a DBAPI connection the way we want; the pool calls it when it
        needs one."""
        nonlocal calls
        calls += 1
        dbapi = dialect.loaded_dbapi
        return cast(DBAPIConnection, dbapi.connect(*cargs, **cparams))

    engine = create_engine(url, creator=connect)
    # --8<-- [end:creator]
    for _ in range(3):
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    print(f"creator=: 3 checkouts, the creator was called {calls} time(s)")
    engine.dispose()


def pool_without_an_engine(url: str) -> None:
    # --8<-- [start:pool-alone]
    pool = create_pool_from_url(url, pool_size=2, max_overflow=0)
    # a pooled DBAPI connection: no Core, no ORM
    dbapi_connection = pool.connect()
    cursor = dbapi_connection.cursor()
    cursor.execute("SELECT 1")
    (answer,) = cursor.fetchone() or (None,)
    cursor.close()
    dbapi_connection.close()  # back to the pool
    # --8<-- [end:pool-alone]
    print(
        f"create_pool_from_url(): {type(pool).__name__}, SELECT 1 gave {answer}"
    )
    print("  status:")
    print(textwrap.indent(textwrap.fill(pool.status(), 60), "    "))
    pool.dispose()


def pool_log_with_a_name(url: str) -> None:
    class Messages(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            message = re.sub(r"<[^<>]*>", "<connection>", record.getMessage())
            said = f"{record.levelname:<5} {record.name}: {message}"
            print(
                textwrap.fill(
                    said, 76, initial_indent="  ", subsequent_indent="        "
                )
            )

    logging.getLogger("sqlalchemy.pool").addHandler(Messages())
    # --8<-- [start:echo-pool]
    engine = create_engine(url, echo_pool="debug", pool_logging_name="orders")
    # --8<-- [end:echo-pool]
    # echo's own handler prints timestamps to stdout: keep just the messages,
    # as ours does
    pool_class = type(engine.pool)  # its logger: module.class.logging_name
    logging.getLogger(
        f"{pool_class.__module__}.{pool_class.__name__}.orders"
    ).handlers.clear()
    print('echo_pool="debug", pool_logging_name="orders", one checkout:')
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    engine.dispose()


if __name__ == "__main__":
    main()
