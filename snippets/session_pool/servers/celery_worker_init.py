"""The fix for Celery's prefork pool: a worker_process_init handler that
makes each new pool process drop its parent's pooled connections,
engine.dispose(close=False).

Run it:  python -m snippets.session_pool.servers.celery_worker_init
Set DATABASE_URL to try another database, e.g.
postgresql+psycopg://user:pass@127.0.0.1/db
The broker and result backend: REDIS_URL, redis://127.0.0.1:6379/0 by
default.

This module is the Celery app of the worker that main() starts: the app,
tasks and handlers of celery_prefork, and one handler more.
"""

# databases: postgresql, mysql

from typing import Any

import celery
from celery import signals

# the worker finds the app here, as app
from snippets.session_pool.servers.celery_prefork import app as app
from snippets.session_pool.servers.celery_prefork import get_engine, run


# --8<-- [start:process-init]
def forget_parent_connections(**_: Any) -> None:
    """In each new pool process, before its first task: forget the
    parent's pooled connections, without closing them."""
    get_engine().dispose(close=False)


signals.worker_process_init.connect(forget_parent_connections)
# --8<-- [end:process-init]


def main() -> None:
    print(f"Celery {celery.__version__}, --pool prefork --concurrency 2,")
    print("worker_process_init: engine.dispose(close=False)")
    run("snippets.session_pool.servers.celery_worker_init")


if __name__ == "__main__":
    main()
