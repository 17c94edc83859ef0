"""The default pool settings spelled out.

They give exactly the pool create_engine(url) builds.

Run it:  python -m snippets.session_pool.configuration.defaults_spelled_out
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import os
import textwrap

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import QueuePool

SIMULTANEOUS = 3  # connections checked out at once by the workload


# --8<-- [start:explicit-defaults]
def explicit_defaults(url: str) -> Engine:
    engine = create_engine(
        url,
        # The QueuePool defaults, written out.
        # Leaving them all out gives the same pool.
        pool_size=5,  # keep at most 5 idle connections
        max_overflow=10,  # allow 10 more while all 5 are busy
        pool_timeout=30.0,  # wait up to 30 s when all 15 are in use
        pool_recycle=-1,  # never replace a connection because of its age
        pool_pre_ping=False,  # don't test connections before use
    )
    return engine
    # --8<-- [end:explicit-defaults]


# --8<-- [start:hourly-recycle]
def hourly_recycle(url: str) -> Engine:
    engine = create_engine(
        url,
        # Default pool settings (QueuePool), as the chapter lists them
        pool_size=5,
        max_overflow=10,
        pool_timeout=30,
        pool_recycle=3600,  # not a default: the default is -1, never
        pool_pre_ping=False,
    )
    return engine
    # --8<-- [end:hourly-recycle]


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    engines = {
        "create_engine(url)": create_engine(url),
        "defaults spelled out": explicit_defaults(url),
        "the chapter's block": hourly_recycle(url),
    }
    facts = {label: settings(engine) for label, engine in engines.items()}
    statuses = {
        label: status_after_workload(engine)
        for label, engine in engines.items()
    }
    for engine in engines.values():
        engine.dispose()
    print_settings(facts)
    print()
    print(
        f"status() after {SIMULTANEOUS} simultaneous checkouts were returned:"
    )
    for label, status in statuses.items():  # status() is 92 characters long
        print(f"  {label}:")
        print(textwrap.indent(textwrap.fill(status, 60), "    "))
    print()
    compare_to_first(facts, statuses)


def settings(engine: Engine) -> dict[str, object]:
    """The settings the engine's pool really uses."""
    pool = engine.pool
    if not isinstance(pool, QueuePool):
        return {"pool class": type(pool).__name__}
    return {
        "pool class": type(pool).__name__,
        "pool_size": pool.size(),
        "max_overflow": pool._max_overflow,  # no public accessor; read only
        "pool_timeout": pool.timeout(),
        "pool_recycle": pool._recycle,  # no public accessor; read only
        "pool_pre_ping": pool._pre_ping,  # no public accessor; read only
    }


def status_after_workload(engine: Engine) -> str:
    """Check out SIMULTANEOUS connections at once, then return them all.

    Give back the pool's status().
    """
    held = [engine.connect() for _ in range(SIMULTANEOUS)]
    for conn in held:
        conn.execute(text("SELECT 1"))
    for conn in held:
        conn.close()
    return engine.pool.status()


def print_settings(facts: dict[str, dict[str, object]]) -> None:
    """One column per engine, one row per setting."""
    labels = list(facts)
    print(
        f"{'setting':<14}"
        + "".join(f"{label:<22}" for label in labels).rstrip()
    )
    for name in facts[labels[0]]:
        print(
            f"{name:<14}"
            + "".join(f"{facts[lb][name]!s:<22}" for lb in labels).rstrip()
        )


def compare_to_first(
    facts: dict[str, dict[str, object]], statuses: dict[str, str]
) -> None:
    """Each engine's settings and status, compared with the first one's."""
    reference, *others = facts
    for label in others:
        differences = [
            f"{name} {facts[label][name]} instead of {facts[reference][name]}"
            for name in facts[reference]
            if facts[label][name] != facts[reference][name]
        ]
        if not differences and statuses[label] == statuses[reference]:
            print(f"{label}: the same pool as {reference}")
        else:
            print(f"{label}: differs from {reference}:")
            print(f"  {', '.join(differences)}")


if __name__ == "__main__":
    main()
