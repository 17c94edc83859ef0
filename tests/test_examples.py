"""Every example runs once per database as a program, ``python -m snippets...``, and its
output is held to its record under ``records/`` (see ``proof.records.verdict``); on another
toolchain than the site's, under ``records/<toolchain>/`` (``python -m proof.toolchains``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from proof import databases, pages, records, runner, toolchains
from proof.examples import SITE, Example, examples, running


@pytest.mark.parametrize(
    ("example", "database"),
    [
        pytest.param(example, database, id=f"{example.name}-{database}")
        for example in examples().values()
        for database in example.databases
    ],
)
def test_example(
    example: Example,
    database: str,
    server: databases.Server,
    own_url: str,
    tmp_path: Path,
    record_mode: records.Mode,
    request: pytest.FixtureRequest,
) -> None:
    toolchain = running()
    pytest_command = (
        "uv run --group dev pytest" if toolchain == SITE else toolchains.shown(toolchain)
    )
    rerun = f"Rerun just this case:  {pytest_command} '{request.node.nodeid}'"
    run = runner.run(example, database, own_url, tmp_path)
    if run.problem():
        pytest.fail(f"{run.problem()}\n{rerun}\nRun it by hand:  {run.by_hand()}", pytrace=False)
    new = runner.record(run, server.version)
    verdict = records.verdict(records.load(example, database, toolchain), new, record_mode)
    if verdict.write:
        new.write()
    request.node.user_properties.append(("record", verdict.note))
    if verdict.failure:
        shown = ", ".join(pages.shown_on(example.module)) or "no page"
        pytest.fail(
            f"{verdict.failure}\nShown on {shown}. {rerun}\n"
            "A changed output that is intended: re-read what the page says around it, then "
            f"accept it:\n  {pytest_command} --refresh-records '{request.node.nodeid}'",
            pytrace=False,
        )
