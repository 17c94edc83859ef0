"""The built site as readers meet it: every page in Chromium at a laptop's and a phone's width.

Screenshots of every page at both widths go to ``test-artifacts/screenshots/`` (not committed):
look at them after a change to the layout.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import harness
import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from site_in_browser import CHROMIUM, MEASURE_PAGE, VIEWPORTS, build_site, chromium_problem, served

SCREENSHOTS = harness.ROOT / "test-artifacts" / "screenshots"
PAGES = [
    "/" if page.stem == "index" else f"/{page.stem}/"
    for page in sorted(harness.pages(), key=lambda p: (p.stem != "index", p.stem))
]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    site = tmp_path_factory.mktemp("browser") / "site"
    done = build_site(site)
    assert done.returncode == 0, f"mkdocs build --strict failed:\n{done.stderr[-3000:]}"
    with served(site) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    problem = chromium_problem()
    if problem:
        if os.environ.get("TEST_REQUIRE_ALL_BACKENDS", "") not in {"", "0"} or os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM)
        yield launched
        launched.close()


def open_page(browser: Browser, url: str, viewport: str) -> tuple[Page, list[str], list[str]]:
    """The page, with the console errors and the requests outside localhost it caused."""
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "request",
        lambda r: (
            outside.append(r.url)
            if urlsplit(r.url).hostname not in {"127.0.0.1", "localhost", None}
            and not r.url.startswith(("data:", "blob:"))
            else None
        ),
    )
    page.goto(url, wait_until="networkidle")
    return page, errors, outside


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("path", PAGES)
def test_page_reads(browser: Browser, base_url: str, path: str, viewport: str) -> None:
    page, errors, outside = open_page(browser, base_url + path, viewport)
    try:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = path.strip("/") or "index"
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{viewport}.png"), full_page=True)
        m: dict[str, Any] = page.evaluate(MEASURE_PAGE)
    finally:
        page.context.close()
    where = f"{path} at {viewport} width {VIEWPORTS[viewport][0]} px"
    fix = "Measure it with: uv run python tests/measure_reading.py --details"
    assert not errors, f"{where}: console errors: {errors}"
    assert not outside, f"{where}: requests outside localhost: {outside}"
    if viewport == "desktop":
        assert not m["scrolling"], (
            f"{where}: code blocks wider than their box (format examples at 80 columns, or "
            f"let the output wrap): {m['scrolling']}. {fix}"
        )
    assert not m["covered"], f"{where}: the copy button covers code text in {m['covered']}. {fix}"
    assert not m["cutTables"], (
        f"{where}: tables cut off, or scrolling with no cue at the edge: {m['cutTables']}. {fix}"
    )
    assert not m["broken"], f"{where}: identifiers broken inside a word: {m['broken']}. {fix}"
    assert not m["overflowing"], (
        f"{where}: content past the screen's edge, outside a scroll box: {m['overflowing']}. {fix}"
    )


def test_linked_tabs_switch_together(browser: Browser, base_url: str) -> None:
    page, _, _ = open_page(browser, base_url + "/no-pooling/", "desktop")
    try:
        tab_sets = page.locator(".md-content .tabbed-set")
        assert tab_sets.count() >= 2, "no-pooling has several outputs in tabs"
        label = tab_sets.first.locator(".tabbed-labels > label").nth(1)
        text = label.inner_text()
        label.click()
        selected = page.evaluate(
            """(text) => [...document.querySelectorAll('.md-content .tabbed-set')]
                .filter(set => [...set.querySelectorAll('.tabbed-labels > label')]
                    .some(l => l.textContent.trim() === text))
                .map(set => {
                    const checked = set.querySelector(':scope > input:checked');
                    return set.querySelector(`label[for="${checked.id}"]`).textContent.trim();
                })""",
            text,
        )
        assert selected and all(s == text for s in selected), (
            f"clicking the {text!r} tab should switch every tab set with that label: {selected}"
        )
    finally:
        page.context.close()


@pytest.mark.parametrize("query", ["QueuePool", "pool_pre_ping"])
def test_search_finds_and_highlights(browser: Browser, base_url: str, query: str) -> None:
    page, errors, _ = open_page(browser, base_url + "/", "desktop")
    try:
        page.locator("input.md-search__input").click()
        page.keyboard.type(query)  # keystrokes: Material searches on key events
        results = page.locator(".md-search-result__item")
        results.first.wait_for(timeout=10_000)
        marked = page.locator(".md-search-result mark").all_inner_texts()
        assert any(query.lower() == m.lower() for m in marked), (
            f"search for {query!r}: the results should highlight it whole; marked: {marked[:10]}"
        )
        # a section's result carries the query to the page (?h=...), which marks it there
        section = page.locator(f".md-search-result__link[href*='h={query.lower()}#']").first
        section.click()
        page.wait_for_load_state("networkidle")
        on_page = page.locator(".md-content mark").all_inner_texts()
        assert any(query.lower() == m.lower() for m in on_page), (
            f"search for {query!r}: the page opened from the results should highlight it; "
            f"marked: {on_page[:10]}"
        )
        assert not errors, errors
    finally:
        page.context.close()


def test_copied_command_has_no_prompt(browser: Browser, base_url: str) -> None:
    page, _, _ = open_page(browser, base_url + "/no-pooling/", "desktop")
    try:
        page.context.grant_permissions(["clipboard-read", "clipboard-write"])
        block = page.locator(".md-content .example-output .highlight").first
        block.hover()
        block.locator(".md-code__button[data-md-type='copy'], .md-clipboard").first.click()
        copied: str = page.evaluate("navigator.clipboard.readText()")
        shown = block.locator("code").inner_text()
        assert shown.startswith("$ python -m "), shown[:80]
        assert copied.strip() == shown.splitlines()[0].removeprefix("$ ").strip(), (
            f"the copy button should copy the command alone, without `$ ` or the output; "
            f"copied: {copied!r}"
        )
    finally:
        page.context.close()


def test_slice_title_opens_its_whole_file(browser: Browser, base_url: str) -> None:
    page, _, _ = open_page(browser, base_url + "/no-pooling/", "desktop")
    try:
        link = page.locator(".md-content .filename a").first
        anchor = (link.get_attribute("href") or "").split("#")[1]
        link.click()
        listing = page.locator(f"#{anchor}")
        listing.wait_for(state="visible", timeout=5_000)
        opened = listing.evaluate("el => el.closest('details')?.open ?? true")
        assert opened, f"#{anchor}: the collapsed listing should open"
        assert listing.is_visible()
    finally:
        page.context.close()


def test_every_link_and_anchor_resolves(browser: Browser, base_url: str) -> None:
    page, _, _ = open_page(browser, base_url + "/", "desktop")
    ids: dict[str, set[str]] = {}
    links: dict[str, list[str]] = {}
    try:
        for path in PAGES:  # one visit per page: its ids, and its links
            page.goto(base_url + path)
            found = page.evaluate(
                """() => [[...document.querySelectorAll('[id]')].map(e => e.id),
                          [...document.querySelectorAll('.md-content a[href]')]
                              .map(a => a.href)]"""
            )
            ids[path], links[path] = set(found[0]), found[1]
    finally:
        page.context.close()
    broken: list[str] = []
    for path, hrefs in links.items():
        for href in hrefs:
            parts = urlsplit(href)
            if parts.hostname not in {"127.0.0.1", "localhost"}:
                continue
            target = parts.path if parts.path.endswith("/") else parts.path + "/"
            if target not in ids:
                if not (Path(parts.path).suffix or target.startswith("/assets/")):
                    broken.append(f"{path}: {href}")
            elif parts.fragment and parts.fragment not in ids[target]:
                broken.append(f"{path}: {href} (no such anchor)")
    assert not broken, "links that point nowhere:\n" + "\n".join(broken)


# Values typed into the sizing calculator: fits and does not, a fractional L, a rate times a
# hold that is not exact in binary (200 x 0.05), a fleet rate that does not divide evenly, no
# overflow and no limit (-1), other clients, a utilisation of 100 % (ceil(L)).
CALCULATOR_INPUTS = [
    {"rate": "100", "hold": "0.05"},
    {"rate": "1600", "hold": "0.05", "processes": "8", "utilisation": "100"},
    {"rate": "112.5", "hold": "0.12", "processes": "3", "max_overflow": "0"},
    {"rate": "1", "hold": "2.5", "processes": "1", "max_connections": "500", "reserved": "10"},
    {"rate": "100", "hold": "0.05", "processes": "3", "utilisation": "50"},
    {"rate": "400", "hold": "0.05", "max_overflow": "-1", "others": "20"},
    {"rate": "400", "hold": "0.05", "reserved": "50", "others": "47"},
    # ties at the second decimal, where rounding rules differ: 0.125, 0.0125 x 10, 1.005
    {"rate": "1", "hold": "0.125", "processes": "1"},
    {"rate": "10", "hold": "0.0125", "processes": "1"},
    {"rate": "1", "hold": "1.005", "processes": "1"},
    # no load still gets a pool_size of 1: pool_size=0 would mean no limit
    {"rate": "0", "hold": "0.5", "max_overflow": "0", "reserved": "0"},
]
CALCULATOR_FIELDS = (
    "rate",
    "hold",
    "processes",
    "utilisation",
    "max_overflow",
    "max_connections",
    "reserved",
    "others",
)
# Values both refuse: out of a field's limits (the page's form and the program's argparse
# types), and slots taken beyond max_connections (the page shows the program's message).
CALCULATOR_REFUSED = [
    {"utilisation": "0"},
    {"utilisation": "101"},
    {"max_overflow": "-2"},
    {"processes": "0"},
    {"reserved": "150"},
    {"reserved": "3", "others": "98"},
]
CALCULATOR = "snippets.session_pool.sizing.calculator"


def calculator(browser: Browser, base_url: str, inputs: dict[str, str]) -> tuple[str, list[str]]:
    """Type `inputs` into the calculator; return what it shows, and the program's arguments
    for every field's value on the page."""
    page, errors, _ = open_page(browser, base_url + "/sizing/", "desktop")
    try:
        form = page.locator("form.sizing-calculator")
        for name, value in inputs.items():
            form.locator(f"input[name='{name}']").fill(value)
        values = {
            name: form.locator(f"input[name='{name}']").input_value() for name in CALCULATOR_FIELDS
        }
        shown = form.locator("output").inner_text().strip()
    finally:
        page.context.close()
    assert not errors, errors
    return shown, [f"--{name.replace('_', '-')}={value}" for name, value in values.items()]


