"""Which create_engine() pool arguments each pool class accepts, found by
trying every pair.

Run it:  python -m snippets.session_pool.pool_types.rejected_arguments
It creates engines but opens no connection. Prints a Markdown table.
"""

# databases: sqlite

import os
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.pool import (
    AssertionPool,
    NullPool,
    Pool,
    QueuePool,
    SingletonThreadPool,
    StaticPool,
)

POOLS: list[type[Pool]] = [
    QueuePool,
    NullPool,
    StaticPool,
    SingletonThreadPool,
    AssertionPool,
]
ARGUMENTS: dict[str, Any] = {
    "pool_size": 5,
    "max_overflow": 10,
    "pool_timeout": 30,
    "pool_use_lifo": True,
    "pool_recycle": 3600,
    "pool_pre_ping": True,
}


# --8<-- [start:try]
def try_argument(
    url: str, pool_class: type[Pool], name: str, value: Any
) -> str | None:
    """None if create_engine() accepts the argument with this pool class,
    else the error text."""
    try:
        engine = create_engine(url, poolclass=pool_class, **{name: value})
    except TypeError as error:
        return str(error)
    engine.dispose()
    return None
    # --8<-- [end:try]


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    print(
        "| pool class | " + " | ".join(f"`{name}`" for name in ARGUMENTS) + " |"
    )
    print("|---" * (len(ARGUMENTS) + 1) + "|")
    errors: list[str] = []
    for pool_class in POOLS:
        cells = []
        for name, value in ARGUMENTS.items():
            error = try_argument(url, pool_class, name, value)
            cells.append("accepted" if error is None else "**TypeError**")
            if error is not None:
                errors.append(error)
        print(f"| `{pool_class.__name__}` | " + " | ".join(cells) + " |")
    print(
        "\nEach **TypeError** comes from `create_engine()` itself,"
        " before any connection is"
    )
    print("made, and names the argument and the pool class:\n")
    print(f"> `TypeError: {errors[0]}`\n")
    print(f'??? failure "All {len(errors)} messages"\n')
    for error in errors:
        print(f"    - `TypeError: {error}`")


if __name__ == "__main__":
    main()
