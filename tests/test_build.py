"""The site builds with ``mkdocs build --strict``: a broken include or link, or a failing
example, stops it. Outputs come from the records: this build runs no example."""

from __future__ import annotations

from pathlib import Path

import pytest
from site_in_browser import build_site

NOT_RECORDED = "Not recorded for this version"


def test_mkdocs_build_strict(tmp_path: Path, pytestconfig: pytest.Config) -> None:
    # Built from a scratch folder, as `mkdocs build -f` from anywhere would; RECORDS_ONLY=1: the
    # examples have run once in this session already (test_examples), the build only reads.
    site = tmp_path / "site"
    done = build_site(site)
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
