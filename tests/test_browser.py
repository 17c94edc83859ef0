"""The built site as readers meet it: every page in Chromium at a laptop's and a phone's width,
as MkDocs builds it and as Zensical does (conftest's ``builder``).

A page that fails is saved as a screenshot in ``test-artifacts/screenshots/`` (not committed),
named after its builder; ``--screenshots`` saves every page at both widths, to look at after a
change to the layout.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from proof import fences, pages, records, requirements
from proof.databases import DATABASES
from proof.examples import RECORDS, ROOT, Example
from proof.fences import OUTPUT_COLUMNS
from proof.site import published_path, served

# No browser is downloaded: Playwright starts Debian's (apt-get install chromium; .ci/run does)
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# The two widths every page is read at: a laptop, and a phone (iPhone 12-15 size).
VIEWPORTS = {"desktop": (1440, 900), "phone": (390, 844)}
# The reader's system prefers light or dark: Material shows its default or slate scheme
# (mkdocs.yml palette).
Preference = Literal["light", "dark"]
SCHEMES: dict[Preference, str] = {"light": "default", "dark": "slate"}
# axe-core, from tests/package.json (npm ci --prefix tests): the accessibility rules
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Everything measured on one page, in the browser: a function for page.evaluate().
MEASURE_PAGE = (Path(__file__).parent / "measure_page.js").read_text(encoding="utf-8")
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
Opened = tuple[Page, list[str], list[str]]  # the page, its console errors, requests outside
PAGES = sorted(f"/{pages.url(page.name)}" for page in pages.pages())


@pytest.fixture(scope="module")
def base_url(built_site: Path) -> Iterator[str]:
    with served(built_site) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        problem = (
            f"no Chromium at {CHROMIUM}. Install Debian's package (apt-get install chromium; "
            ".ci/run does) or set CHROMIUM to a Chromium or Chrome executable"
        )
        if os.environ.get("TEST_REQUIRE_ALL_DATABASES", "") not in {"", "0"} or os.environ.get(
            "CI"
        ):
            pytest.fail(problem)
        pytest.skip(problem)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM)
        yield launched
        launched.close()


@contextlib.contextmanager
def opened(
    browser: Browser, url: str, viewport: str = "desktop", scheme: Preference = "light"
) -> Iterator[Opened]:
    """The page, with the console errors and the requests outside localhost it causes. The
    reader's system prefers the light or the dark scheme: Material shows default or slate."""
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    page = context.new_page()
    errors: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    local = {"127.0.0.1", "localhost", None}
    page.on(
        "request", lambda r: None if urlsplit(r.url).hostname in local else outside.append(r.url)
    )
    page.goto(url, wait_until="load")  # networkidle would wait 0.5 s more on every page
    try:
        yield page, errors, outside
    finally:
        context.close()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("path", PAGES)
def test_page_reads(
    browser: Browser,
    base_url: str,
    builder: str,
    path: str,
    viewport: str,
    pytestconfig: pytest.Config,
) -> None:
    with opened(browser, base_url + path, viewport) as (page, errors, outside):
        m: dict[str, Any] = page.evaluate(MEASURE_PAGE)
        problems = page_problems(m, errors, outside, viewport)
        if problems or pytestconfig.getoption("screenshots"):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            name = f"{builder}-{path.strip('/') or 'index'}-{viewport}.png"
            page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
    where = f"{path} at {viewport} width {VIEWPORTS[viewport][0]} px"
    fix = "See it with: uv run --group dev pytest tests/test_browser.py --screenshots"
    assert not problems, f"{where}: " + f"\n{where}: ".join(problems) + f"\n{fix}"


def page_problems(
    m: dict[str, Any], errors: list[str], outside: list[str], viewport: str
) -> list[str]:
    """What a page's measurements show is wrong, each with how to fix it."""
    checks = [
        (errors, "console errors"),
        (outside, "requests outside localhost"),
        (
            m["scrolling"] if viewport == "desktop" else [],
            "code blocks wider than their box (format examples at 80 columns)",
        ),
        (
            m["wideOutputs"] if viewport == "desktop" else [],
            f"outputs wider than the column: an example prints at most {OUTPUT_COLUMNS} "
            "characters a line (proof.fences.OUTPUT_COLUMNS), its command included",
        ),
        (
            m["wrappedOutputs"],
            "outputs whose lines wrap: an output keeps its shape (white-space: pre), and "
            "scrolls sideways where the screen is narrower (docs/stylesheets/extra.css)",
        ),
        (m["covered"], "the copy button covers code text"),
        (m["cutTables"], "tables cut off, or scrolling with no cue at the edge"),
        (m["broken"], "identifiers broken inside a word (inline code, titles, outputs)"),
        (m["overflowing"], "content past the screen's edge, outside a scroll box"),
        (m["smallText"], "text in an image shown smaller than 10 px (draw it narrower)"),
    ]
    return [f"{what}: {found}" for found, what in checks if found]


