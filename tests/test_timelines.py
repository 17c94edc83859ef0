"""Every ```timeline of the pages is drawn from its record, and from nothing else: the built
page holds the picture ``proof.timeline.draw`` makes from the record file; the fence runs no
example, even where it could; a record without events stops the build, saying how to record
them. The pictures in a browser: tests/test_browser.py."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pymdownx.superfences import SuperFencesException

from proof import pages, records, runner, timeline
from proof.examples import Example
from proof.fences import Request

DRAWN = [
    pytest.param(block, database, id=f"{block.where}-{database}")
    for block in pages.all_blocks()
    if block.lang == "timeline"
    for database in Request.parse(block.code, block.options, fence="timeline").databases
]


def fresh(example: Example, database: str) -> records.Record:
    record = records.load(example, database)
    if record is None or record.key != example.key():
        pytest.skip(f"no fresh record of {example.module} on {database}: test_example writes it")
    return record


@pytest.mark.parametrize(("block", "database"), DRAWN)
def test_built_page_draws_the_record(built_site: Path, block: pages.Block, database: str) -> None:
    example = Example(block.code.strip())
    record = fresh(example, database)
    html = (built_site / pages.url(block.page) / "index.html").read_text(encoding="utf-8")
    idents = re.findall(rf'<title id="(timeline-\d+-{database})-title">', html)
    drawn = [timeline.draw(record, ident) for ident in idents]
    assert any(picture in html for picture in drawn), (
        f"{block.where}: the built page has no timeline of {example.module} on {database} "
        f"that proof.timeline.draw makes from {records.relative(record.path)}"
    )


def never(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("a ```timeline ran a program: it draws from the record only")


@pytest.mark.parametrize(("block", "database"), DRAWN)
def test_timeline_runs_nothing(
    block: pages.Block, database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With every database at hand and RECORDS_ONLY unset, where the output fence would run a
    stale example, the timeline runs nothing: a fresh record is drawn, a stale one noted."""
    monkeypatch.delenv("RECORDS_ONLY", raising=False)
    monkeypatch.setattr(runner, "run", never)
    monkeypatch.setattr(subprocess, "run", never)
    example = Example(block.code.strip())
    options = {**block.options, "databases": database}
    record = fresh(example, database)
    shown = timeline.format_timeline(block.code, "timeline", "timeline", options)
    ident = re.search(rf'<title id="(timeline-\d+-{database})-title">', shown)
    assert ident and timeline.draw(record, ident[1]) in shown, (
        f"{block.where}: the timeline on {database} is not the one drawn from "
        f"{records.relative(record.path)}"
    )
    monkeypatch.setattr(Example, "key", lambda self: "changed-since")
    stale = timeline.format_timeline(block.code, "timeline", "timeline", options)
    assert "Not recorded for this version" in stale and "<svg" not in stale


def test_record_without_events_stops_the_build(monkeypatch: pytest.MonkeyPatch) -> None:
    if not DRAWN:
        pytest.skip("no page draws a timeline")
    block, database = DRAWN[0].values
    assert isinstance(block, pages.Block) and isinstance(database, str)
    example = Example(block.code.strip())
    record = fresh(example, database)
    without = records.Record(**{**vars(record), "events": ""})
    monkeypatch.setattr(records, "load", lambda *_: without)
    options = {**block.options, "databases": database}
    with pytest.raises(SuperFencesException) as raised:
        timeline.format_timeline(block.code, "timeline", "timeline", options)
    said = str(raised.value)
    rerun = f"tests/test_examples.py::test_example[{example.name}-{database}]"
    for needed in (block.where, example.module, database, rerun):
        assert needed in said, f"the build's error should name {needed!r}: {said}"
