"""Every example module runs as a program, ``python -m snippets...``, on each of its backends."""

from __future__ import annotations

import sys
from pathlib import Path

import harness
import pytest


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
) -> None:
    stdout = harness.run_program(
        [sys.executable, "-m", example.module],
        database=database,
        cwd=tmp_path,
        what=f"python -m {example.module}",
        nodeid=request.node.nodeid,
        reader=f"python -m {example.module}",
    )
    for claim in _claims(example.module):
        assert claim.expected_output is not None
        harness.compare_output(
            stdout,
            claim.expected_output,
            claim.expected_output_ignore_whitespace,
            f"{claim.where} (output of python -m {example.module})",
        )