@pytest.fixture(scope="module")
def axe() -> str:
    """axe-core's script, to inject into pages."""
    if not AXE.exists():
        problem = (
            f"axe-core is not installed ({AXE.relative_to(ROOT)} is missing): run "
            "`npm ci --prefix tests` (.ci/run does), which installs the version that "
            "tests/package-lock.json pins"
        )
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    return AXE.read_text(encoding="utf-8")


AXE_RUN = """async (tags) => {
    const result = await axe.run(document, {
        runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
    return result.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help, url: v.helpUrl, count: v.nodes.length,
        nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')),
        fix: v.nodes[0].failureSummary.replace(/\\s+/g, ' ')}));
}"""


@pytest.mark.parametrize("scheme", list(SCHEMES))
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.strip("/") or "index")
def test_page_accessible(
    browser: Browser,
    base_url: str,
    builder: str,
    axe: str,
    path: str,
    viewport: str,
    scheme: Preference,
    pytestconfig: pytest.Config,
) -> None:
    """axe-core finds no violation of WCAG 2.1 A and AA, in either colour scheme."""
    with opened(browser, base_url + path, viewport, scheme) as (page, errors, _):
        shown = page.evaluate("document.body.getAttribute('data-md-color-scheme')")
        assert shown == SCHEMES[scheme], (
            f"{path}: a system that prefers {scheme} should get Material's "
            f"{SCHEMES[scheme]} scheme, got {shown!r} (mkdocs.yml palette)"
        )
        page.add_script_tag(content=axe)
        violations: list[dict[str, Any]] = page.evaluate(AXE_RUN, AXE_TAGS)
        if violations or pytestconfig.getoption("screenshots"):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            name = f"{builder}-{path.strip('/') or 'index'}-{viewport}-{scheme}.png"
            page.screenshot(path=str(SCREENSHOTS / name), full_page=True)
    where = f"{path} at {viewport} width {VIEWPORTS[viewport][0]} px, {scheme} scheme"
    found = [
        f"{v['id']} ({v['impact']}), {v['count']} element(s): {v['help']}\n"
        f"    e.g. {'; '.join(v['nodes'])}\n    {v['fix']}\n    {v['url']}"
        for v in violations
    ]
    assert not found and not errors, (
        f"{where}: axe-core ({', '.join(AXE_TAGS)}):\n" + "\n".join(found) + f"\n{errors}"
    )


def test_linked_tabs_switch_together(browser: Browser, base_url: str) -> None:
    with opened(browser, base_url + "/no-pooling/") as (page, _, _):
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


@dataclass(frozen=True)
class SearchUI:
    """Where a builder's search is on the page, for a reader's steps: open it, enter a query,
    read the results. Zensical's lives in a shadow root, which Playwright's selectors pierce."""

    opener: str  # what a reader clicks to search
    box: str  # the query's input
    status: str  # the line that counts the results
    idle: str  # what it reads once the index is built, with no query
    found: str  # what it reads once results are shown (a pattern): their number first
    results: str  # the list of results
    item: str  # one result: a page with its sections (MkDocs), or one section (Zensical)
    scroller: str  # the box the results scroll in: scrolled to its end, it shows more


SEARCH_UIS = {
    "mkdocs": SearchUI(
        opener="input.md-search__input",
        box="input.md-search__input",
        status=".md-search-result__meta",
        idle="Type to start searching",
        found=r"^\d+ matching documents?$",
        results=".md-search-result",
        item=".md-search-result__item",
        scroller=".md-search__scrollwrap",
    ),
    "zensical": SearchUI(
        opener=".md-search__button",
        box="dialog input[role=combobox]",
        status="dialog [role=status]",
        idle="",
        found=r"^\d+ results?$",
        results="dialog ol[role=listbox]",
        item="dialog ol[role=listbox] > li",
        scroller="dialog div:has(> ol[role=listbox])",
    ),
}


@pytest.fixture(scope="module")
def search_ui(builder: str) -> SearchUI:
    return SEARCH_UIS[builder]


def open_search(page: Page, ui: SearchUI) -> None:
    """Open the search, and wait until its index is built: no query, and the line that counts
    the results reads as it does then (before, "Initializing search" or "Loading search…")."""
    page.locator(ui.opener).click()
    expect(page.locator(ui.status)).to_have_text(ui.idle, timeout=30_000)


# The runs of touching <mark>s in an element: what a reader sees highlighted. The search
# separator (mkdocs.yml) cuts pool_pre_ping after each underscore, and each part gets a mark of
# its own, the marks touching (MkDocs), or a <u> of its own in one mark (Zensical's results):
# the highlight is one, pool_pre_ping, whole.
MARKED_RUNS = """(root) => {
    const runs = [];
    let last = null;
    for (const mark of root.querySelectorAll('mark')) {
        if (last && last.nextSibling === mark) runs[runs.length - 1] += mark.textContent;
        else runs.push(mark.textContent);
        last = mark;
    }
    return runs;
}"""


