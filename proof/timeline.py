"""The ```` ```timeline ```` fence: a run's pool events (``proof.events``), drawn from its record.

    ```timeline
    snippets.session_pool.bad_pool_exhaustion
    ```

A page puts it beside the example's ```` ```output ````: one picture per database the example
declares (or ``databases="..."``), in tabs labelled as the output's, so that choosing a
database switches both (Material's ``content.tabs.link``). Naming an example in this fence is
what makes the tests record its events (``proof.pages.drawn``).

Each pool of the run is a panel: a row per connection, lowest free row first, so that a row
below ``pool_size`` holds a connection opened while the pool already had that many; a bar while
a connection is checked out, a line while it is open and idle; marks where it was invalidated
or replaced at a checkout. Below, a row per worker that found every slot taken (connections
out or being opened), while it waited, and how the wait ended. The SVG is inline, coloured
by docs/stylesheets/extra.css with Material's colours (light and dark), in a box that scrolls
sideways on a phone, with a title and a description that say what it shows.

Drawn from the record only: a missing or stale record gets the output fence's note, and the
build never runs an example for a timeline.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from html import escape
from typing import Any

from pymdownx.superfences import SuperFencesException

from proof import events, fences, pages, records
from proof.databases import DATABASES
from proof.events import Event
from proof.examples import Example

OPTIONS = {"databases"}
WIDTH = 688  # px: the content column on a laptop (1280 px and up); a phone scrolls it
ROW = 16  # px: a connection's or a worker's row
BAR = 8  # px: the height of a checked-out bar
LIMIT = 16  # px: the band of a pool_size or max_overflow line
HEADER = 22  # px: a pool's title
AXIS = 38  # px: a pool's time axis, and the space after it
LEGEND_LINE = 18  # px: a line of the legend
FONT = 11  # px: every text; monospace, about 0.6 em a character
CHAR = 0.6 * FONT
MERGE = 0.5  # px: bars closer than this are drawn as one
_figures = itertools.count(1)  # ids apart on a page that draws an example twice


@dataclass
class Hold:
    """A checkout: by `worker`, from `start` until the connection is checked in."""

    worker: str
    start: float
    end: float = math.inf


@dataclass
class Connection:
    """One DBAPI connection in its row: open from `start` to `end`."""

    number: int
    start: float
    end: float | None = None
    ended: str = ""  # close, replaced (closed by a checkout), detach; "" if open at the end
    holds: list[Hold] = field(default_factory=list)
    invalidated: list[float] = field(default_factory=list)


@dataclass
class Wait:
    worker: str
    start: float
    end: float | None = None
    failed: str = ""  # the exception of a failed checkout
    waited: bool = True  # False: a checkout that failed without waiting


@dataclass
class PoolRun:
    number: int
    settings: dict[str, str] = field(default_factory=dict)
    rows: list[list[Connection]] = field(default_factory=list)
    waits: list[Wait] = field(default_factory=list)
    checkouts: int = 0
    peak: int = 0  # most connections checked out at once

    @property
    def connections(self) -> list[Connection]:
        return sorted((c for row in self.rows for c in row), key=lambda c: c.number)

    def workers(self) -> list[str]:
        """Where a checkout waited, every worker of the pool gets a row: who held the
        connections while others waited. Otherwise none: the connections' rows say it all."""
        if not self.waits:
            return []
        holders = (h.worker for c in self.connections for h in c.holds)
        return sorted({*holders, *(w.worker for w in self.waits)}, key=_natural)

    def limits(self) -> list[tuple[int, str]]:
        """The pool_size and max_overflow lines: (rows above it, its label), where reached."""
        size = int(self.settings.get("pool_size", "-1"))
        overflow = int(self.settings.get("max_overflow", "-1"))
        found = []
        if 0 < size <= len(self.rows):
            found.append((size, f"pool_size={size}" + (", no overflow" if overflow == 0 else "")))
        if overflow > 0 and size + overflow <= len(self.rows):
            found.append((size + overflow, f"+max_overflow={overflow}"))
        return found


