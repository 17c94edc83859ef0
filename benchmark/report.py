"""The benchmark page's table and chart, made from a results file
(benchmark/results.json).

Regenerate both from the committed results without measuring again:
    uv run --group bench python -m benchmark.report
and print a new run's medians beside the committed ones (compare()).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmark" / "results.json"
TABLE = ROOT / "benchmark" / "table.md"
CHART = ROOT / "docs" / "assets" / "benchmark.svg"
NAMES = {"postgresql": "PostgreSQL", "mysql": "MySQL", "sqlite": "SQLite"}
UNIT_OF_WORK = [
    "engine per operation",
    "NullPool",
    "QueuePool",
    "QueuePool + pre_ping",
    "raw driver (floor)",
]
ALONE = [
    "pool checkout + checkin",
    "connect only",
    "connect only, ssl_disabled",
]
FLOOR = "raw driver (floor)"
# Readable on light and dark backgrounds alike: mid grey ink, mid-tone bars.
INK = "#8a8a8a"
COLORS = {"postgresql": "#4c78a8", "mysql": "#e45756", "sqlite": "#54a24b"}


def _us(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _cell(measure: dict[str, Any], floor: float | None) -> str:
    median = measure["median_us"]
    spread = f"{_us(measure['lowest_us'])}&ndash;{_us(measure['highest_us'])}"
    ratio = f" (**{median / floor:,.1f}&times;**)" if floor else ""
    return f"{_us(median)} µs{ratio}<br><small>{spread}</small>"


def driver(libraries: str) -> str:
    """The part after SQLAlchemy's: the driver and its version."""
    return libraries.split(", ", 1)[1]


def where(host: str | None) -> str:
    return f"at {host}" if host else "in a local file"


