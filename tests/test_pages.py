"""Every fenced block of every page, as MkDocs renders it, run on every backend it applies to."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import harness
import pytest

BLOCKS, ERRORS = harness.site()


@pytest.mark.parametrize("page", [p.relative_to(harness.DOCS).as_posix() for p in harness.pages()])
def test_page_expands(page: str) -> None:
    """Includes resolve and the page parses; otherwise its blocks cannot be tested at all."""
    if page in ERRORS:
        pytest.fail(ERRORS[page], pytrace=False)


def _runs() -> list[Any]:
    return [
        pytest.param(block, backend, id=f"{block.page}:{block.line}-{backend}")
        for block in harness.all_blocks()
        if block.category == "run"
        for backend in block.backends
    ]


# Defined only when the site has such blocks (today it has none: every python block shows an
# example file, which test_examples.py runs): an empty parametrization would report a skip.
if _runs():

    @pytest.mark.parametrize(("block", "backend"), _runs())
    def test_block(
        block: harness.Block,
        backend: str,
        database: harness.Database,
        tmp_path: Path,
        request: pytest.FixtureRequest,
    ) -> None:
        """A python or bash block that is not an example file, run as a program per backend."""
        if block.lang in harness.PYTHON:
            program = tmp_path / f"{block.page.replace('/', '_')}-line{block.line}.py"
            program.write_text(block.code, encoding="utf-8")
            command, reader = [sys.executable, str(program)], f"python {program.name}"
        else:
            command, reader = ["bash", "-e", "-c", block.code], f"bash -c {block.code!r}"
        what = f"{block.where} (```{block.info})"
        stdout = harness.run_program(
            command,
            database=database,
            cwd=tmp_path,
            what=what,
            nodeid=request.node.nodeid,
            reader=reader,
        )
        if block.expected_output is not None:
            harness.compare_output(
                stdout, block.expected_output, block.expected_output_ignore_whitespace, what
            )


def _covered() -> list[Any]:
    cases = []
    for block in harness.all_blocks():
        if block.category == "slice":
            targets = [i.module or i.path for i in block.includes]
        elif block.category == "command":
            targets = block.command_modules or []
        else:
            continue
        cases.append(
            pytest.param(block, targets, id=f"{block.page}:{block.line}->{'+'.join(targets)}")
        )
    return cases


@pytest.mark.parametrize(("block", "targets"), _covered())
def test_block_is_covered_by_example(block: harness.Block, targets: list[str]) -> None:
    """A slice of a file, or a `python -m` command, is run by test_examples.py (or by the test
    harness.RUN_BY_OWN_TEST names): check that it is."""
    examples = harness.examples()
    missing = [t for t in targets if t not in examples and t not in harness.RUN_BY_OWN_TEST]
    assert not missing, f"{block.where}: nothing runs {missing}; see test_policy for the fix"
