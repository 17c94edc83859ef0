"""The built site, as readers get it: built from the records, and served on localhost.

Used by the tests (conftest's ``built_site``, the browser tests' ``base_url``) and by
scripts/lighthouse.py.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from proof.examples import ROOT


def build(site: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``mkdocs build --strict`` into `site`, from the records (no example runs), in the
    environment a reader's ``uv run mkdocs serve`` gets: a new one, with the docs group only
    (no test tools), run from `cwd` as ``mkdocs build -f`` from anywhere would."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {"NO_MKDOCS_2_WARNING": "1", "RECORDS_ONLY": "1"}
    reader = ["uv", "run", "--isolated", "--frozen", "--project", str(ROOT)]
    command = ["mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"), "-d", str(site)]
    return subprocess.run([*reader, *command], cwd=cwd, env=env, capture_output=True, text=True)


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
    """The built site, served on a free port of localhost: its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = _QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
