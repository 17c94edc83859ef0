"""Serverless: warm invocations reuse the environment;
NullPool vs a lazily created pooled engine.

Run it:  python -m snippets.session_pool.patterns.serverless
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import os
import textwrap
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.pool import NullPool, QueuePool

# invocations served by each execution environment, one after the other
INVOCATIONS = (5, 3)


def error_name(error: BaseException) -> str:
    kind = type(error)
    return (
        kind.__name__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__name__}"
    )


def try_connect_timeout(url: str) -> str:
    """Try the chapter's engine on this database.

    Say what the driver made of connect_timeout.
    """
    # --8<-- [start:nullpool-engine]
    engine = create_engine(
        url, poolclass=NullPool, connect_args={"connect_timeout": 5}
    )
    # --8<-- [end:nullpool-engine]
    try:
        with engine.connect() as conn:  # connect_args reach the driver only now
            dbapi_connection = conn.connection.dbapi_connection
            assert dbapi_connection is not None
            if engine.dialect.name == "postgresql":
                value = dbapi_connection.info.get_parameters()[
                    "connect_timeout"
                ]
            else:
                value = dbapi_connection.connect_timeout
            return f"accepted: the driver's connect_timeout is {value}"
    except TypeError as error:
        return f"{error_name(error)}: {error}"
    finally:
        engine.dispose()


# --8<-- [start:connect-args]
def connect_args_for(url: str) -> dict[str, Any]:
    """The chapter's connect timeout, in the form each driver understands."""
    backend = make_url(url).get_backend_name()
    # psycopg and PyMySQL: seconds to wait for a connect
    if backend in ("postgresql", "mysql"):
        return {"connect_timeout": 5}
    # sqlite3 opens a local file: no connect timeout
    # (its `timeout` waits for locks)
    return {}
    # --8<-- [end:connect-args]


# What the function's module keeps between invocations
# of one execution environment.
_engine: Engine | None = None
opened = 0  # connections opened, counted by a `connect` event: the demo's meter


def count_connect(*_: object) -> None:
    global opened
    opened += 1


# --8<-- [start:lazy-engine]
def get_engine(url: str, **engine_args: Any) -> Engine:
    """Create the engine on the first invocation in an environment.

    Reuse it on warm ones.
    """
    global _engine
    if _engine is None:  # a cold start: the module's state is empty
        _engine = create_engine(
            url, connect_args=connect_args_for(url), **engine_args
        )
        event.listen(_engine, "connect", count_connect)
    return _engine


def nullpool_handler(event: dict[str, Any], context: object) -> int:
    engine = get_engine(event["database_url"], poolclass=NullPool)
    # NullPool: a new connection, closed again at the end
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT 1")).scalar_one())


def pooled_handler(event: dict[str, Any], context: object) -> int:
    engine = get_engine(
        event["database_url"],
        pool_size=1,  # an environment serves one invocation at a time
        max_overflow=0,
        # the server may have closed it while the environment was frozen
        pool_pre_ping=True,
    )
    # warm invocations reuse the connection the pool kept
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT 1")).scalar_one())
    # --8<-- [end:lazy-engine]


def cold_start() -> None:
    """Start a new execution environment.

    The module is loaded again, with empty state.
    """
    global _engine
    if _engine is not None:
        # a real runtime just freezes or discards the old environment
        _engine.dispose()
    _engine = None


def kept_open() -> int:
    """Connections the engine keeps open
    while the environment waits for the next invocation."""
    pool = _engine.pool if _engine is not None else None
    return pool.checkedin() if isinstance(pool, QueuePool) else 0


def simulate(
    url: str, title: str, handler: Callable[[dict[str, Any], object], int]
) -> None:
    global opened
    print(title)
    # what the runtime passes as the handler's `event`
    payload = {"database_url": url}
    try:
        for number, invocations in enumerate(INVOCATIONS, 1):
            cold_start()
            opened = 0
            timings = []
            for _ in range(invocations):
                start = time.perf_counter()
                handler(payload, None)
                timings.append((time.perf_counter() - start) * 1000)
            warm = sum(timings[1:]) / len(timings[1:])
            print(
                f"  environment {number}: {invocations} invocations, "
                f"{opened} connection(s) opened"
            )
            print(
                f"    first (cold) {timings[0]:.2f} ms, "
                f"then {warm:.2f} ms per warm invocation"
            )
            print(
                "    connections kept open while waiting for the next one: "
                f"{kept_open()}"
            )
    finally:
        cold_start()  # dispose the last environment's engine


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    backend = make_url(url).get_backend_name()
    print(f'The chapter\'s connect_args={{"connect_timeout": 5}} on {backend}:')
    print(
        textwrap.fill(
            try_connect_timeout(url),
            76,
            initial_indent="  ",
            subsequent_indent="    ",
        )
    )
    print(f"  connect_args used below: {connect_args_for(url)}")
    print()
    simulate(url, "NullPool, as the chapter recommends:", nullpool_handler)
    print()
    simulate(
        url,
        "A lazily created module-level engine, QueuePool of 1:",
        pooled_handler,
    )


if __name__ == "__main__":
    main()
