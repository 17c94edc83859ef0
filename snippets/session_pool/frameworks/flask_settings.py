"""Flask-SQLAlchemy 3: pool settings go in SQLALCHEMY_ENGINE_OPTIONS. The
keys of Flask-SQLAlchemy 2 (SQLALCHEMY_POOL_SIZE and the like) are gone:
what setting them does now.

Run it:  python -m snippets.session_pool.frameworks.flask_settings
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
"""

import os
import warnings
from importlib.metadata import version
from typing import Any, cast

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import text
from sqlalchemy.pool import QueuePool


def create_app(url: str, **config: Any) -> tuple[Flask, SQLAlchemy]:
    # instance_path: Flask-SQLAlchemy puts a relative SQLite file there
    app = Flask(__name__, instance_path=os.getcwd())
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config.update(config)
    return app, SQLAlchemy(app)


def show_pool(app: Flask, db: SQLAlchemy) -> None:
    """The settings of the engine's pool (QueuePool keeps them in private
    attributes), after one query through db.session."""
    with app.app_context():
        db.session.execute(text("SELECT 1"))
        pool = cast(QueuePool, db.engine.pool)
        print(f"  {type(pool).__name__}: size() {pool.size()},", end=" ")
        print(f"max_overflow {pool._max_overflow}, timeout {pool._timeout},")
        print(f"  recycle {pool._recycle}, pre_ping {pool._pre_ping}")
        db.session.remove()  # what Flask-SQLAlchemy does after a request
        print(f"  after db.session.remove(): {pool.checkedout()} checked out")
        db.engine.dispose()


def engine_options(url: str) -> None:
    # --8<-- [start:engine-options]
    app, db = create_app(
        url,
        SQLALCHEMY_ENGINE_OPTIONS={
            "pool_size": 10,
            "pool_recycle": 1800,
            "pool_pre_ping": True,
        },
    )
    # --8<-- [end:engine-options]
    print("1. SQLALCHEMY_ENGINE_OPTIONS: pool_size 10, pool_recycle 1800,")
    print("  pool_pre_ping True")
    show_pool(app, db)


def removed_keys(url: str) -> None:
    # --8<-- [start:removed-keys]
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        app, db = create_app(
            url,
            SQLALCHEMY_POOL_SIZE=10,
            SQLALCHEMY_MAX_OVERFLOW=20,
            SQLALCHEMY_POOL_TIMEOUT=5,
            SQLALCHEMY_POOL_RECYCLE=1800,
        )
    # --8<-- [end:removed-keys]
    print("2. SQLALCHEMY_POOL_SIZE 10, SQLALCHEMY_MAX_OVERFLOW 20,")
    print("  SQLALCHEMY_POOL_TIMEOUT 5, SQLALCHEMY_POOL_RECYCLE 1800")
    print(f"  warnings: {[str(w.message) for w in warned]}")
    show_pool(app, db)


def no_options(url: str) -> None:
    print("3. No pool settings at all")
    show_pool(*create_app(url))


def main() -> None:
    url = os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db")
    print(
        f"Flask-SQLAlchemy {version('flask-sqlalchemy')},"
        f" Flask {version('flask')}"
    )
    print()
    engine_options(url)
    print()
    removed_keys(url)
    print()
    no_options(url)


if __name__ == "__main__":
    main()