def pool_runs(log: list[Event]) -> list[PoolRun]:
    """Each pool's connections, rows and waits, from the events in their order."""
    runs: dict[int, PoolRun] = {}
    where: dict[int, tuple[PoolRun, Connection]] = {}  # connection number -> pool, connection
    waiting: dict[tuple[int, str], Wait] = {}
    out: Counter[int] = Counter()
    for e in log:
        run = runs.setdefault(e.pool, PoolRun(e.pool))
        if e.kind == "pool":
            run.settings = e.settings
        elif e.kind == "wait":
            run.waits.append(Wait(e.worker, e.time))
            waiting[(e.pool, e.worker)] = run.waits[-1]
        elif e.kind == "error":
            wait = waiting.pop((e.pool, e.worker), None)
            if wait is None:  # it failed without waiting: it could not connect, say
                wait = Wait(e.worker, e.time, waited=False)
                run.waits.append(wait)
            wait.end, wait.failed = e.time, e.detail
        elif e.kind == "connect" and e.connection is not None:
            free = [n for n, row in enumerate(run.rows) if row[-1].end is not None]
            row = free[0] if free else len(run.rows)
            if not free:
                run.rows.append([])
            run.rows[row].append(Connection(e.connection, e.time))
            where[e.connection] = (run, run.rows[row][-1])
        elif e.connection in where:  # an invalidated connection checks in after its close
            _connection_event(*where[e.connection], e, waiting, out)
    return list(runs.values())


def _connection_event(
    run: PoolRun,
    connection: Connection,
    e: Event,
    waiting: dict[tuple[int, str], Wait],
    out: Counter[int],
) -> None:
    if e.kind == "checkout":
        connection.holds.append(Hold(e.worker, e.time))
        run.checkouts += 1
        out[run.number] += 1
        run.peak = max(run.peak, out[run.number])
        wait = waiting.pop((run.number, e.worker), None)
        if wait:
            wait.end = e.time
    elif e.kind == "checkin" and connection.holds and connection.holds[-1].end == math.inf:
        connection.holds[-1].end = e.time
        out[run.number] -= 1
    elif e.kind == "invalidate":
        connection.invalidated.append(e.time)
    elif e.kind in {"close", "detach"} and connection.end is None:
        connection.end = e.time
        connection.ended = e.kind
        if e.detail == "in-checkout" and not connection.invalidated:
            connection.ended = "replaced"  # closed by a checkout, which opens another


# -- what it shows, in words ------------------------------------------------------------


def title(run: PoolRun) -> str:
    """``pool 1: QueuePool, pool_size=5, max_overflow=10, pool_timeout=0.1``"""
    shown = [
        f"{name}={value}"
        for name, value in run.settings.items()
        if name != "class" and value not in {"False", "?"}
    ]
    return f"pool {run.number}: {', '.join([run.settings.get('class', '?'), *shown])}"


def summary(run: PoolRun) -> str:
    """What happened in a pool, in a sentence: the text alternative of its panel."""
    connections = run.connections
    said = [
        _count(len(connections), "connection") + " opened",
        _count(run.checkouts, "checkout") + f" granted, at most {run.peak} out at once",
    ]
    waits = [w for w in run.waits if w.waited]
    if waits:
        failed: dict[str, list[float]] = {}
        for w in waits:
            if w.failed and w.end is not None:
                failed.setdefault(w.failed.rpartition(".")[2], []).append(w.end - w.start)
        got = [w.end - w.start for w in waits if not w.failed and w.end is not None]
        outcome = [
            f"{len(times)} failed with {name} after {_seconds(times)}"
            for name, times in sorted(failed.items())
        ]
        if got:
            outcome.insert(0, f"{len(got)} got one after {_seconds(got)}")
        said.append(
            f"{_count(len(waits), 'checkout')} found all pool_size + max_overflow slots taken "
            "(connections out or being opened) and waited: "
            + ", ".join(outcome or ["still waiting at the end"])
        )
    unwaited = Counter(w.failed for w in run.waits if not w.waited)
    said += [f"{_count(n, 'checkout')} failed with {name}" for name, n in unwaited.items()]
    invalidated = sum(len(c.invalidated) for c in connections)
    if invalidated:
        said.append(_count(invalidated, "connection") + " invalidated")
    replaced = sum(c.ended == "replaced" for c in connections)
    if replaced:
        said.append(_count(replaced, "connection") + " replaced at a checkout")
    closed = sum(c.ended in {"close", "replaced"} for c in connections)
    said.append(f"{closed} closed")
    return f"{title(run)}. " + "; ".join(said) + "."


