"""A run's pool events: what ``proof.recorder`` saw the pools of an example do, one line each.

An example that a page draws (a ```` ```timeline ```` fence, ``proof.pages.drawn``) runs under
``proof.recorder``, which listens to SQLAlchemy's public pool events; its record keeps the
events after the output (``proof.records``), and the page draws them (``proof.timeline``).
A line holds the time in seconds since the run's first event, the pool (numbered in order of
first use), the DBAPI connection (numbered in order of connect; ``-`` for none), the kind, a
detail (``-`` for none) and the worker, the thread or asyncio task::

       0.0043 P1  -    wait            - MainThread
       0.1067 P1  -    error           sqlalchemy.exc.TimeoutError MainThread

Times are measured and never compared. What is compared (``compared``) is each worker's
events in their order, without their times, unless ``records/varying.toml`` declares for an
example, with the reason, that threads make some of it vary (``VARIES``;
``proof.records.event_variations``).
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass

# What each kind says; the recorder writes these and no other.
KINDS = {
    "pool": "a pool's first use; the detail is its class and settings",
    "wait": "a checkout found no connection idle and the pool at pool_size + max_overflow",
    "connect": "a new DBAPI connection",
    "checkout": "lent out",
    "checkin": "given back",
    "invalidate": "invalidated; the detail is the exception that caused it",
    "soft_invalidate": "marked to be replaced at its next checkout",
    "close": "closed; the detail says `in-checkout` when a checkout replaced it",
    "detach": "removed from the pool, still open",
    "close_detached": "a detached connection closed",
    "error": "a checkout raised; the detail is the exception",
}
# What threads can make vary in a run's events, declared per example in records/varying.toml.
VARIES = {
    "order": "the order of events across connections and workers: each connection's own "
    "events are compared, as a sorted list per pool, with the counts of waits and errors",
    "repeats": "how many times in a row a connection was checked out and in (2 or more); "
    "compared per connection, as for order",
    "waits": "how many checkouts found every slot taken (connections out or being opened)",
}


class EventError(Exception):
    """Events that cannot be read or compared; the message says where and how to fix it."""


@dataclass(frozen=True)
class Event:
    time: float  # seconds since the run's first event
    pool: int
    connection: int | None
    kind: str
    detail: str  # "" for none
    worker: str

    def line(self) -> str:
        connection = "-" if self.connection is None else f"#{self.connection}"
        pool = f"P{self.pool}"
        return (
            f"{self.time:9.4f} {pool:<3} {connection:<4} {self.kind:<15} "
            f"{self.detail or '-'} {self.worker}\n"
        )

    @property
    def settings(self) -> dict[str, str]:
        """A ``pool`` event's settings: class=QueuePool, pool_size=5..."""
        name, *pairs = self.detail.split(",")
        return {"class": name} | dict(pair.partition("=")[::2] for pair in pairs)


def parse(text: str, where: str = "events") -> list[Event]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        parts = line.split(None, 5)
        if len(parts) != 6 or parts[3] not in KINDS or not re.fullmatch(r"P\d+", parts[1]):
            raise EventError(
                f"{where}, event line {number} is not an event: {line!r}. Record it again: "
                "uv run --group dev pytest --refresh-records -k <example>"
            )
        time, pool, connection, kind, detail, worker = parts
        found.append(
            Event(
                float(time),
                int(pool[1:]),
                None if connection == "-" else int(connection.lstrip("#")),
                kind,
                "" if detail == "-" else detail,
                worker,
            )
        )
    return found


# -- what is compared -------------------------------------------------------------------


def compared(events: list[Event], varying: tuple[str, ...] = ()) -> list[str]:
    """The lines of a run's events that a new run must repeat: each worker's events in their
    order, without their times (how two threads' events interleave is up to the scheduler
    wherever nothing orders them, so workers are compared one after the other, by name).
    Where the order or the repeats vary: per pool, its settings, the sorted events of each
    connection (which connection a worker got varies) and the counts of waits and errors."""
    if not {"order", "repeats"} & set(varying):
        by_worker: dict[str, list[str]] = {}
        for e in events:
            what = " ".join(e.line().split()[1:5])  # pool, connection, kind, detail
            by_worker.setdefault(e.worker, []).append(f"{e.worker}: {what}")
        return [line for worker in sorted(by_worker) for line in by_worker[worker]]
    pools: dict[int, str] = {}
    histories: dict[tuple[int, int], list[str]] = {}
    counts: Counter[tuple[int, str]] = Counter()
    for e in events:
        if e.kind == "pool":
            pools[e.pool] = e.detail
        elif e.connection is None:
            counts[(e.pool, f"{e.kind} {e.detail}".strip())] += 1
        else:
            histories.setdefault((e.pool, e.connection), []).append(e.kind)
    lines = []
    for pool, settings in pools.items():
        lines.append(f"P{pool} pool {settings}")
        mine = [kinds for (p, _), kinds in histories.items() if p == pool]
        lines += sorted(f"P{pool} connection: {_repeats(kinds, varying)}" for kinds in mine)
        lines += sorted(
            f"P{pool} {what} x{'n' if what == 'wait' and 'waits' in varying else count}"
            for (p, what), count in counts.items()
            if p == pool
        )
    return lines


def _repeats(kinds: list[str], varying: tuple[str, ...]) -> str:
    """A connection's events, a run of checkouts and checkins written once, with its count
    (n where the repeats vary): connect checkout checkin x40 close."""
    words = " ".join(kinds)
    pair = "checkout checkin"

    def run(m: re.Match[str]) -> str:
        return f"{pair} x{'n' if 'repeats' in varying else m[0].count(pair)}"

    return re.sub(rf"{pair}(?: {pair})+", run, words)


def difference(recorded: str, printed: str, varying: tuple[str, ...], where: str) -> str:
    """A diff of the compared lines of two runs' events; empty when they agree."""
    before = compared(parse(recorded, str(where)), varying)
    after = compared(parse(printed, "this run"), varying)
    if before == after:
        return ""
    how = f" (compared as varying.toml declares: {', '.join(varying)})" if varying else ""
    return f"its pool events differ{how}:\n" + "".join(
        difflib.unified_diff(
            [f"{line}\n" for line in before],
            [f"{line}\n" for line in after],
            fromfile=f"{where} (events)",
            tofile="this run",
        )
    )
