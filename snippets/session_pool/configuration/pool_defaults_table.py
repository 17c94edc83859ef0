"""Print the pool defaults of the installed SQLAlchemy as a Markdown table,
read from its code.

Run it:  python -m snippets.session_pool.configuration.pool_defaults_table
Set DATABASE_URL to see which pool class another database gets by default.
"""

import inspect
import os
from importlib.metadata import version

from sqlalchemy import create_engine, make_url
from sqlalchemy.pool import Pool, QueuePool

# create_engine() argument -> the parameter of the pool class it is handed to
POOL_ARGUMENTS = {
    "pool_size": "pool_size",
    "max_overflow": "max_overflow",
    "pool_timeout": "timeout",
    "pool_recycle": "recycle",
    "pool_pre_ping": "pre_ping",
    "pool_use_lifo": "use_lifo",
    "pool_reset_on_return": "reset_on_return",
}

MEANING = {
    "pool_size": "most idle connections the pool keeps (it starts empty)",
    "max_overflow": (
        "extra connections beyond `pool_size`; closed when returned"
    ),
    "pool_timeout": (
        "seconds a checkout waits when every allowed connection is in use"
    ),
    "pool_recycle": (
        "age in seconds after which a connection is replaced at checkout; "
        "negative: never"
    ),
    "pool_pre_ping": "test a pooled connection before handing it out",
    "pool_use_lifo": (
        "reuse the most recently returned connection first "
        "(`False`: the oldest)"
    ),
    "pool_reset_on_return": (
        "what a returned connection gets; `True` means a rollback"
    ),
}


def pool_defaults() -> dict[str, tuple[str, str, object]]:
    """create_engine argument -> (pool class that declares it, its parameter,
    its default)."""
    found: dict[str, tuple[str, str, object]] = {}
    for argument, parameter in POOL_ARGUMENTS.items():
        for cls in (QueuePool, Pool):  # QueuePool passes the rest on to Pool
            declared = inspect.signature(cls.__init__).parameters.get(parameter)
            if declared is not None:
                found[argument] = (cls.__name__, parameter, declared.default)
                break
    return found


def default_pool_class(url: str) -> str:
    """The pool class create_engine() picks for this URL (no connection is
    opened)."""
    engine = create_engine(url)
    name = type(engine.pool).__name__
    engine.dispose()
    return name


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    print(
        "| `create_engine()` argument | pool parameter | default "
        "| what it controls |"
    )
    print("|---|---|---|---|")
    for argument, (cls, parameter, default) in pool_defaults().items():
        print(
            f"| `{argument}` | `{cls}({parameter}=)` | `{default!r}` "
            f"| {MEANING[argument]} |"
        )
    parsed = make_url(url)
    print()
    backend = f"{parsed.get_backend_name()}+{parsed.get_driver_name()}"
    print(
        f"Read from the installed SQLAlchemy {version('SQLAlchemy')} "
        "with `inspect.signature()`. "
        f"`create_engine()` for `{backend}` "
        f"builds a `{default_pool_class(url)}`."
    )


if __name__ == "__main__":
    main()
