"""Run an example as ``python -m`` does, and write its pools' events (``proof.events``).

    python -m proof.recorder snippets.session_pool.bad_pool_exhaustion

``proof.runner`` runs the examples a page draws this way, with ``POOL_EVENTS`` naming the file
to write. Nothing here is in the example: the reader's copy runs the same without it. The
recorder listens on the ``Pool`` class to SQLAlchemy's public pool events, which every pool of
the run fires, and wraps ``Pool.connect()``, the checkout, to see a wait start and a checkout
fail. It imports nothing of the example's and only SQLAlchemy and the standard library.
"""

from __future__ import annotations

import asyncio
import atexit
import contextvars
import dataclasses
import os
import runpy
import sys
import threading
import time
import weakref
from typing import Any

from sqlalchemy import event
from sqlalchemy.pool import ConnectionPoolEntry, Pool, PoolProxiedConnection, QueuePool

from proof.events import Event

VARIABLE = "POOL_EVENTS"  # the file the events go to
NUMBER = "pool_events_number"  # our key in ConnectionPoolEntry.info: the connection's number

_lock = threading.RLock()  # an RLock: a garbage-collected connection checks in on any line
_events: list[Event] = []  # their times from time.perf_counter()
_pools: dict[Pool, int] = {}  # keeps every pool alive, so no number is reused
_pool_of: dict[int, int] = {}  # connection number -> pool number
_detached: dict[int, int] = {}  # id() of a detached DBAPI connection -> its number
_checking_out: contextvars.ContextVar[int] = contextvars.ContextVar("checking_out", default=0)
_names: dict[str, int] = {}  # worker names given out, to tell apart threads of one name
_thread = threading.local()
_tasks: weakref.WeakKeyDictionary[asyncio.Task[Any], str] = weakref.WeakKeyDictionary()


def worker() -> str:
    """The asyncio task or, outside one, the thread: by name, numbered when names repeat."""
    try:
        task = asyncio.current_task()
    except RuntimeError:  # no event loop in this thread
        task = None
    if task is not None:
        if task not in _tasks:
            _tasks[task] = _unique(task.get_name())
        return _tasks[task]
    if not hasattr(_thread, "name"):
        _thread.name = _unique(threading.current_thread().name)
    name: str = _thread.name
    return name


def _unique(name: str) -> str:
    with _lock:
        _names[name] = _names.get(name, 0) + 1
        return name if _names[name] == 1 else f"{name} [{_names[name]}]"


def _add(pool: int, connection: int | None, kind: str, detail: str = "") -> None:
    who = worker()
    with _lock:  # the time taken under the lock: the events are in the order of their times
        _events.append(Event(time.perf_counter(), pool, connection, kind, detail, who))


def settings(pool: Pool) -> str:
    """The pool's class and the settings a timeline draws. QueuePool reads out pool_size and
    pool_timeout (size() and timeout()) but not max_overflow, pool_use_lifo or pool_pre_ping:
    those are read from the attributes it keeps them in."""
    found = [type(pool).__name__]
    if isinstance(pool, QueuePool):
        found += [
            f"pool_size={pool.size()}",
            f"max_overflow={pool._max_overflow}",
            f"pool_timeout={pool.timeout()}",
            f"pool_use_lifo={pool._pool.use_lifo}",
        ]
    found.append(f"pool_pre_ping={pool._pre_ping}")
    return ",".join(found)


def _number(pool: Pool) -> int:
    with _lock:
        if pool not in _pools:
            _pools[pool] = len(_pools) + 1
            _add(_pools[pool], None, "pool", settings(pool))
        return _pools[pool]


def _at_limit(pool: Pool) -> bool:
    """No connection idle, and pool_size + max_overflow slots taken (QueuePool counts a
    connection being opened as out): a checkout waits. Checked just before the checkout, so a
    checkin in between makes a wait of about 0 s."""
    if not isinstance(pool, QueuePool) or pool._max_overflow < 0:
        return False
    return pool.checkedin() == 0 and pool.checkedout() >= pool.size() + pool._max_overflow


_connect = Pool.connect


def connect(pool: Pool) -> PoolProxiedConnection:
    """Pool.connect(), the checkout, with its wait and its failure recorded."""
    number = _number(pool)
    token = _checking_out.set(number)
    try:
        if _at_limit(pool):
            _add(number, None, "wait")
        return _connect(pool)
    except Exception as error:
        _add(number, None, "error", f"{type(error).__module__}.{type(error).__qualname__}")
        raise
    finally:
        _checking_out.reset(token)


def on_connect(_dbapi: Any, entry: ConnectionPoolEntry) -> None:
    """Every connect happens in a checkout: its pool is the one being checked out from."""
    with _lock:
        number = len(_pool_of) + 1
        _pool_of[number] = _checking_out.get()
    entry.info[NUMBER] = number
    _add(_pool_of[number], number, "connect")


def listener(kind: str) -> Any:
    def on_event(dbapi: Any, entry: ConnectionPoolEntry, *rest: Any) -> None:
        number = entry.info.get(NUMBER)
        detail = ""
        if kind in {"invalidate", "soft_invalidate"} and rest and rest[0] is not None:
            detail = f"{type(rest[0]).__module__}.{type(rest[0]).__qualname__}"
        if kind == "close" and _checking_out.get():
            detail = "in-checkout"
        if kind == "detach" and number is not None:
            _detached[id(dbapi)] = number
        _add(_pool_of.get(number or 0, 0), number, kind, detail)

    return on_event


def on_close_detached(dbapi: Any) -> None:
    number = _detached.pop(id(dbapi), None)
    _add(_pool_of.get(number or 0, 0), number, "close_detached")


def write() -> None:
    """The events, their times from the first one, to the file POOL_EVENTS names."""
    with _lock:
        start = _events[0].time if _events else 0.0
        lines = [dataclasses.replace(e, time=e.time - start).line() for e in _events]
    with open(os.environ[VARIABLE], "w", encoding="utf-8") as file:
        file.writelines(lines)


def install() -> None:
    Pool.connect = connect  # type: ignore[method-assign,assignment]
    event.listen(Pool, "connect", on_connect)
    for kind in ("checkout", "checkin", "invalidate", "soft_invalidate", "close", "detach"):
        event.listen(Pool, kind, listener(kind))
    event.listen(Pool, "close_detached", on_close_detached)
    atexit.register(write)  # after the example's threads have ended


def main() -> None:
    module = sys.argv[1]
    del sys.argv[1]  # the example sees the arguments it would see under python -m
    install()
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