# The first link of the results to a section that carries the whole query to its page (?h=,
# its words joined: pool_+pre_+ping from MkDocs, pool_pre_ping from Zensical): the results are
# those of the whole query, not of the letters typed before its end.
CARRYING = """([results, query]) => [...results.querySelectorAll('a[href*="#"]')]
    .map(a => a.href)
    .find(href => (new URL(href).searchParams.get('h') || '')
        .replace(/\\s+/g, '').toLowerCase() === query)"""


@pytest.mark.parametrize("query", ["QueuePool", "pool_pre_ping"])
def test_search_finds_and_highlights(
    browser: Browser, base_url: str, search_ui: SearchUI, query: str
) -> None:
    with opened(browser, base_url + "/") as (page, errors, _):
        open_search(page, search_ui)
        page.locator(search_ui.box).click()
        page.keyboard.type(query)  # keystrokes: the search runs on key events
        results = page.locator(search_ui.results)
        # a section's result carries the query to the page (?h=...), which marks it there
        try:
            href = page.wait_for_function(
                CARRYING, arg=[results.element_handle(), query.lower()], timeout=10_000
            )
        except PlaywrightTimeoutError:
            links = results.locator("a").evaluate_all("a => a.map(a => a.href)")
            pytest.fail(f"search for {query!r}: no section result carries it: {links[:5]}")
        marked = results.evaluate(MARKED_RUNS)
        assert any(query.lower() == m.lower() for m in marked), (
            f"search for {query!r}: the results should highlight it whole; marked: {marked[:10]}"
        )
        results.locator(f"a[href='{href.json_value()}']").click()
        page.locator(".md-content mark").first.wait_for(timeout=10_000)  # marked by script
        on_page = page.locator(".md-content").evaluate(MARKED_RUNS)
        assert any(query.lower() == m.lower() for m in on_page), (
            f"search for {query!r}: the page opened from the results should highlight it; "
            f"marked: {on_page[:10]}"
        )
        assert not errors, errors


@pytest.fixture(scope="module")
def search_page(
    browser: Browser, base_url: str, search_ui: SearchUI
) -> Iterator[tuple[Page, list[str]]]:
    """The home page, loaded once for the searches below (the search index is built once), and
    its console errors and warnings: the search worker warns, and finds nothing, on a query it
    cannot run."""
    with opened(browser, base_url + "/") as (page, errors, _):
        page.context.grant_permissions(["clipboard-read", "clipboard-write"])
        page.on("console", lambda m: errors.append(m.text) if m.type == "warning" else None)
        open_search(page, search_ui)
        yield page, errors


def search_results(
    page: Page, ui: SearchUI, query: str, *, paste: bool = False, every: bool = False
) -> list[list[str]]:
    """Search for `query`, entered or pasted, and return the results (all of them if `every`):
    for each, in order, the path of its page and of the sections shown with it
    (``/configuration/``, ``/configuration/#pool-size``)."""
    box, items, status = page.locator(ui.box), page.locator(ui.item), page.locator(ui.status)
    box.click()
    box.fill("")
    page.keyboard.press("End")  # a key event: Material searches again, and shows no results
    expect(items).to_have_count(0)
    expect(status).to_have_text(ui.idle)
    if paste:  # as a reader pastes an error: Control+V, with the text on the clipboard
        page.evaluate("text => navigator.clipboard.writeText(text)", query)
        page.keyboard.press("Control+V")
    else:  # at once, not a key at a time: one search, for the whole query
        box.fill(query)
        page.keyboard.press("End")
    # "12 matching documents" (MkDocs), "55 results" (Zensical). Zensical reads "No results"
    # from the query's entry until its results arrive: only a count says they are shown.
    try:
        expect(status).to_have_text(re.compile(ui.found), timeout=10_000)
    except AssertionError:
        pytest.fail(f"search for {query!r}: no results; the search reads {status.inner_text()!r}")
    count = int(status.inner_text().split()[0])
    items.first.wait_for(timeout=10_000)
    # 10 results are shown, and more each time the results are scrolled to their end
    scroller = page.locator(ui.scroller)
    frames = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
    while every and items.count() < count:
        shown = items.count()
        for _ in range(5):  # a scroll to the end that the search missed shows no more: again
            scroller.evaluate("el => el.scrollTo(0, 0)")
            page.evaluate(frames)
            scroller.evaluate("el => el.scrollTo(0, el.scrollHeight)")
            try:
                expect(items).not_to_have_count(shown, timeout=2_000)
                break
            except AssertionError:
                continue
        else:
            pytest.fail(f"search for {query!r}: {count} found, {shown} shown after scrolling")
    links: list[list[str]] = items.evaluate_all(
        """items => items.map(item => [...item.querySelectorAll(':scope > a')]
            .map(a => { const url = new URL(a.href); return url.pathname + url.hash; }))"""
    )
    below = f"/{published_path()}"  # paths from the site's root, as the index has them
    paths = [[path.removeprefix(below) for path in item] for item in links]
    # a result of Zensical's is one section: its page first, as MkDocs lists them
    return [[item[0].partition("#")[0], *item] if "#" in item[0] else item for item in paths]


