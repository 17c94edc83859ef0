"""The site builds with ``mkdocs build --strict`` and with ``zensical build --strict`` (each
test runs on both builds, proof.site.BUILDERS): a broken include, or a failing example, stops
it. Outputs come from the records: this build runs no example. Every link of the built pages
points to a page and an anchor that exist."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from mkdocs.config import load_config

from proof.examples import ROOT

NOT_RECORDED = "Not recorded for this version"


def test_build_strict(built_site: Path, pytestconfig: pytest.Config) -> None:
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


ID = re.compile(r'\sid="([^"]+)"')
HREF = re.compile(r'<a\s[^>]*?href="([^"]+)"')


def anchors(html: str) -> tuple[set[str], list[str]]:
    """The ids of a page, and the links of its content (Material's article)."""
    start = html.find('<article class="md-content__inner')
    content = html[start : html.find("</article>", start)]
    return set(ID.findall(html)), [unescape(href) for href in HREF.findall(content)]


def test_every_link_and_anchor_resolves(built_site: Path) -> None:
    pages: dict[str, tuple[set[str], list[str]]] = {}
    for html in built_site.rglob("index.html"):
        path = "/" + html.parent.relative_to(built_site).as_posix().strip(".") + "/"
        pages[path.replace("//", "/")] = anchors(html.read_text(encoding="utf-8"))
    broken = []
    for path, (_, links) in pages.items():
        for href in links:
            target = urlsplit(urljoin(f"http://site{path}", href))
            if target.hostname != "site" or Path(target.path).suffix:
                continue  # another site, or a file (an image, the sitemap)
            found = pages.get(target.path if target.path.endswith("/") else target.path + "/")
            if found is None:
                broken.append(f"{path}: {href} (no such page)")
            elif target.fragment and target.fragment not in found[0]:
                broken.append(f"{path}: {href} (no such anchor)")
    assert not broken, "links that point nowhere:\n" + "\n".join(broken)


def test_search_cuts_words_as_configured(search_index: tuple[dict[str, Any], Any]) -> None:
    """The index cuts words with the separator of mkdocs.yml (plugins: search: separator),
    which Zensical reads from there too: tests/test_browser.py searches with it."""
    configured = load_config(str(ROOT / "mkdocs.yml"))["plugins"]["material/search"].config
    config, _ = search_index
    assert config["separator"] == configured["separator"], (
        f"the built search index cuts words at {config['separator']!r}, "
        f"mkdocs.yml says {configured['separator']!r}"
    )
