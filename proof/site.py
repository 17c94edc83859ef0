"""The built site, as readers get it: built from the records, and served on localhost.

Used by the tests (conftest's ``built_site``, the browser tests' ``base_url``) and by
scripts/lighthouse.py.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.parse
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mkdocs.config import load_config

from proof.examples import ROOT


def published_path() -> str:
    """The path of the published site's address (mkdocs.yml's site_url): pooling-verified."""
    site_url = str(load_config(str(ROOT / "mkdocs.yml"))["site_url"])
    return urllib.parse.urlparse(site_url).path.strip("/")


# The two tools that build the site from mkdocs.yml: MkDocs, and Zensical, Material's successor.
BUILDERS = ("mkdocs", "zensical")


def command(builder: str) -> list[str]:
    """How a reader builds the site with `builder`, from the repository's root (into site/)."""
    group = [] if builder == "mkdocs" else ["--group", builder]
    return ["uv", "run", *group, builder, "build", "--strict"]


def build(site: Path, builder: str) -> subprocess.CompletedProcess[str]:
    """The reader's `command(builder)` into `site`, from the records (no example runs), in the
    environment a reader's ``uv run`` gets: a new one, with the docs group only (no test
    tools), run from the repository's root (mkdocs.yml's snippets base_path).

    Zensical refuses a site_dir outside the project's root: both build into a new folder
    there, named by a config of two lines (INHERIT: mkdocs.yml), and the site moves to `site`.
    """
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"NO_MKDOCS_2_WARNING": "1", "RECORDS_ONLY": "1"}
    name = f".build-{uuid.uuid4().hex}"  # .gitignore: .build-*
    config, built = ROOT / f"{name}.yml", ROOT / name
    uv, run, *rest = command(builder)
    try:
        config.write_text(f"INHERIT: mkdocs.yml\nsite_dir: {name}\n", encoding="utf-8")
        done = subprocess.run(
            [uv, run, "--isolated", "--frozen", "--project", str(ROOT), *rest, "-f", str(config)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode == 0:
            shutil.move(built, site)
    finally:
        config.unlink(missing_ok=True)
        shutil.rmtree(built, ignore_errors=True)
    return done


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A page closed while a file was on its way is no error of the site's."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextlib.contextmanager
def served(site: Path) -> Iterator[str]:
    """The built site, served on a free port of localhost under the path of its published
    address (``site_url``: /pooling-verified/), where relative links must hold: its base URL,
    without the final slash."""
    with tempfile.TemporaryDirectory(prefix="served-") as root:
        (Path(root) / published_path()).symlink_to(site.resolve(), target_is_directory=True)
        with _serving(Path(root)) as origin:
            yield f"{origin}/{published_path()}"


@contextlib.contextmanager
def _serving(directory: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