# Errors as the examples printed them, pasted whole into the search box, and the entry of the
# troubleshooting page that answers each: (record, the text the pasted part starts with, the
# section). The pasted text is read from the record, so it is always a real, current output.
PASTED_ERRORS = {
    "queuepool-timeout": (
        "configuration/max_overflow.postgresql",
        "sqlalchemy.exc.TimeoutError: QueuePool limit",
        "queuepool-limit",
    ),
    "mysql-2013": (
        "common_issues/stale_connection_error.mysql",
        "(pymysql.err.OperationalError) (2013,",
        "mysql-2013",
    ),
    "mysql-2013-timed-out": (
        "common_issues/silent_drop.mysql",
        "pymysql.err.OperationalError: (2013, 'Lost connection to MySQL server during query (",
        "mysql-2013-timed-out",
    ),
    "mysql-2006": (
        "common_issues/stale_connection_error.mysql",
        "(pymysql.err.OperationalError) (2006,",
        "mysql-2006",
    ),
    "pg-closed": (
        "common_issues/silent_drop.postgresql",
        "psycopg.OperationalError: consuming input failed",
        "server-closed-unexpectedly",
    ),
    "pg-terminated": (
        "common_issues/stale_connection_error.postgresql",
        "(psycopg.errors.AdminShutdown)",
        "admin-shutdown",
    ),
    "pg-idle-timeout": (
        "common_issues/stale_connection_error.postgresql",
        "(psycopg.errors.IdleSessionTimeout)",
        "idle-session-timeout",
    ),
    "pg-role-limit": (
        "configuration/server_limit.postgresql",
        "FATAL:",
        "too-many-connections-for-role",
    ),
    "mysql-1226": ("configuration/server_limit.mysql", "(1226,", "max-user-connections"),
    "pgbouncer-prepared": (
        "pgbouncer/transaction_mode.pgbouncer",
        "psycopg.errors.DuplicatePreparedStatement:",
        "duplicate-prepared-statement",
    ),
    "psycopg2-closed": (
        "drivers/disconnect_drill.postgresql",
        "(psycopg2.OperationalError) server closed",
        "psycopg2-server-closed",
    ),
    "asyncpg-closed": (
        "drivers/disconnect_drill.postgresql",
        "(sqlalchemy.dialects.postgresql.asyncpg.InterfaceError)",
        "asyncpg-connection-closed",
    ),
    "asyncpg-mid-operation": (
        "drivers/disconnect_drill.postgresql",
        "(sqlalchemy.dialects.postgresql.asyncpg.Error)",
        "asyncpg-closed-mid-operation",
    ),
    "mysqlclient-2013": (
        "drivers/disconnect_drill.mysql",
        "(MySQLdb.OperationalError) (2013,",
        "mysqlclient-2013",
    ),
    "asyncpg-prepared": (
        "drivers/asyncpg_pgbouncer.pgbouncer",
        "(sqlalchemy.dialects.postgresql.asyncpg.ProgrammingError)",
        "asyncpg-duplicate-prepared-statement",
    ),
    "asyncpg-prepared-missing": (
        "drivers/asyncpg_pgbouncer.pgbouncer",
        "(sqlalchemy.dialects.postgresql.asyncpg.Error) prepared statement",
        "asyncpg-prepared-statement-does-not-exist",
    ),
    "async-queuepool": (
        "async_engines/async_pool.postgresql",
        "ArgumentError: Pool class QueuePool",
        "queuepool-asyncio",
    ),
    "event-loop": (
        "async_engines/event_loops.postgresql",
        "builtins.RuntimeError: <Queue",
        "different-event-loop",
    ),
    "missing-greenlet": (
        "pool_types/async_fallback.postgresql",
        "sqlalchemy.exc.MissingGreenlet:",
        "missing-greenlet",
    ),
    "pending-rollback": (
        "lifecycle/legacy_ping.postgresql",
        "PendingRollbackError:",
        "pending-rollback",
    ),
    "sqlite-thread": (
        "pool_types/singleton_threads.sqlite",
        "sqlite3.ProgrammingError: SQLite objects",
        "sqlite-same-thread",
    ),
    "gc-warning": (
        "async_engines/forgotten_connection.mysql",
        "SAWarning: The garbage collector",
        "gc-non-checked-in",
    ),
    "pending-rollback-session": (
        "after_an_error/lost_mid_transaction.postgresql",
        "Can't reconnect",
        "pending-rollback",
    ),
    "pg-read-only": (
        "after_an_error/read_only_node.postgresql",
        "cannot execute INSERT",
        "read-only-transaction",
    ),
    "mysql-1792": ("after_an_error/read_only_node.mysql", "(1792,", "mysql-1792"),
    "sqlite-locked": (
        "common_issues/sqlite_locked.sqlite",
        "sqlite3.OperationalError: database is locked",
        "sqlite-database-locked",
    ),
    "async-session-provisioning": (
        "async_engines/shared_session.sqlite",
        "sqlalchemy.exc.InvalidRequestError:",
        "session-provisioning",
    ),
    "readexactly": (
        "async_engines/shared_session_busy.mysql",
        "builtins.RuntimeError: readexactly()",
        "readexactly-concurrent",
    ),
    "pg-statement-timeout": (
        "async_engines/cancelled_query.postgresql",
        "canceling statement",
        "statement-timeout",
    ),
    "mysql-1969": ("async_engines/cancelled_query.mysql", "(1969,", "max-statement-time"),
    "event-loop-closed": (
        "async_engines/event_loops.mysql",
        "builtins.RuntimeError: Event loop is closed",
        "event-loop-closed",
    ),
    "mysql-2014": (
        "servers/gunicorn_killed_worker.mysql",
        "pymysql.err.OperationalError: (2014,",
        "mysql-2014",
    ),
}