def run_calculator(arguments: list[str]) -> subprocess.CompletedProcess[str]:
    """The calculator's program, run with `arguments`."""
    command = [sys.executable, "-m", CALCULATOR, *arguments]
    return subprocess.run(command, cwd=harness.ROOT, capture_output=True, text=True)


@pytest.mark.parametrize("inputs", CALCULATOR_INPUTS, ids=lambda i: "-".join(i.values()))
def test_sizing_calculator_agrees_with_its_program(
    browser: Browser, base_url: str, inputs: dict[str, str]
) -> None:
    shown, arguments = calculator(browser, base_url, inputs)
    done = run_calculator(arguments)
    assert done.returncode == 0, done.stderr
    assert shown == done.stdout.strip(), (
        f"the calculator on /sizing/ and `python -m {CALCULATOR} {' '.join(arguments)}` "
        f"disagree:\npage:\n{shown}\nprogram:\n{done.stdout}"
        "docs/javascripts/sizing.js must do the program's arithmetic."
    )


@pytest.mark.parametrize(
    "inputs", CALCULATOR_REFUSED, ids=lambda i: "-".join(f"{k}={v}" for k, v in i.items())
)
def test_sizing_calculator_refuses_what_its_program_refuses(
    browser: Browser, base_url: str, inputs: dict[str, str]
) -> None:
    shown, arguments = calculator(browser, base_url, inputs)
    done = run_calculator(arguments)
    assert done.returncode == 2 and not done.stdout, (
        f"`python -m {CALCULATOR} {' '.join(arguments)}` accepted what the page refuses:\n"
        f"{done.stdout}{done.stderr}"
    )
    # argparse's own refusals name the argument; the page's form marks the field instead
    reason = done.stderr.strip().splitlines()[-1].partition(": error: ")[2]
    expected = (
        "Enter a number in every field, within its limits."
        if reason.startswith("argument ")
        else reason
    )
    assert shown == expected, (
        f"the calculator on /sizing/ shows\n{shown}\nwhere the program says\n{done.stderr}"
    )