def table(results: dict[str, Any]) -> str:
    backends = results["backends"]
    order = [b for b in NAMES if b in backends]
    machine = results["machine"]
    lines = [
        f"Made on {results['made']} with `{results['command']}`, "
        f"{results['rounds']} rounds per measure, in {results['seconds']} s: "
        f"{machine['cpu']}, {machine['cpus']} CPUs, {machine['memory']}, "
        f"{machine['platform']}, "
        f"Python {machine['python']}, SQLAlchemy {results['sqlalchemy']}. "
        "Servers: "
        + ", ".join(
            f"{backends[b]['server']} {where(backends[b].get('host'))} "
            f"({driver(backends[b]['libraries'])})"
            for b in order
        )
        + ".",
        "",
    ]
    if results.get("quick"):
        lines += ["**A `--quick` run: tiny batches, not measurements.**", ""]
    for b, why in results.get("left_out", {}).items():
        lines += [f"{NAMES[b]} was left out: {why}.", ""]
    header = "| per `SELECT 1` unit of work | " + " | ".join(
        f"{NAMES[b]}<br><small>{backends[b]['server']}</small>" for b in order
    )
    lines += [header + " |", "|---" * (len(order) + 1) + "|"]
    for name in UNIT_OF_WORK:
        cells = []
        for b in order:
            measures = backends[b]["measures"]
            cells.append(_cell(measures[name], measures[FLOOR]["median_us"]))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "| one step alone, no query | "
        + " | ".join(NAMES[b] for b in order)
        + " |",
        "|---" * (len(order) + 1) + "|",
    ]
    for name in ALONE:
        cells = [
            _cell(backends[b]["measures"][name], None)
            if name in backends[b]["measures"]
            else "&ndash;"
            for b in order
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _run(results: dict[str, Any]) -> str:
    machine = results["machine"]
    quick = ", --quick: tiny batches" if results.get("quick") else ""
    return (
        f"{results['made']}, {machine['cpu']}, {machine['cpus']} CPUs, "
        f"Python {machine['python']}, SQLAlchemy {results['sqlalchemy']}"
        f"{quick}"
    )


def compare(yours: dict[str, Any], committed: dict[str, Any]) -> str:
    """A run's medians beside the committed run's, in µs, as plain text."""
    lines = [
        f"yours:     {_run(yours)}",
        f"committed: {_run(committed)}",
        "medians in µs per operation; ratio: yours / committed",
    ]
    for b, name in NAMES.items():
        runs = [yours["backends"].get(b), committed["backends"].get(b)]
        if not any(runs):
            continue
        why = [r.get("left_out", {}).get(b, "") for r in (yours, committed)]
        servers = [
            run["server"] if run else f"not run ({reason or 'left out'})"
            for run, reason in zip(runs, why, strict=True)
        ]
        lines += [
            "",
            f"{name}: yours {servers[0]}, committed {servers[1]}",
            f"  {'':<26}{'yours':>10}{'committed':>11}{'ratio':>8}",
        ]
        for measure in UNIT_OF_WORK + ALONE:
            mine, theirs = (
                run["measures"][measure]["median_us"]
                if run and measure in run["measures"]
                else None
                for run in runs
            )
            if mine is None and theirs is None:
                continue
            ratio = f"{mine / theirs:.2f}x" if mine and theirs else "-"
            lines.append(
                f"  {measure:<26}{_us(mine) if mine else '-':>10}"
                f"{_us(theirs) if theirs else '-':>11}{ratio:>8}"
            )
    return "\n".join(lines)


def chart(results: dict[str, Any]) -> str:
    """One panel per database, stacked, on one log scale: narrow enough to
    read on a phone at its own size (4 inches: 384 px), text at 9 points."""
    import matplotlib

    matplotlib.use("svg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import LogLocator, NullLocator

    plt.rcParams.update(
        {
            # text stays text: the page's font, searchable, small
            "svg.fonttype": "none",
            "svg.hashsalt": "pooling-benchmark",  # the same ids on every run
            "font.size": 9,
            "text.color": INK,
            "axes.labelcolor": INK,
            "axes.edgecolor": INK,
            "xtick.color": INK,
            "ytick.color": INK,
        }
    )
    backends = results["backends"]
    order = [b for b in NAMES if b in backends]
    figure, panels = plt.subplots(
        len(order),
        1,
        figsize=(4.0, 0.6 + 1.55 * len(order)),
        sharex=True,
        squeeze=False,
    )
    highest = max(
        backends[b]["measures"][m]["median_us"]
        for b in order
        for m in UNIT_OF_WORK
    )
    for axes, b in zip(panels[:, 0], order, strict=True):
        medians = [
            backends[b]["measures"][m]["median_us"] for m in UNIT_OF_WORK
        ]
        bars = axes.barh(range(len(medians)), medians, color=COLORS[b])
        axes.bar_label(bars, [_us(m) for m in medians], padding=3, color=INK)
        # the server that answered (MariaDB for some MySQL URLs), from the
        # figure's left edge: longer than the bars' side of the panel
        axes.annotate(
            f"{backends[b]['server']}, {driver(backends[b]['libraries'])}",
            xy=(0, 1),
            xycoords=("figure fraction", "axes fraction"),
            xytext=(2, 8),
            textcoords="offset points",
            fontsize=10,
            color=INK,
        )
        axes.set_yticks(range(len(UNIT_OF_WORK)), UNIT_OF_WORK)
        axes.invert_yaxis()
        axes.set_xscale("log")
        axes.set_xlim(0.5, highest * 40)  # room for the longest label
        # 1, 100, 10,000: no superscripts, too small to read on a phone
        axes.xaxis.set_major_locator(LogLocator(base=100))
        axes.xaxis.set_major_formatter(lambda x, _: f"{x:,.0f}")
        axes.xaxis.set_minor_locator(NullLocator())
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
    panels[-1, 0].set_xlabel("µs per unit of work (median, log scale)")
    figure.tight_layout()
    out = io.StringIO()
    figure.savefig(out, format="svg", transparent=True, metadata={"Date": None})
    plt.close(figure)
    return out.getvalue()


def main() -> int:
    results = json.loads(RESULTS.read_text(encoding="utf-8"))
    TABLE.write_text(table(results), encoding="utf-8")
    CHART.parent.mkdir(parents=True, exist_ok=True)
    CHART.write_text(chart(results), encoding="utf-8")
    print(f"wrote {TABLE} and {CHART} from {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