def pasted_error(record: str, start: str) -> str:
    """The rest of the record's first output line that holds `start`, from `start` on, joined
    as the program printed it before it wrapped it to fit (in the record as it is, or as
    committed: the entries quote the committed records)."""
    path = RECORDS / "session_pool" / f"{record}.txt"
    found = records.unwrapped("\n".join(records.outputs(path)), start)
    if found:
        return found
    raise AssertionError(f"{records.relative(path)} prints no line with {start!r} any more")


# Zensical 0.0.73 finds only the sections that hold every word of a query (its search worker
# joins the words with "and"), and drops troubleshooting.md's search boost (its search.json
# has none). An entry that quotes the error without some of its words (the link to
# sqlalche.me, "builtins.", an object's address) is not found: the first result is a section
# that shows the error as printed. Where the entry holds every word too, such a section can
# rank first.
LACKS_WORDS = (
    "Zensical 0.0.73 finds only the sections that hold every word of a query, and the entry "
    "lacks some of the pasted error's: the first result is a section that shows it as printed"
)
UNBOOSTED = (
    "Zensical 0.0.73 drops troubleshooting.md's search boost: a section that shows the error "
    "as printed ranks first, the entry second"
)
ZENSICAL_MISSES = {
    "queuepool-timeout": LACKS_WORDS,
    "asyncpg-prepared": LACKS_WORDS,
    "asyncpg-prepared-missing": LACKS_WORDS,
    "async-queuepool": LACKS_WORDS,
    "event-loop": LACKS_WORDS,
    "missing-greenlet": LACKS_WORDS,
    "gc-warning": LACKS_WORDS,
    "pending-rollback-session": LACKS_WORDS,
    "readexactly": LACKS_WORDS,
    "event-loop-closed": LACKS_WORDS,
    "asyncpg-mid-operation": UNBOOSTED,
}


@pytest.mark.parametrize("error", PASTED_ERRORS)
def test_pasted_error_finds_its_entry(
    search_page: tuple[Page, list[str]],
    builder: str,
    search_ui: SearchUI,
    error: str,
    request: pytest.FixtureRequest,
) -> None:
    if builder == "zensical" and error in ZENSICAL_MISSES:
        request.applymarker(pytest.mark.xfail(reason=ZENSICAL_MISSES[error], strict=True))
    page, console = search_page
    record, start, section = PASTED_ERRORS[error]
    pasted = pasted_error(record, start)
    before = len(console)
    results = search_results(page, search_ui, pasted, paste=True)
    expected = ["/troubleshooting/", f"/troubleshooting/#{section}"]
    assert results and results[0][:2] == expected, (
        f"pasted {pasted!r}: the first result should be the troubleshooting page's entry "
        f"{expected[1]}, which answers it; the first results are: {results[:3]}"
    )
    assert not console[before:], console[before:]


