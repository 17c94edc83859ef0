"""Configure the pool for your database, from the timeouts the server
really has.

Run it:  python -m snippets.session_pool.best_practices.per_database
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool, Pool, StaticPool

# --8<-- [start:common]
# Seconds after which a proxy, load balancer or firewall between you and
# the server drops an idle connection, if one does (ask whoever runs it).
# None: nothing in between drops them.
PROXY_IDLE_TIMEOUT: int | None = None
# the chapter's pool_recycle, used whenever it is below the timeout
RECYCLE = 3600


@dataclass
class Choice:
    """Keyword arguments for create_engine(), and the server settings read
    to choose them."""

    settings: dict[str, Any] = field(default_factory=dict)
    readings: list[str] = field(default_factory=list)


# --8<-- [end:common]


# --8<-- [start:helpers]
def server_value(url: str, sql: str) -> Any:
    """One value read from the server, on a connection that is not kept."""
    probe = create_engine(url, poolclass=NullPool)
    try:
        with probe.connect() as conn:
            return conn.execute(text(sql)).scalar()
    finally:
        probe.dispose()


def recycle_below(timeouts: list[int], choice: Choice) -> None:
    """pool_recycle below the shortest idle timeout, if there is one."""
    if timeouts:
        shortest = min(timeouts)
        recycle = RECYCLE if shortest > RECYCLE else shortest // 2
        choice.settings["pool_recycle"] = recycle


# --8<-- [end:helpers]


# --8<-- [start:postgresql]
def postgresql(url: str) -> Choice:
    choice = Choice({"pool_pre_ping": True})
    sql = (
        "SELECT setting::int FROM pg_settings"
        " WHERE name = 'idle_session_timeout'"
    )
    # 0: never; no such setting before PostgreSQL 14
    idle_ms = server_value(url, sql) or 0
    choice.readings.append(f"idle_session_timeout = {idle_ms} ms")
    timeouts = [idle_ms // 1000] if idle_ms else []
    if PROXY_IDLE_TIMEOUT:
        timeouts.append(PROXY_IDLE_TIMEOUT)
    recycle_below(timeouts, choice)
    return choice


# --8<-- [end:postgresql]


# --8<-- [start:mysql]
def mysql(url: str) -> Choice:
    choice = Choice({"pool_pre_ping": True})
    # what our sessions get
    wait_timeout = int(server_value(url, "SELECT @@wait_timeout"))
    choice.readings.append(f"wait_timeout = {wait_timeout} s")
    timeouts = [wait_timeout]
    if PROXY_IDLE_TIMEOUT:
        timeouts.append(PROXY_IDLE_TIMEOUT)
    recycle_below(timeouts, choice)
    return choice


# --8<-- [end:mysql]


# --8<-- [start:sqlite]
def sqlite(url: str) -> Choice:
    # Nothing to set: a file database gets QueuePool by default,
    # and no server closes anything.
    return Choice()


def shares_one_connection(
    url: str, poolclass: type[Pool] | None = None
) -> bool:
    """Check out two connections at once: do they share one database
    connection?"""
    engine = (
        create_engine(url)
        if poolclass is None
        else create_engine(url, poolclass=poolclass)
    )
    try:
        with engine.connect() as first, engine.connect() as second:
            return (
                first.connection.dbapi_connection
                is second.connection.dbapi_connection
            )
    finally:
        engine.dispose()


# --8<-- [end:sqlite]

CHOOSE: dict[str, Callable[[str], Choice]] = {
    "postgresql": postgresql,
    "mysql": mysql,
    "mariadb": mysql,
    "sqlite": sqlite,
}


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    choice = CHOOSE[make_url(url).get_backend_name()](url)
    engine = create_engine(url, **choice.settings)
    try:
        # the settings are accepted and a connection works
        with engine.connect():
            pass
        arguments = "".join(
            f", {name}={value!r}" for name, value in choice.settings.items()
        )
        print(f"create_engine(url{arguments})")
        print(f"pool class: {type(engine.pool).__name__}")
        for reading in choice.readings:
            print(f"read from the server: {reading}")
    finally:
        engine.dispose()
    if engine.dialect.name == "sqlite":
        print()
        print(
            "two connections checked out at once,"
            " same database connection underneath?"
        )
        default = f"default pool, {type(engine.pool).__name__}:"
        print(f"  {default:<28}{shares_one_connection(url)}")
        print(f"  {'StaticPool:':<28}{shares_one_connection(url, StaticPool)}")


if __name__ == "__main__":
    main()