def _seconds(times: list[float]) -> str:
    low, high = f"{min(times):.2f}", f"{max(times):.2f}"
    return f"{low} s" if low == high else f"{low} to {high} s"


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


# -- the picture ------------------------------------------------------------------------


def _natural(name: str) -> list[Any]:
    """Thread-2 before Thread-10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


@dataclass(frozen=True)
class Scale:
    """A pool's time, from its first event to its last, across the picture's plot."""

    start: float  # seconds since the run's first event
    end: float
    left: float  # px: x of `start`
    right: float  # px: x of `end`

    def x(self, t: float) -> float:
        share = (min(t, self.end) - self.start) / max(self.end - self.start, 1e-4)
        return self.left + share * (self.right - self.left)


def draw(record: records.Record, ident: str) -> str:
    """The run's pools, as an inline SVG in a box that scrolls sideways when narrower."""
    log = events.parse(record.events, records.relative(record.path))
    runs = pool_runs(log)
    labels = [
        label
        for run in runs
        for label in [*map(_row_label, run.rows), *run.workers()]
        + [text for _, text in run.limits()]
    ]
    gutter = min(200.0, max([40.0, *(len(label) * CHAR + 10 for label in labels)]))
    errors = [w.failed.rpartition(".")[2] for run in runs for w in run.waits if w.failed]
    right = WIDTH - max([24.0, *(len(name) * CHAR + 14 for name in errors)])
    body: list[str] = []
    y = 0.0
    for run in runs:
        times = [e.time for e in log if e.pool == run.number]
        y = _panel(run, Scale(min(times), max(times), gutter + 6, right), y, body)
    legend, height = _legend(runs, y)
    name = escape(f"Pool events of python -m {record.example} on {record.server}")
    desc = escape(" ".join(summary(run) for run in runs))
    svg = (
        f'<svg role="img" aria-labelledby="{ident}-title {ident}-desc" width="{WIDTH}" '
        f'height="{height:.0f}" viewBox="0 0 {WIDTH} {height:.0f}" '
        f'xmlns="http://www.w3.org/2000/svg" font-size="{FONT}">'
        f'<title id="{ident}-title">{name}</title><desc id="{ident}-desc">{desc}</desc>'
        f"{''.join(body)}{legend}</svg>"
    )
    return (
        f'<figure class="pool-timeline"><div class="pool-timeline__scroll" '
        f'role="group" aria-labelledby="{ident}-title">{svg}</div></figure>'
    )


def _row_label(row: list[Connection]) -> str:
    numbers = [f"#{c.number}" for c in row]
    return " ".join(numbers) if len(numbers) <= 3 else f"{numbers[0]} … {numbers[-1]}"


def _text(x: float, y: float, text: str, css: str, anchor: str = "start") -> str:
    at = "" if anchor == "start" else f' text-anchor="{anchor}"'
    return f'<text class="{css}" x="{x:.1f}" y="{y:.1f}"{at}>{escape(text)}</text>'


def _line(css: str, x1: float, x2: float, y1: float, y2: float) -> str:
    return f'<line class="{css}" x1="{x1:.1f}" x2="{x2:.1f}" y1="{y1:.1f}" y2="{y2:.1f}"/>'


def _bar(css: str, left: float, right: float, top: float, height: float) -> str:
    return (
        f'<rect class="{css}" x="{left:.1f}" y="{top:.1f}" '
        f'width="{max(right - left, 1):.1f}" height="{height}"/>'
    )


def _cross(x: float, y: float) -> str:
    return f'<path class="tl-fail" d="M{x - 3.5:.1f} {y - 3.5:.1f}l7 7m0 -7l-7 7"/>'


def _wrapped(text: str, width: float) -> list[str]:
    """A title in lines that fit `width`, cut after its commas."""
    lines = [""]
    for part in text.split(", "):
        joined = f"{lines[-1]}, {part}" if lines[-1] else part
        if lines[-1] and len(joined) * CHAR > width:
            lines[-1] += ","
            lines.append(f"  {part}")
        else:
            lines[-1] = joined
    return lines