# An identifier is found whole and by its parts: every page that holds pool_pre_ping is found
# by pool_pre_ping and by pre_ping (the search separator in mkdocs.yml cuts after underscores).
@pytest.mark.parametrize(
    ("whole", "part"), [("pool_pre_ping", "pre_ping"), ("max_overflow", "overflow")], ids=str
)
def test_identifier_found_whole_and_by_part(
    search_page: tuple[Page, list[str]],
    search_ui: SearchUI,
    search_index: tuple[Any, list[dict[str, str]]],
    whole: str,
    part: str,
) -> None:
    page, console = search_page
    holding = {
        "/" + entry["location"].partition("#")[0]
        for entry in search_index[1]
        if whole in entry["title"] or whole in entry["text"]
    }
    before = len(console)
    for query in (whole, part):
        found = {item[0] for item in search_results(page, search_ui, query, every=True)}
        missed = sorted(holding - found)
        assert not missed, (
            f"search for {query!r} found {len(found)} pages, but not these {len(missed)} of the "
            f"{len(holding)} that hold {whole}: {missed}"
        )
    assert not console[before:], console[before:]


def copy(block: Locator) -> str:
    """Click a code block's copy button; what it put on the clipboard."""
    block.scroll_into_view_if_needed()
    block.hover()
    block.locator(".md-code__button[data-md-type='copy'], .md-clipboard").first.click()
    copied: str = block.page.evaluate("navigator.clipboard.readText()")
    return copied


# the tabs of an example that runs on the three databases: two servers and SQLite, which
# needs no DATABASE_URL (the examples' default)
@pytest.mark.parametrize("database", ["postgresql", "mysql", "sqlite"])
def test_copied_command_has_no_prompt(browser: Browser, base_url: str, database: str) -> None:
    with opened(browser, base_url + "/no-pooling/") as (page, _, _):
        page.context.grant_permissions(["clipboard-read", "clipboard-write"])
        tabs = page.locator(".md-content .example-output .tabbed-set").first
        labels = tabs.locator(".tabbed-labels > label")
        assert labels.count() == 3, labels.all_inner_texts()
        labels.nth(list(DATABASES).index(database)).click()
        block = tabs.locator(".tabbed-block:visible .highlight").first
        copied = copy(block)
        shown = block.locator("code").inner_text()
        command = fences.command(Example("snippets.session_pool.bad_no_pooling"), database)
        assert shown.startswith(f"$ {command}\n"), shown[:150]
        assert ("DATABASE_URL=" in command) == bool(DATABASES[database].reader_url)
        assert copied.strip() == command, (
            f"the copy button should copy the command alone, without `$ ` or the output; "
            f"copied: {copied!r}"
        )


def listed(block: pages.Block) -> bool:
    """A listing of one Python program."""
    return block.category == "listing" and [i.file[-3:] for i in block.includes] == [".py"]


@pytest.mark.parametrize(
    "page_url", sorted({f"/{pages.url(b.page)}" for b in pages.all_blocks() if listed(b)})
)
def test_listing_copies_whole_file(browser: Browser, base_url: str, page_url: str) -> None:
    """A program shown whole copies as the file it is, and says what it needs installed."""
    with opened(browser, base_url + page_url) as (page, _, _):
        page.context.grant_permissions(["clipboard-read", "clipboard-write"])
        page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        for block in pages.all_blocks():
            if f"/{pages.url(block.page)}" != page_url or not listed(block):
                continue
            file = block.includes[0].file
            listing = page.locator(f"#{Example.of_file(file).anchor}")
            whole = fences.SECTION_MARKER.sub("", (ROOT / file).read_text(encoding="utf-8"))
            assert copy(listing).rstrip() == whole.rstrip(), (
                f"{page_url}: the copy button of the listing of {file} should copy the file, "
                "without its section markers"
            )
            needs = requirements.needs(file)
            said = listing.locator("xpath=preceding-sibling::*[1]").inner_text()
            if needs.repository:
                assert "run it from a clone" in said, f"{page_url}, {file}: {said!r}"
            elif needs.distributions:
                install = fences.shell_lines(needs.pip())
                assert said.strip() == f"$ {install}", (
                    f"{page_url}: the listing of {file} should follow its install line"
                )
                shown = listing.locator("xpath=preceding-sibling::*[1]")
                assert copy(shown).strip() == install, f"{page_url}, {file}"
            else:
                assert "only its standard library" in said, f"{page_url}, {file}: {said!r}"


