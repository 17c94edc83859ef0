"""Measure how the built site reads, in headless Chromium at a laptop's and a phone's width.

Run it:  uv run python tests/measure_reading.py [--site DIR] [--details]

Builds the site from the records (or takes a built one with --site), serves it on localhost,
and prints, per width: code blocks that scroll sideways, blocks whose copy button covers text,
tables cut off without a scroll container, identifiers broken across lines, and the share of
each page's HTML taken by collapsed full listings. The browser tests (test_browser.py) hold
the site to the same measurements; this script reports them, as numbers, for a closing note.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright
from site_in_browser import CHROMIUM, MEASURE_PAGE, ROOT, VIEWPORTS, build_site, page_paths, served

DETAILS = ("scrolling", "covered", "wideTables", "cutTables", "broken", "overflowing")


def measure(site: Path) -> dict[str, dict[str, dict[str, Any]]]:
    results: dict[str, dict[str, dict[str, Any]]] = {}
    with served(site) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        for width_name, (width, height) in VIEWPORTS.items():
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            for path in page_paths(site):
                page.goto(base + path)
                results.setdefault(path, {})[width_name] = page.evaluate(MEASURE_PAGE)
            context.close()
        browser.close()
    return results


def static_counts() -> dict[str, int]:
    lines = [
        line
        for file in sorted((ROOT / "snippets").rglob("*.py"))
        for line in file.read_text(encoding="utf-8").splitlines()
    ]
    pages = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "docs").glob("*.md"))
    code = "\n".join(lines)
    return {
        "lines in snippets/": len(lines),
        "lines longer than 79 characters": sum(len(line) > 79 for line in lines),
        '"chapter" in pages': len(re.findall(r"chapter", pages, re.IGNORECASE)),
        '"chapter" in snippets/': len(re.findall(r"chapter", code, re.IGNORECASE)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, help="a built site (default: build one now)")
    parser.add_argument("--details", action="store_true", help="name every block and table")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        site = args.site
        if site is None:
            site = Path(scratch) / "site"
            done = build_site(site)
            if done.returncode:
                print(done.stderr, file=sys.stderr)
                return 1
        results = measure(site)

    print(f"{len(results)} pages, Chromium at {CHROMIUM}\n")
    print("| measure | " + " | ".join(f"{n} {w}x{h}" for n, (w, h) in VIEWPORTS.items()) + " |")
    print("|---" * (len(VIEWPORTS) + 1) + "|")
    rows: list[tuple[str, Callable[[dict[str, Any]], int]]] = [
        ("code blocks", lambda m: m["codeBlocks"]),
        ("code blocks that scroll sideways", lambda m: len(m["scrolling"])),
        ("copy buttons that cover text", lambda m: len(m["covered"])),
        ("tables", lambda m: m["tables"]),
        ("tables wider than the column (scroll)", lambda m: len(m["wideTables"])),
        ("tables cut off with no scroll container", lambda m: len(m["cutTables"])),
        ("identifiers broken across lines", lambda m: len(m["broken"])),
        ("pages wider than the screen", lambda m: int(m["documentWidth"] > m["viewportWidth"])),
        ("elements past the screen's edge, outside a scroll box", lambda m: len(m["overflowing"])),
    ]
    for name, value in rows:
        cells = [str(sum(value(page[w]) for page in results.values())) for w in VIEWPORTS]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print("\nShare of each page's HTML in collapsed full listings (desktop):")
    for path, page in results.items():
        m = page["desktop"]
        print(f"  {path:22} {m['listingChars'] / m['htmlChars']:5.0%} of {m['htmlChars']:,} chars")
    print()
    for name, count in static_counts().items():
        print(f"{name}: {count}")
    if args.details:
        for path, page in results.items():
            for width_name, m in page.items():
                for kind in DETAILS:
                    for item in m[kind]:
                        print(f"{path} {width_name} {kind}: {item}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
