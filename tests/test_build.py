"""The site builds with ``mkdocs build --strict``: a broken include, or a failing example,
stops it. Outputs come from the records: this build runs no example. Every link of the built
pages points to a page and an anchor that exist."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

NOT_RECORDED = "Not recorded for this version"
# elements without an end tag
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


def test_mkdocs_build_strict(built_site: Path, pytestconfig: pytest.Config) -> None:
    """The build itself is the fixture's; with --check-records (CI) no output may be missing."""
    if not pytestconfig.getoption("check_records"):
        return  # outside CI a missing record is written by test_example, not an error
    unrecorded = sorted(
        page.relative_to(built_site).as_posix()
        for page in built_site.rglob("*.html")
        if NOT_RECORDED in page.read_text(encoding="utf-8")
    )
    assert not unrecorded, (
        f"pages show outputs with no fresh record: {', '.join(unrecorded)}. "
        "test_example names each stale record and how to refresh it."
    )


class Anchors(HTMLParser):
    """The ids of a page, and the links of its content (inside .md-content)."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.depth = 0  # open elements inside .md-content, 0 outside

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(found["id"] or "")
        inside = self.depth or "md-content" in (found.get("class") or "").split()
        if inside and tag not in VOID:
            self.depth += 1
        if inside and tag == "a" and found.get("href"):
            self.links.append(found["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        self.depth = max(0, self.depth - 1)


def test_every_link_and_anchor_resolves(built_site: Path) -> None:
    pages: dict[str, Anchors] = {}
    for html in built_site.rglob("index.html"):
        path = "/" + html.parent.relative_to(built_site).as_posix().strip(".") + "/"
        pages[path.replace("//", "/")] = parsed = Anchors()
        parsed.feed(html.read_text(encoding="utf-8"))
    broken = []
    for path, page in pages.items():
        for href in page.links:
            target = urlsplit(urljoin(f"http://site{path}", href))
            if target.hostname != "site" or Path(target.path).suffix:
                continue  # another site, or a file (an image, the sitemap)
            found = pages.get(target.path if target.path.endswith("/") else target.path + "/")
            if found is None:
                broken.append(f"{path}: {href} (no such page)")
            elif target.fragment and target.fragment not in found.ids:
                broken.append(f"{path}: {href} (no such anchor)")
    assert not broken, "links that point nowhere:\n" + "\n".join(broken)
