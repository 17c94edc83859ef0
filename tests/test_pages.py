"""Every page expands as MkDocs expands it: its includes resolve."""

from __future__ import annotations

import pytest

from proof import pages


@pytest.mark.parametrize("page", [p.name for p in pages.pages()])
def test_page_expands(page: str) -> None:
    errors = pages.site()[1]
    if page in errors:
        pytest.fail(errors[page], pytrace=False)
