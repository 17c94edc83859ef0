"""Every example runs once per database as a program, ``python -m snippets...``; its output is
held to its record under ``records/`` (see ``RecordKeeper`` in conftest.py)."""

from __future__ import annotations

from pathlib import Path

import harness
import pytest
from conftest import RecordKeeper

from example_outputs import runner


def _claims(module: str) -> list[harness.Block]:
    """Blocks on the pages that show `python -m module` together with its expected output."""
    return [
        b
        for b in harness.all_blocks()
        if b.expected_output is not None and module in (b.command_modules or [])
    ]


@pytest.mark.parametrize(
    ("example", "backend"),
    [
        pytest.param(example, backend, id=f"{example.module}-{backend}")
        for example in harness.examples().values()
        for backend in example.backends
    ],
)
def test_example(
    example: harness.Example,
    backend: str,
    database: harness.Database,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    record_keeper: RecordKeeper,
) -> None:
    run = runner.run_example(example.module, database.url, tmp_path)
    if run.returncode != 0:
        how = (
            f"still running after {runner.TIMEOUT} s"
            if run.returncode is None
            else f"exited with {run.returncode}"
        )
        what = f"python -m {example.module}"
        pytest.fail(
            harness.failure(what, database, how, run, request.node.nodeid, what), pytrace=False
        )
    for claim in _claims(example.module):
        assert claim.expected_output is not None
        harness.compare_output(
            run.stdout,
            claim.expected_output,
            claim.expected_output_ignore_whitespace,
            f"{claim.where} (output of python -m {example.module})",
        )
    record_keeper.keep(example.module, database, run, request.node)
