"""What pool_pre_ping sends, per driver.

It shows the do_ping() source of the installed SQLAlchemy.

Run it:  python -m snippets.session_pool.best_practices.what_pre_ping_sends
It prints Markdown and connects to nothing: creating an engine opens no
connection.
"""

# databases: sqlite

import inspect
import re
import textwrap

import sqlalchemy
from sqlalchemy import Engine, create_engine

URLS = [
    "postgresql+psycopg://",
    "mysql+pymysql://",
    "sqlite:///pooling_guide.db",
]


# --8<-- [start:find-do-ping]
def ping_source(engine: Engine) -> tuple[type, str]:
    """The class in the dialect's MRO that defines do_ping(), and its source."""
    for cls in type(engine.dialect).__mro__:
        if "do_ping" in vars(cls):
            return cls, textwrap.dedent(inspect.getsource(vars(cls)["do_ping"]))
    raise LookupError(f"{type(engine.dialect).__name__} has no do_ping()")


# --8<-- [end:find-do-ping]


def attributes_used(engine: Engine, source: str) -> dict[str, object]:
    """The values of the dialect's own attributes that do_ping() reads.

    These are the self._something attributes.
    """
    names = sorted(set(re.findall(r"self\.(_\w+)", source)))
    return {name: getattr(engine.dialect, name) for name in names}


def main() -> None:
    print(f"From SQLAlchemy {sqlalchemy.__version__} as installed:\n")
    for url in URLS:
        engine = create_engine(url)  # no connection is opened
        try:
            cls, source = ping_source(engine)
            used = attributes_used(engine, source)
        finally:
            engine.dispose()
        # bold, not a heading: the output goes inside a page that has
        # headings of its own
        method = f"{cls.__module__}.{cls.__qualname__}.do_ping()"
        print(f"**`{url}`** uses `{method}`:\n")
        print(f"```python\n{source}```\n")
        for name, value in used.items():
            print(f"For this dialect `self.{name}` is `{value!r}`.\n")


if __name__ == "__main__":
    main()
