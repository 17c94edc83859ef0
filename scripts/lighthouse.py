"""Lighthouse's accessibility score of every page, on a phone and on a laptop.

Run it (Lighthouse from npm, the version LIGHTHOUSE names; Chromium from Debian):

    uv run python scripts/lighthouse.py

It builds the site from the records into a scratch folder and serves it on a free port, as the
tests do (proof.site), runs Lighthouse's accessibility category on each page with the CHROMIUM
of the environment (``chromium`` by default), and prints each page's score and the audits
that failed. Reported, not asserted: the browser tests hold axe-core's WCAG 2.1 A/AA rules,
which Lighthouse's accessibility audits are mostly made of, to zero violations on every page.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from proof.site import build, served

# npm fetches it once into its cache; CI's browser tests do not need it (axe-core is theirs)
LIGHTHOUSE = ["npm", "exec", "--yes", "--package=lighthouse@12.8.2", "--", "lighthouse"]
FORMS = {"phone": [], "laptop": ["--preset=desktop"]}  # Lighthouse's own emulations


def score(url: str, form: str) -> tuple[int, list[str]]:
    """Lighthouse's accessibility score of a page, and the titles of the audits it failed."""
    chromium = shutil.which(os.environ.get("CHROMIUM", "chromium")) or "chromium"
    done = subprocess.run(
        [*LIGHTHOUSE, url, "--only-categories=accessibility", "--output=json", "--quiet",
         "--chrome-flags=--headless=new --no-sandbox", *FORMS[form]],
        env=os.environ | {"CHROME_PATH": chromium}, capture_output=True, text=True, check=True,
    )  # fmt: skip
    report = json.loads(done.stdout)
    failed = [
        audit["title"]
        for audit in report["audits"].values()
        if audit.get("score") == 0 and audit.get("scoreDisplayMode") == "binary"
    ]
    return round(report["categories"]["accessibility"]["score"] * 100), failed


def main() -> int:
    if not shutil.which("npm"):
        print("npm is missing: install Debian's npm (apt-get install npm)")
        return 2
    with tempfile.TemporaryDirectory(prefix="lighthouse-") as scratch:
        site = Path(scratch) / "site"
        done = build(site, "mkdocs")
        if done.returncode:
            print(f"mkdocs build --strict failed:\n{done.stderr}")
            return 2
        pages = sorted(p.parent.relative_to(site).as_posix() for p in site.rglob("index.html"))
        below = 0
        with served(site) as base:
            for page in pages:
                path = "/" if page == "." else f"/{page}/"
                for form in FORMS:
                    points, failed = score(base + path, form)
                    below += points < 100
                    print(f"{points:4d}  {form:6s} {path}  {'; '.join(failed)}".rstrip())
    print(f"{len(pages)} pages, {len(FORMS)} forms each: {below} below 100")
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
