"""The benchmark (benchmark/pooling.py) runs on every backend, and the page shows its results.

The committed run is benchmark/results.json; the page's table (benchmark/table.md) and chart
(docs/assets/benchmark.svg) must be exactly what benchmark/report.py makes from it. A run
writes them only when asked to (--committed).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from benchmark import pooling, report
from proof.examples import ROOT


def test_benchmark_runs_on_every_backend(tmp_path: Path) -> None:
    """As a reader runs it: no --out, so into a new temporary folder (here under tmp_path),
    leaving the committed run alone, and printing its medians beside the committed ones."""
    committed = {path: path.read_bytes() for path in (report.RESULTS, report.TABLE, report.CHART)}
    done = subprocess.run(
        [sys.executable, "-m", "benchmark.pooling", "--quick", "--rounds", "1"],
        cwd=ROOT,
        env=os.environ | {"TMPDIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, (
        f"the benchmark failed:\n{done.stderr[-3000:]}\n"
        "Reproduce with:  uv run --group bench python -m benchmark.pooling --quick"
    )
    changed = [p for p, content in committed.items() if p.read_bytes() != content]
    assert not changed, f"a reader's run changed the committed run: {changed}"
    (results,) = tmp_path.glob("benchmark-*/results.json")
    assert {p.name for p in results.parent.iterdir()} == {"results.json", "table.md", "chart.svg"}
    measured = json.loads(results.read_text())
    assert done.stdout.startswith(report.compare(measured, json.loads(committed[report.RESULTS])))
    if os.environ.get("TEST_REQUIRE_ALL_DATABASES", "") not in {"", "0"}:
        assert not measured["left_out"], f"backends left out: {measured['left_out']}"
    for database, backend in measured["backends"].items():
        missing = set(report.UNIT_OF_WORK) - set(backend["measures"])
        assert not missing, f"{database}: no measure of {sorted(missing)}"


@pytest.mark.parametrize(
    ("argv", "folder"),
    [([], None), (["--out", "mine"], Path("mine")), (["--committed"], None)],
)
def test_benchmark_writes_the_committed_run_when_asked(
    argv: list[str], folder: Path | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    written = pooling.outputs(pooling.arguments(argv))
    committed = (report.RESULTS, report.TABLE, report.CHART)
    if "--committed" in argv:
        assert written == committed
        return
    assert not set(written) & set(committed), written
    (results, _, _) = written
    if folder is None:  # a new folder of its own
        assert results.parent.parent == tmp_path and results.parent.is_dir()
    else:
        assert all(path.parent == folder for path in written)


@pytest.mark.parametrize("made", ["table", "chart"])
def test_page_shows_the_committed_run(made: str) -> None:
    results = json.loads(report.RESULTS.read_text(encoding="utf-8"))
    path = report.TABLE if made == "table" else report.CHART
    expected = report.table(results) if made == "table" else report.chart(results)
    assert path.read_text(encoding="utf-8") == expected, (
        f"{path.relative_to(ROOT)} is not what benchmark/report.py makes from "
        "benchmark/results.json. Regenerate it:  uv run --group bench python -m benchmark.report "
        "(or measure again: uv run --group bench python -m benchmark.pooling --committed)"
    )
