"""The built site in a real browser: Debian's Chromium, driven by Playwright for Python.

Shared by the browser tests (``test_browser.py``) and by ``measure_reading.py``, which prints
the same measurements as a table. No browser is downloaded: Playwright starts the Chromium of
``CHROMIUM`` (default ``/usr/bin/chromium``, Debian's package ``chromium``).
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# The two widths every page is read at: a laptop, and a phone (iPhone 12-15 size).
VIEWPORTS = {"desktop": (1440, 900), "phone": (390, 844)}


def build_site(into: Path) -> subprocess.CompletedProcess[str]:
    """``mkdocs build --strict`` from the records only (RECORDS_ONLY=1: no example runs)."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"NO_MKDOCS_2_WARNING": "1", "RECORDS_ONLY": "1"}
    config = str(ROOT / "mkdocs.yml")
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", config, "-d", str(into)],
        cwd=into.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def page_paths(site: Path) -> list[str]:
    """Every page of the built site as a URL path: ``/``, ``/no-pooling/``, ..."""
    pages = sorted(p.parent.relative_to(site) for p in site.rglob("index.html"))
    return ["/" if p == Path(".") else f"/{p.as_posix()}/" for p in pages]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def served(site: Path) -> Iterator[str]:
    """Serve ``site`` on a free localhost port; yields the base URL, ``http://127.0.0.1:N``."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def chromium_problem() -> str | None:
    """Why no browser test can run here, or None."""
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        return (
            f"no Chromium at {CHROMIUM}. Install Debian's package (apt-get install chromium; "
            ".ci/run does) or set CHROMIUM to a Chromium or Chrome executable"
        )
    return None


# Everything measured on one page, in the browser. Collapsed listings are opened and every
# tab shown first, so that hidden code is measured too.
MEASURE_PAGE = r"""
async () => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const show = document.createElement('style');
  show.textContent = '.tabbed-set > .tabbed-content > .tabbed-block {display: block !important}';
  document.head.appendChild(show);
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));

  const label = (el) => {
    const block = el.closest('.highlight, pre');
    const title = block && block.querySelector('.filename');
    const text = (el.textContent || '').trim().split('\n')[0].slice(0, 60);
    return (title ? title.textContent + ': ' : '') + text;
  };
  const textRects = (el) => {
    const rects = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!n.textContent.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      rects.push(...range.getClientRects());
    }
    return rects;
  };
  const overlaps = (a, b) =>
    a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const scrollBox = (el) => {
    for (let box = el; box && box !== document.body; box = box.parentElement) {
      const overflow = getComputedStyle(box).overflowX;
      if (overflow === 'auto' || overflow === 'scroll') return box;
    }
    return null;
  };

  const codes = [...document.querySelectorAll('.md-content pre > code')];
  const overflowing = [...document.querySelectorAll('.md-main *')].filter(el => {
    const right = el.getBoundingClientRect().right;
    return right > document.documentElement.clientWidth + 1 && !scrollBox(el.parentElement);
  }).map(el => el.tagName.toLowerCase() + ': ' + (el.textContent || '').trim().slice(0, 60));
  const scrolling = codes.filter(c => c.scrollWidth > c.clientWidth + 1).map(label);
  const covered = [];
  for (const code of codes) {
    const pre = code.parentElement;
    pre.dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));
    for (const button of pre.parentElement.querySelectorAll('.md-clipboard, .md-code__button')) {
      const box = button.getBoundingClientRect();
      if (box.width && textRects(code).some(r => overlaps(r, box))) covered.push(label(code));
    }
  }
  // A table wider than its box must scroll inside a container (Material: the table itself),
  // whose edges show a cue (a background image: the scroll shadows of extra.css).
  const tables = [...document.querySelectorAll('.md-content table:not(.highlighttable)')];
  const cutTables = [], wideTables = [];
  const column = document.querySelector('.md-content').getBoundingClientRect();
  for (const table of tables) {
    const name = table.rows[0].textContent.trim().replace(/\s+/g, ' ').slice(0, 60);
    // the box that scrolls: the table, or the wrappers Material puts around it
    let scroller = null;
    for (let box = table; box && !box.matches('.md-content'); box = box.parentElement) {
      const overflow = getComputedStyle(box).overflowX;
      const scrolls = overflow === 'auto' || overflow === 'scroll';
      if (scrolls && box.scrollWidth > box.clientWidth + 1) { scroller = box; break; }
    }
    const shown = (scroller || table).getBoundingClientRect();
    const cut = shown.right > Math.min(column.right, document.documentElement.clientWidth) + 1;
    if (scroller) wideTables.push(name);
    // a scrolling table shows a cue at its edges: the scroll shadows of extra.css
    const cue = scroller && getComputedStyle(scroller).backgroundImage !== 'none';
    if (cut || (scroller && !cue)) cutTables.push(name);
  }
  // An identifier (no spaces) that breaks inside a word (between two letters, digits or
  // underscores) although a line could hold it whole: inline code in prose and tables, and
  // code titles. Breaks after punctuation (a slash, a ?) are fine.
  const lineBreaks = (el) => {
    const after = [];
    let top = null, previous = '';
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      for (let i = 0; i < n.length; i++) {
        const range = document.createRange();
        range.setStart(n, i); range.setEnd(n, i + 1);
        const rect = range.getBoundingClientRect();
        if (!rect.width) continue;
        if (top !== null && rect.top > top + 2) after.push(previous + n.data[i]);
        top = rect.top; previous = n.data[i];
      }
    }
    return after;
  };
  const names = '.md-content :not(pre) > code, .md-content .filename';
  const broken = [...document.querySelectorAll(names)].filter(el => {
      if (/\s/.test(el.textContent.trim()) || textRects(el).length < 2) return false;
      const breaks = lineBreaks(el).filter(pair => /^\w\w$/.test(pair));
      if (!breaks.length) return false;
      const width = textRects(el).reduce((sum, r) => sum + r.width, 0);
      const block = el.closest('p, li, td, th, .filename, div') || el.parentElement;
      return width <= block.clientWidth;
    }).map(el => el.textContent.trim());
  const html = document.documentElement.outerHTML.length;
  const listings = [...document.querySelectorAll('details')]
    .filter(d => d.querySelector('pre'))
    .reduce((sum, d) => sum + d.outerHTML.length, 0);
  return {codeBlocks: codes.length, scrolling, covered, tables: tables.length, cutTables,
          wideTables, broken, overflowing, htmlChars: html, listingChars: listings,
          documentWidth: document.documentElement.scrollWidth,
          viewportWidth: document.documentElement.clientWidth};
}
"""
