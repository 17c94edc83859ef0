"""Examples are copied into readers' projects: they must be typed and ruff-clean."""

from __future__ import annotations

import subprocess
import sys

import pytest

from proof.examples import ROOT


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "snippets", "proof", "tests", "scripts", "benchmark"],
        ["ruff", "format", "--check", "snippets", "proof", "tests", "scripts", "benchmark"],
        ["mypy"],
    ],
    ids=["ruff-check", "ruff-format", "mypy"],
)
def test_lint(command: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, (
        f"{' '.join(command)} found problems:\n{done.stdout}{done.stderr}"
        f"Reproduce with:  uv run --group lint {' '.join(command)}"
    )
