"""The site builds with ``mkdocs build --strict``: a failing example or broken link stops it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import harness


def test_mkdocs_build_strict(tmp_path: Path) -> None:
    # Built from a scratch folder with DATABASE_URL unset: the outputs on the pages come from
    # the examples' own SQLite default, as for a reader running `mkdocs serve`.
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--config-file",
            str(harness.ROOT / "mkdocs.yml"),
            "--site-dir",
            str(tmp_path / "site"),
        ],
        cwd=tmp_path,
        env=harness.python_path_env({"NO_MKDOCS_2_WARNING": "1"}),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, (
        f"mkdocs build --strict failed:\n{done.stderr[-4000:]}\n"
        "Reproduce with:  uv run mkdocs build --strict"
    )