def test_slice_title_opens_its_whole_file(browser: Browser, base_url: str) -> None:
    with opened(browser, base_url + "/no-pooling/") as (page, _, _):
        link = page.locator(".md-content .filename a").first
        anchor = (link.get_attribute("href") or "").split("#")[1]
        link.click()
        listing = page.locator(f"#{anchor}")
        listing.wait_for(state="visible", timeout=5_000)
        is_open = listing.evaluate("el => el.closest('details')?.open ?? true")
        assert is_open, f"#{anchor}: the collapsed listing should open"
        assert listing.is_visible()


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
    # every slot taken by reserved slots and other clients: nothing left for the fleet
    {"reserved": "3", "others": "97"},
    # the most processes that fit, their pools sized for their share: none; 6 of the 4 given
    {"rate": "4000", "hold": "0.05", "processes": "20"},
    {"rate": "400", "hold": "0.05", "processes": "4", "max_connections": "100"},
    # ties at the second decimal, where rounding rules differ: 0.125, 0.0125 x 10, 1.005
    {"rate": "1", "hold": "0.125", "processes": "1"},
    {"rate": "10", "hold": "0.0125", "processes": "1"},
    {"rate": "1", "hold": "1.005", "processes": "1"},
    # no load still gets a pool_size of 1: pool_size=0 would mean no limit
    {"rate": "0", "hold": "0.5", "max_overflow": "0", "reserved": "0"},
]
CALCULATOR_FIELDS = "rate hold processes utilisation max_overflow max_connections reserved others"
# Values both refuse, in the same words: out of a field's limits (the page's form and the
# program's argparse types: negative counts, no process, no number, a fraction of a process,
# a rate, a hold or max_connections above their highest),
# reserved slots that leave none to other clients, and slots taken beyond max_connections.
CALCULATOR_REFUSED = [
    {"utilisation": "0"},
    {"utilisation": "101"},
    {"max_overflow": "-2"},
    {"processes": "0"},
    {"processes": "1.5"},
    {"processes": ""},
    {"hold": ""},
    {"rate": "-1"},
    {"rate": "1e21"},
    {"hold": "3601"},
    {"max_connections": "262144"},
    {"hold": "-0.5"},
    {"others": "-1"},
    {"reserved": "-1"},
    {"max_connections": "0"},
    {"reserved": "150"},
    {"reserved": "100"},
    {"reserved": "3", "others": "98"},
]
CALCULATOR = "snippets.session_pool.sizing.calculator"


@pytest.fixture(scope="module")
def sizing(browser: Browser, base_url: str) -> Iterator[tuple[Page, dict[str, str], list[str]]]:
    """The sizing page, loaded once: its page, its fields' first values, its console errors."""
    with opened(browser, base_url + "/sizing/") as (page, errors, _):
        form = page.locator("form.sizing-calculator")
        fields = CALCULATOR_FIELDS.split()
        yield page, {n: form.locator(f"input[name='{n}']").input_value() for n in fields}, errors


def calculator(
    sizing: tuple[Page, dict[str, str], list[str]], inputs: dict[str, str]
) -> tuple[str, list[str]]:
    """Type `inputs` (and the first value into every other field) into the calculator; return
    what it shows, and the program's arguments for every field's value on the page."""
    page, first, errors = sizing
    form = page.locator("form.sizing-calculator")
    for name in CALCULATOR_FIELDS.split():
        form.locator(f"input[name='{name}']").fill(inputs.get(name, first[name]))
    values = {
        name: form.locator(f"input[name='{name}']").input_value()
        for name in CALCULATOR_FIELDS.split()
    }
    shown = form.locator("output").inner_text().strip()
    assert not errors, errors
    return shown, [f"--{name.replace('_', '-')}={value}" for name, value in values.items()]


def run_calculator(arguments: list[str]) -> subprocess.CompletedProcess[str]:
    """The calculator's program, run with `arguments`."""
    command = [sys.executable, "-m", CALCULATOR, *arguments]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True)


@pytest.mark.parametrize("inputs", CALCULATOR_INPUTS, ids=lambda i: "-".join(i.values()))
def test_calculator_agrees_with_program(
    sizing: tuple[Page, dict[str, str], list[str]], inputs: dict[str, str]
) -> None:
    shown, arguments = calculator(sizing, inputs)
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
def test_calculator_refuses_like_program(
    sizing: tuple[Page, dict[str, str], list[str]], inputs: dict[str, str]
) -> None:
    shown, arguments = calculator(sizing, inputs)
    done = run_calculator(arguments)
    assert done.returncode == 2 and not done.stdout, (
        f"`python -m {CALCULATOR} {' '.join(arguments)}` accepted what the page refuses:\n"
        f"{done.stdout}{done.stderr}"
    )
    # argparse names the argument (--max-overflow), the page its field (max_overflow)
    reason = done.stderr.strip().splitlines()[-1].partition(": error: ")[2]
    argument, _, why = reason.removeprefix("argument --").partition(": ")
    expected = f"{argument.replace('-', '_')}: {why}" if reason.startswith("argument ") else reason
    assert shown == expected, (
        f"the calculator on /sizing/ shows\n{shown}\nwhere the program says\n{done.stderr}"
    )


