"""The benchmark (benchmark/pooling.py) runs on every backend, and the page shows its results.

The committed run is benchmark/results.json; the page's table (benchmark/table.md) and chart
(docs/assets/benchmark.svg) must be exactly what benchmark/report.py makes from it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmark import report
from proof.examples import ROOT


def test_benchmark_runs_on_every_backend(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmark.pooling",
            "--quick",
            "--rounds",
            "1",
            "--out",
            str(results),
            "--table",
            str(tmp_path / "table.md"),
            "--chart",
            str(tmp_path / "chart.svg"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, (
        f"the benchmark failed:\n{done.stderr[-3000:]}\n"
        "Reproduce with:  uv run --group bench python -m benchmark.pooling --quick"
    )
    measured = json.loads(results.read_text())
    if os.environ.get("TEST_REQUIRE_ALL_DATABASES", "") not in {"", "0"}:
        assert not measured["left_out"], f"backends left out: {measured['left_out']}"
    for database, backend in measured["backends"].items():
        missing = set(report.UNIT_OF_WORK) - set(backend["measures"])
        assert not missing, f"{database}: no measure of {sorted(missing)}"


@pytest.mark.parametrize("made", ["table", "chart"])
def test_page_shows_the_committed_run(made: str) -> None:
    results = json.loads(report.RESULTS.read_text(encoding="utf-8"))
    path = report.TABLE if made == "table" else report.CHART
    expected = report.table(results) if made == "table" else report.chart(results)
    assert path.read_text(encoding="utf-8") == expected, (
        f"{path.relative_to(ROOT)} is not what benchmark/report.py makes from "
        "benchmark/results.json. Regenerate it:  uv run --group bench python -m benchmark.report "
        "(or measure again: uv run --group bench python -m benchmark.pooling)"
    )
