"""SQLAlchemy 2.0's async_fallback mode, tried on the installed SQLAlchemy.

In SQLAlchemy 2.0, create_engine() ran an asyncio driver synchronously when
the URL carried ?async_fallback=true, with FallbackAsyncAdaptedQueuePool as
its pool. This program imports that pool, then creates an engine from such
a URL and runs one query on it.

Run it:  python -m snippets.session_pool.pool_types.async_fallback
Set DATABASE_URL to try another database; the program switches the URL to
the database's asyncio driver (psycopg, aiomysql or aiosqlite).
"""

import gc
import os
import textwrap
import warnings

import sqlalchemy
from sqlalchemy import create_engine, exc, make_url, text

ASYNC_DRIVERS = {
    "postgresql": "psycopg_async",
    "mysql": "aiomysql",
    "mariadb": "aiomysql",
    "sqlite": "aiosqlite",
}


def fallback_url(url: str) -> str:
    """The URL with the database's asyncio driver and async_fallback=true."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    parsed = parsed.set(drivername=f"{backend}+{ASYNC_DRIVERS[backend]}")
    parsed = parsed.update_query_dict({"async_fallback": "true"})
    return parsed.render_as_string(hide_password=False)


def import_the_pool() -> None:
    # --8<-- [start:import]
    try:
        from sqlalchemy.pool import (  # type: ignore[attr-defined]
            FallbackAsyncAdaptedQueuePool,
        )
    except ImportError as error:
        # without the file path that follows
        message = str(error).split(" (")[0]
        print(f"  {type(error).__name__}:")
        print(textwrap.indent(textwrap.fill(message, 72), "    "))
    else:
        print(f"  imported: {FallbackAsyncAdaptedQueuePool.__name__}")
    # --8<-- [end:import]


def run_with_fallback(url: str) -> None:
    # --8<-- [start:fallback]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        engine = create_engine(url)  # a URL with ?async_fallback=true
        print(f"  pool: {type(engine.pool).__name__}")
        try:
            with engine.connect() as conn:
                value = conn.execute(text("SELECT 1")).scalar_one()
                print(f"  SELECT 1 returned {value}")
        except (exc.MissingGreenlet, TypeError) as error:
            kind = f"{type(error).__module__}.{type(error).__name__}"
            print(f"  connect: {kind}:")
            print(textwrap.indent(textwrap.fill(str(error), 72), "    "))
        engine.dispose()
        # the coroutine never awaited is freed at once on Python 3.11; from
        # 3.13 a reference cycle holds it until the garbage collector runs
        gc.collect()
    for warning in caught:
        print(f"  {warning.category.__name__}:")
        print(textwrap.indent(textwrap.fill(str(warning.message), 72), "    "))
    # --8<-- [end:fallback]


def main() -> None:
    url = fallback_url(
        os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    )
    print(f"SQLAlchemy {sqlalchemy.__version__}")
    print("from sqlalchemy.pool import FallbackAsyncAdaptedQueuePool:")
    import_the_pool()
    driver = make_url(url).drivername
    print(f"create_engine() with {driver}, ?async_fallback=true:")
    run_with_fallback(url)


if __name__ == "__main__":
    main()