# Every pool timeline (proof/timeline.py), every tab of it shown: its picture, its scroll box,
# its text alternative, and the colours its marks and texts are drawn in, with the page's.
MEASURE_TIMELINES = """async () => {
    const show = document.createElement('style');
    show.textContent = '.tabbed-set > .tabbed-content > .tabbed-block {display: block !important}';
    document.head.appendChild(show);
    await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
    const probe = document.createElement('div');
    probe.style.background = 'var(--md-default-bg-color)';
    document.querySelector('.md-content').appendChild(probe);
    const page = getComputedStyle(probe).backgroundColor;
    const colour = (svg, css, property) => {
        const found = svg.querySelector('.' + css);
        return found ? getComputedStyle(found)[property] : null;
    };
    return [...document.querySelectorAll('.md-content .pool-timeline')].map(figure => {
        const svg = figure.querySelector('svg');
        const box = figure.querySelector('.pool-timeline__scroll');
        const shown = svg.getBoundingClientRect();
        const ids = (svg.getAttribute('aria-labelledby') || '').split(' ');
        return {
            title: svg.querySelector('title')?.textContent || '',
            role: svg.getAttribute('role'),
            named: ids.map(id => document.getElementById(id)?.textContent || ''),
            width: shown.width, drawn: svg.width.baseVal.value, height: shown.height,
            boxRight: box.getBoundingClientRect().right,
            scrolls: box.scrollWidth > box.clientWidth + 1, focusable: box.tabIndex === 0,
            page,
            marks: {busy: colour(svg, 'tl-busy', 'fill'), wait: colour(svg, 'tl-wait', 'fill'),
                    fail: colour(svg, 'tl-fail', 'stroke'), idle: colour(svg, 'tl-idle', 'stroke')},
            texts: {title: colour(svg, 'tl-title', 'fill'), label: colour(svg, 'tl-label', 'fill'),
                    error: colour(svg, 'tl-error', 'fill')},
        };
    });
}"""
TIMELINE_PAGES = sorted(
    {f"/{pages.url(b.page)}" for b in pages.all_blocks() if b.lang == "timeline"}
)


def _rgb(css: str, under: tuple[float, ...] = (1.0, 1.0, 1.0)) -> tuple[float, ...]:
    """A computed colour, rgb() or rgba(), in 0..1, laid over `under` when translucent."""
    numbers = [float(n) for n in re.findall(r"[\d.]+", css)]
    alpha = numbers[3] if len(numbers) > 3 else 1.0
    return tuple(alpha * c / 255 + (1 - alpha) * u for c, u in zip(numbers[:3], under, strict=True))


def contrast(css: str, page: str) -> float:
    """WCAG's contrast ratio of a colour drawn on the page's background."""

    def luminance(rgb: tuple[float, ...]) -> float:
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    background = _rgb(page)
    light, dark = sorted([luminance(_rgb(css, background)), luminance(background)], reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("scheme", list(SCHEMES))
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("path", TIMELINE_PAGES, ids=lambda p: p.strip("/"))
def test_timelines_render(
    browser: Browser,
    builder: str,
    base_url: str,
    path: str,
    viewport: str,
    scheme: Preference,
    pytestconfig: pytest.Config,
) -> None:
    """Each timeline is drawn at its size, in a box within the screen that scrolls it on a
    phone and then takes keyboard focus; it is an image with a title and a description; its
    marks stand out 3:1 from the page and its text 4.5:1 (WCAG 1.4.11 and 1.4.3), in both
    schemes. axe-core checks the rest (test_page_accessible)."""
    with opened(browser, base_url + path, viewport, scheme) as (page, errors, _):
        found: list[dict[str, Any]] = page.evaluate(MEASURE_TIMELINES)
        if pytestconfig.getoption("screenshots"):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            # every tab is shown (MEASURE_TIMELINES), so every picture is on the page
            for n, figure in enumerate(page.locator(".md-content .pool-timeline").all()):
                name = f"{builder}-{path.strip('/')}-timeline-{n}-{viewport}-{scheme}.png"
                figure.screenshot(path=str(SCREENSHOTS / name), timeout=10_000)
    where = f"{builder}: {path} at {viewport} width {VIEWPORTS[viewport][0]} px, {scheme} scheme"
    assert found, f"{where}: the page draws a timeline, and none is on it"
    problems = []
    for m in found:
        name = m["title"] or "a timeline"
        if m["role"] != "img" or not all(text.strip() for text in m["named"]):
            problems.append(f"{name}: no role=img named by a title and a description")
        if abs(m["width"] - m["drawn"]) > 1 or m["height"] < 40:
            problems.append(f"{name}: drawn {m['width']:.0f} px wide, not {m['drawn']:.0f}")
        if m["boxRight"] > VIEWPORTS[viewport][0] + 1:
            problems.append(f"{name}: its box ends past the screen's edge")
        if m["scrolls"] and not m["focusable"]:
            problems.append(f"{name}: scrolls sideways, and its box takes no keyboard focus")
        for group, least in (("marks", 3.0), ("texts", 4.5)):
            for mark, css in m[group].items():
                if css and contrast(css, m["page"]) < least:
                    problems.append(
                        f"{name}: {mark} ({css}) on {m['page']}: contrast "
                        f"{contrast(css, m['page']):.1f}:1, less than {least}:1"
                    )
    assert not problems and not errors, f"{where}:\n" + "\n".join([*problems, *errors])
