"""The site's rules, one case each (proof.policy): nothing a reader sees is typed into a page
untested, every example is shown and run, nothing is orphaned, no project is misquoted."""

from __future__ import annotations

import pytest

from proof.policy import RULES


@pytest.mark.parametrize("rule", list(RULES))
def test_policy(rule: str) -> None:
    problems = RULES[rule]()
    assert not problems, "\n".join(["", *problems])
