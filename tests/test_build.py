"""The site builds with ``mkdocs build --strict``: a broken include or link, or a failing
example, stops it. Outputs come from the records: this build runs no example."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import harness
import pytest

NOT_RECORDED = "Not recorded for this version"


def test_mkdocs_build_strict(tmp_path: Path, pytestconfig: pytest.Config) -> None:
    # Built from a scratch folder, as `mkdocs build -f` from anywhere would; RECORDS_ONLY=1: the
    # examples have run once in this session already (test_examples), the build only reads.
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"NO_MKDOCS_2_WARNING": "1", "RECORDS_ONLY": "1"}
    site = tmp_path / "site"
    config = str(harness.ROOT / "mkdocs.yml")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", config, "-d", str(site)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, (
        f"mkdocs build --strict failed:\n{done.stderr[-4000:]}\n"
        "Reproduce with:  uv run mkdocs build --strict"
    )
    if pytestconfig.getoption("check_records"):
        unrecorded = sorted(
            page.relative_to(site).as_posix()
            for page in site.rglob("*.html")
            if NOT_RECORDED in page.read_text(encoding="utf-8")
        )
        assert not unrecorded, (
            f"pages show outputs with no fresh record: {', '.join(unrecorded)}. "
            "test_example names each stale record and how to refresh it."
        )