def _panel(run: PoolRun, scale: Scale, top: float, body: list[str]) -> float:
    """Draw one pool's panel from `top`, with a time axis of its own; return the y below it."""
    y = top
    for line in _wrapped(title(run), WIDTH):
        body.append(_text(0, y + 15, line, "tl-title"))
        y += HEADER - 6
    y += 6
    grid = len(body)  # the grid goes behind the rows: inserted here once their height is known
    limits = dict(run.limits())
    for n, row in enumerate(run.rows, 1):
        middle = y + ROW / 2
        body.append(_text(scale.left - 8, middle + 4, _row_label(row), "tl-label", "end"))
        for connection in row:
            body += _connection(connection, scale, middle)
        y += ROW
        if n in limits:
            body.append(_line("tl-limit", scale.left - 4, scale.right, y + 8, y + 8))
            body.append(_text(scale.left - 8, y + 12, limits[n], "tl-label", "end"))
            y += LIMIT
    for worker in run.workers():
        middle = y + ROW / 2
        body.append(_text(scale.left - 8, middle + 4, worker, "tl-label", "end"))
        holds = [h for c in run.connections for h in c.holds if h.worker == worker]
        body += _holds(holds, scale, middle - 5, 5)
        for wait in (w for w in run.waits if w.worker == worker):
            body += _wait(wait, scale, middle + 2)
        y += ROW
    lines, labels = _axis(scale, top + HEADER, y)
    body[grid:grid] = lines
    body += labels
    return y + AXIS


def _holds(holds: list[Hold], scale: Scale, top: float, height: float) -> list[str]:
    """Bars while checked out, in px, those closer than MERGE joined: a screen shows them as
    one anyway."""
    merged: list[list[float]] = []
    for left, right in sorted((scale.x(h.start), scale.x(h.end)) for h in holds):
        if merged and left - merged[-1][1] < MERGE:
            merged[-1][1] = max(merged[-1][1], right)
        else:
            merged.append([left, right])
    return [_bar("tl-busy", left, right, top, height) for left, right in merged]


def _connection(c: Connection, scale: Scale, middle: float) -> list[str]:
    start, end = scale.x(c.start), scale.x(scale.end if c.end is None else c.end)
    shapes = [_line("tl-idle", start, max(end, start + 1), middle, middle)]
    ended = scale.end if c.end is None else c.end
    holds = [Hold(h.worker, h.start, min(h.end, ended)) for h in c.holds]
    shapes += _holds(holds, scale, middle - BAR / 2, BAR)
    if c.ended == "replaced":
        shapes.append(f'<circle class="tl-mark" cx="{end:.1f}" cy="{middle:.1f}" r="3.5"/>')
    elif c.ended and not c.invalidated:  # an invalidated one ends at its cross
        shapes.append(_line("tl-end", end, end, middle - BAR / 2 - 1, middle + BAR / 2 + 1))
    shapes += [_cross(scale.x(t), middle) for t in c.invalidated]
    return shapes


def _wait(wait: Wait, scale: Scale, top: float) -> list[str]:
    start = scale.x(wait.start)
    end = scale.x(scale.end if wait.end is None else wait.end)
    shapes = [_bar("tl-wait", start, end, top, 4)] if wait.waited else []
    if wait.failed:
        shapes.append(_cross(end, top + 2))
        shapes.append(_text(end + 7, top + 6, wait.failed.rpartition(".")[2], "tl-error"))
    elif wait.end is not None:
        shapes.append(_line("tl-got", end, end, top - 3, top + 7))
    return shapes


def _axis(scale: Scale, top: float, bottom: float) -> tuple[list[str], list[str]]:
    """Vertical lines at round times from `top` to `bottom`, and their labels below."""
    step = _step(scale.end - scale.start)
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    lines, labels = [], []
    first = math.ceil(scale.start / step - 1e-9)
    for tick in range(first, math.floor(scale.end / step + 1e-9) + 1):
        x = scale.x(tick * step)
        lines.append(_line("tl-grid", x, x, top, bottom))
        labels.append(_text(x, bottom + 17, f"{tick * step:.{decimals}f} s", "tl-label", "middle"))
    return lines, labels


