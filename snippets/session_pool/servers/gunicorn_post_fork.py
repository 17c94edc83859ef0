"""The fix for gunicorn --preload: a post_fork hook that makes each worker
drop the master's pooled connections, engine.dispose(close=False).

Run it:  python -m snippets.session_pool.servers.gunicorn_post_fork
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db

This module is the gunicorn configuration and app of the server that main()
starts: the app and the worker_exit() hook of gunicorn_preload, and post_fork().
"""

# databases: postgresql, mysql

from typing import Any

import gunicorn

# gunicorn loads the app from this module too
from snippets.session_pool.servers.gunicorn_preload import (
    create_app as create_app,
)
from snippets.session_pool.servers.gunicorn_preload import get_engine, run

# --8<-- [start:post-fork]
# gunicorn reads the hooks of its configuration module: worker_exit() too
from snippets.session_pool.servers.gunicorn_preload import (
    worker_exit as worker_exit,
)


def post_fork(server: Any, worker: Any) -> None:
    """gunicorn hook, in each new worker before it serves: forget the
    master's pooled connections, without closing them."""
    get_engine().dispose(close=False)
    # --8<-- [end:post-fork]


def main() -> None:
    print(f"gunicorn {gunicorn.__version__}, --preload --workers 2,")
    print("post_fork: engine.dispose(close=False)")
    run("snippets.session_pool.servers.gunicorn_post_fork")


if __name__ == "__main__":
    main()
