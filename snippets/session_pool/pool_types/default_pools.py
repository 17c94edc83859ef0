"""Which pool class create_engine() really picks for each kind of database URL.

Run it:  python -m snippets.session_pool.pool_types.default_pools
It creates engines but opens no connection, so no server is needed.
Prints a Markdown table.
"""

# databases: sqlite

import asyncio
import os
import warnings

from sqlalchemy import create_engine, make_url
from sqlalchemy.ext.asyncio import create_async_engine

SYNC_URLS = [
    "sqlite:///pooling_guide.db",
    "sqlite://",
    "sqlite:///:memory:",
    "sqlite:///file::memory:?cache=shared&uri=true",
    "sqlite:///file:guide?mode=memory&uri=true",
    "postgresql+psycopg://user:password@127.0.0.1:5432/db",
    "mysql+pymysql://user:password@127.0.0.1:3306/db",
]
ASYNC_URLS = [
    "postgresql+psycopg://user:password@127.0.0.1:5432/db",
    "sqlite+aiosqlite:///pooling_guide.db",
    "sqlite+aiosqlite://",
    "sqlite+aiosqlite:///:memory:",
]


# --8<-- [start:sync]
def sync_pool(url: str) -> tuple[str, list[str]]:
    """The pool class create_engine() picks for `url`, and the warnings it
    emits."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        engine = create_engine(url)  # creating an engine connects to nothing
    pool_class = type(engine.pool).__name__
    # --8<-- [end:sync]
    engine.dispose()
    notes = [
        f"{w.category.__module__}.{w.category.__name__}: {w.message}"
        for w in caught
    ]
    return pool_class, notes


def async_pool(url: str) -> str:
    """The pool class create_async_engine() picks for `url`."""
    engine = create_async_engine(url)
    pool_class = type(engine.pool).__name__
    asyncio.run(engine.dispose())
    return pool_class


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    urls = SYNC_URLS if url in SYNC_URLS else [url, *SYNC_URLS]
    print("| URL | engine | pool class |")
    print("|---|---|---|")
    warned: list[tuple[str, str]] = []
    for sync_url in urls:
        pool_class, notes = sync_pool(sync_url)
        # your own DATABASE_URL is printed with its password hidden
        shown = (
            sync_url
            if sync_url in SYNC_URLS
            else make_url(sync_url).render_as_string()
        )
        mark = " (see the warning below)" if notes else ""
        print(f"| `{shown}` | `create_engine()` | `{pool_class}`{mark} |")
        warned += [(shown, note) for note in notes]
    for async_url in ASYNC_URLS:
        pool_class = async_pool(async_url)
        print(f"| `{async_url}` | `create_async_engine()` | `{pool_class}` |")
    for warned_url, note in warned:
        print(
            f"\nWarning emitted by `create_engine()` for `{warned_url}`:"
            f"\n\n> {note}"
        )


if __name__ == "__main__":
    main()
