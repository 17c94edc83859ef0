"""The site's rules: nothing a reader sees is typed into a page untested, nothing is orphaned,
no project is misquoted."""

from __future__ import annotations

import harness


def test_every_block_is_tested_and_every_example_shown() -> None:
    problems = harness.problems()
    assert not problems, "\n".join(["", *problems])