def _step(span: float) -> float:
    """A round step for at most 6 ticks: 1, 2 or 5 times a power of ten."""
    for power in range(-5, 4):
        for unit in (1, 2, 5):
            if span / (unit * 10**power) <= 6:
                return float(unit * 10**power)
    return 1000.0


LEGEND = {
    "busy": "checked out",
    "idle": "open, idle in the pool",
    "end": "closed",
    "replaced": "replaced at a checkout",
    "invalidated": "invalidated",
    "wait": "waiting for a connection",
    "got": "got one",
    "failed": "checkout failed",
}


def _legend(runs: list[PoolRun], top: float) -> tuple[str, float]:
    """The legend of what this picture shows, wrapped to its width; and the picture's height."""
    connections = [c for run in runs for c in run.connections]
    waits = [w for run in runs for w in run.waits]
    shown = {
        "busy": any(c.holds for c in connections),
        "idle": bool(connections),
        "end": any(c.ended in {"close", "detach"} and not c.invalidated for c in connections),
        "replaced": any(c.ended == "replaced" for c in connections),
        "invalidated": any(c.invalidated for c in connections),
        "wait": any(w.waited for w in waits),
        "got": any(w.end is not None and not w.failed for w in waits),
        "failed": any(w.failed for w in waits),
    }
    parts, x, y = [], 0.0, top
    for key, label in LEGEND.items():
        if not shown[key]:
            continue
        width = 22 + len(label) * CHAR + 16
        if x + width > WIDTH:
            x, y = 0.0, y + LEGEND_LINE
        parts.append(_glyph(key, x + 8, y + 5) + _text(x + 20, y + 9, label, "tl-label"))
        x += width
    return "".join(parts), y + LEGEND_LINE


def _glyph(key: str, x: float, y: float) -> str:
    if key == "busy":
        return _bar("tl-busy", x - 7, x + 7, y - BAR / 2, BAR)
    if key == "idle":
        return _line("tl-idle", x - 7, x + 7, y, y)
    if key in {"end", "got"}:
        return _line(f"tl-{key}", x, x, y - 5, y + 5)
    if key == "replaced":
        return f'<circle class="tl-mark" cx="{x:.1f}" cy="{y:.1f}" r="3.5"/>'
    if key == "wait":
        return _bar("tl-wait", x - 7, x + 7, y - 2, 4)
    return _cross(x, y)


# -- the fence --------------------------------------------------------------------------


def validate(language: str, inputs: dict[str, str], options: dict[str, str], *_: Any) -> bool:
    for name, value in inputs.items():
        if name not in OPTIONS:
            raise SuperFencesException(
                f"```{language} {name}=...: unknown option; known: {', '.join(sorted(OPTIONS))}"
            )
        options[name] = value
    return True


def format_timeline(
    src: str, language: str, class_name: str, options: dict[str, str], *_: Any, **__: Any
) -> str:
    try:
        request = fences.Request.parse(src, options, fence="timeline")
    except ValueError as error:
        raise SuperFencesException(str(error)) from None
    figure = next(_figures)
    shown = [_show(request.example, database, figure) for database in request.databases]
    # Raw HTML cannot go into an indented tab: each tab holds a mark that the picture replaces.
    html = fences.tabs([(label, f"TIMELINE{n}") for n, (label, _) in enumerate(shown)])
    for n, picture in enumerate(picture for _, picture in shown):
        html = html.replace(f"<p>TIMELINE{n}</p>", picture, 1)
    return html


def _show(example: Example, database: str, figure: int) -> tuple[str, str]:
    """The tab label and the HTML for one database: the picture, from the record only."""
    try:
        record = records.load(example, database)
    except records.RecordError as error:
        raise SuperFencesException(str(error)) from None
    if record is None or record.key != example.key():
        note = fences.not_recorded(example, database, record)
        return DATABASES[database].label, fences.tabs([("", note)])
    if not record.events:
        raise SuperFencesException(
            f"{', '.join(pages.drawn_on(example.module))}: the ```timeline of {example.module} "
            f"on {database}: its record, {records.relative(record.path)}, has no pool events. "
            "Record them (a page that draws an example makes its test record its events):\n"
            f"  uv run --group dev pytest 'tests/test_examples.py::test_example[{example.name}-"
            f"{database}]'"
        )
    return record.series, draw(record, f"timeline-{figure}-{database}")
