"""The fences pages use to show what examples printed (pymdownx.superfences custom fences).

An example's output on every database it declares, in tabs named after the server that
produced each one::

    ```output
    snippets.session_pool.bad_no_pooling
    ```

On some of them only (``databases="sqlite"``), or rendered as Markdown when the example prints
a table (``render="markdown"``). The line that ends every page (pymdownx.snippets
``auto_append``) is a fence too: ```` ```verified-on ````.

Outputs come from the records under ``records/``. For a record that is missing or stale the
build runs the example, when its database is available (SQLite always; a server when its
``TEST_*_URL`` is set, unless ``RECORDS_ONLY=1``), and otherwise says that no current output is
recorded. An example that fails stops the build: no failure is ever shown as an output.
"""

from __future__ import annotations

import functools
import itertools
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from html import escape
from pathlib import Path
from textwrap import indent
from typing import Any

import markdown
from pymdownx.superfences import SuperFencesException

from example_outputs import records, runner, servers
from example_outputs.examples import declared_backends

log = logging.getLogger("mkdocs.plugins.example_outputs")

NAMES = {"postgresql": "PostgreSQL", "mysql": "MySQL", "sqlite": "SQLite", "pgbouncer": "PgBouncer"}
OPTIONS = {"databases", "render"}
RENDERS = {"text", "markdown"}
# The page's own code-block settings (mkdocs.yml), so outputs look like the code around them.
EXTENSIONS: dict[str, dict[str, Any]] = {
    "admonition": {},
    "attr_list": {},
    "md_in_html": {},
    "tables": {},
    "pymdownx.highlight": {"pygments_lang_class": True},
    "pymdownx.superfences": {},
    "pymdownx.tabbed": {"alternate_style": True},
}
_tab_sets = itertools.count(1)
_ran_during_build: dict[tuple[str, str, str], records.Record] = {}


@dataclass(frozen=True)
class Request:
    """What an ```output fence asks for."""

    module: str
    databases: tuple[str, ...]
    render: str

    @classmethod
    def parse(cls, source: str, options: dict[str, str]) -> Request:
        """Read a fence; a ValueError says what is wrong with it and how to write it."""
        module = source.strip()
        path = records.module_file(module) if module.startswith("snippets.") else None
        if path is None or not path.exists():
            raise ValueError(
                f"```output names {module!r}, which is not an example module; write its "
                "dotted name, e.g. snippets.session_pool.bad_no_pooling, alone in the fence"
            )
        declared = declared_backends(path.read_text(encoding="utf-8"))
        asked = options.get("databases", "").replace(",", " ").split()
        not_declared = [d for d in asked if d not in declared]
        if not_declared:
            raise ValueError(
                f"```output databases={options['databases']!r}: {module} runs on "
                f"{', '.join(declared)} only (its `# backends:` line), not {not_declared}"
            )
        render = options.get("render", "text")
        if render not in RENDERS:
            raise ValueError(f'```output render="{render}": use one of {sorted(RENDERS)}')
        databases = tuple(d for d in declared if d in asked) if asked else declared
        return cls(module, databases, render)


def validate(language: str, inputs: dict[str, str], options: dict[str, str], *_: Any) -> bool:
    for name, value in inputs.items():
        if name not in OPTIONS:
            raise SuperFencesException(
                f"```{language} {name}=...: unknown option; known: {', '.join(sorted(OPTIONS))}"
            )
        options[name] = value
    return True


def format_output(
    src: str, language: str, class_name: str, options: dict[str, str], md: Any, **_: Any
) -> str:
    try:
        request = Request.parse(src, options)
    except ValueError as error:
        raise SuperFencesException(str(error)) from None
    shown = [_show(request.module, database, request.render) for database in request.databases]
    if len(shown) == 1:
        html = _to_html(shown[0][1])
    else:
        tabs = "\n".join(f'=== "{label}"\n\n{indent(body, "    ")}\n' for label, body in shown)
        html = _to_html(tabs)
    # the class lets docs/stylesheets/extra.css wrap long output lines
    return f'<div class="example-output">{html}</div>'


def format_verified_on(src: str, language: str, class_name: str, *_: Any, **__: Any) -> str:
    found = [records.read(path) for path in records.all_record_files()]
    keys = {module: records.example_key(module) for module in {r.example for r in found}}
    found = [r for r in found if r.key == keys[r.example]]  # what the pages show
    if not found:
        return _to_html("---\n\n<small>No example output is recorded yet.</small>\n")
    dates = sorted({r.recorded for r in found})
    when = f"on {dates[0]}" if len(dates) == 1 else f"between {dates[0]} and {dates[-1]}"
    order = {database: n for n, database in enumerate(records.DATABASES)}
    on = _join([server for _, server in sorted({(order[r.database], r.server) for r in found})])
    # each record names SQLAlchemy, then its driver: keep that order, databases in tab order
    in_tab_order = sorted(found, key=lambda r: order[r.database])
    libraries = _join(list(dict.fromkeys(p for r in in_tab_order for p in r.libraries.split(", "))))
    pythons = _join(sorted({r.python for r in found}))
    return _to_html(
        f"---\n\n<small>Example outputs on this site were recorded {when} on {on}, with "
        f"{libraries} on Python {pythons}. Each output names the server it ran on.</small>\n"
    )


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _show(module: str, database: str, render: str) -> tuple[str, str]:
    """The tab label and the Markdown for one database's output of an example."""
    key = records.example_key(module)
    try:
        record = records.load(module, database)
    except records.RecordError as error:
        raise SuperFencesException(str(error)) from None
    how = "Recorded"
    if record is None or record.key != key:
        if _may_run(database):
            record, how = _run_during_build(module, database, key), "Run during this build"
        else:
            return NAMES[database], _not_recorded(module, database, record)
    caption = (
        f"<small>{how} on {record.server}, {record.recorded}, with {record.libraries} on "
        f"Python {record.python}; {record.duration:.1f} s.</small>"
    )
    if render == "markdown":
        return record.series, f"{record.output}\n\n{caption}\n"
    fence = "`" * max(3, _longest_backtick_run(record.output) + 1)
    console = f"$ python -m {module}\n{record.output.rstrip()}"
    return record.series, f"{fence}console\n{console}\n{fence}\n\n{caption}\n"


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in re.findall(r"`+", text)), default=0)


def _may_run(database: str) -> bool:
    return os.environ.get("RECORDS_ONLY", "") in {"", "0"} and servers.available(database)


def _not_recorded(module: str, database: str, record: records.Record | None) -> str:
    file = records.relative(records.module_file(module))
    variable = servers.VARIABLES.get(database, "")
    how = f"set `{variable}` and run `uv run pytest`" if variable else "run `uv run pytest`"
    if record is None:
        what = f"No output of `{file}` on {NAMES[database]} is recorded yet."
    else:
        what = (
            f"`{file}` has changed since its output on {record.server} was recorded "
            f"({record.recorded}), so that output is not shown."
        )
    return f'!!! note "Not recorded for this version"\n\n    {what} To record it, {how}.\n'


def _run_during_build(module: str, database: str, key: str) -> records.Record:
    """Run an example whose record is missing or stale, once per version of its source."""
    if (module, database, key) in _ran_during_build:
        return _ran_during_build[(module, database, key)]
    log.info("%s: no fresh record on %s; running it", module, database)
    url = servers.server_url(database)
    with tempfile.TemporaryDirectory(prefix="example-output-") as scratch:
        server = servers.server_version(database, url)
        with servers.own_database(database, url) as own_url:
            run = runner.run_example(module, own_url, Path(scratch))
    if run.returncode != 0:
        how = (
            f"was stopped after {runner.TIMEOUT} s"
            if run.returncode is None
            else f"exited with {run.returncode}"
        )
        tail = "\n".join(run.stderr.rstrip().splitlines()[-15:])
        variable = servers.VARIABLES.get(database)
        by_hand = f"DATABASE_URL=${variable} " if variable else ""
        raise SuperFencesException(
            f"example {module} failed on {database} ({server}) while the site was built: "
            f"it {how}.\n{tail}\nRun it by hand:  {by_hand}uv run python -m {module}\n"
            "Fix the example; the build shows no output of a failing example."
        )
    record = runner.make_record(module, database, url or "sqlite://", server, run)
    _ran_during_build[(module, database, key)] = record
    return record


@functools.cache
def _converter() -> markdown.Markdown:
    return markdown.Markdown(extensions=list(EXTENSIONS), extension_configs=EXTENSIONS)


def _to_html(text: str) -> str:
    html: str = _converter().reset().convert(text)
    # Tab ids restart at 1 in every conversion: keep them apart from the page's own tabs.
    return html.replace("__tabbed_", f"__tabbed_output{next(_tab_sets)}_")


# ```python blocks: a slice's title links to its whole file, which is shown whole, collapsed,
# on the page that teaches it (a listing). Anchors are derived from the file's path.
_INCLUDE = re.compile(r'^\s*--8<-- "(?P<path>snippets/[^":]+\.py)"\s*$', re.MULTILINE)
_SECTION_MARKER = re.compile(r"^[ \t]*# --8<-- \[(?:start|end):[^\]]*\][ \t]*\n", re.MULTILINE)
DOCS = Path(__file__).resolve().parent.parent / "docs"


def listing_anchor(path: str) -> str:
    """``snippets/session_pool/lifecycle/pool_events.py`` -> ``file-lifecycle-pool_events``."""
    parts = Path(path).with_suffix("").parts
    return "file-" + "-".join(parts[2:] if parts[:2] == ("snippets", "session_pool") else parts)


def listing_pages() -> dict[str, str]:
    """Each file shown whole on a page -> that page's URL path from the site root."""
    pages = sorted(DOCS.glob("*.md"))
    return _listing_pages(tuple((page, page.stat().st_mtime_ns) for page in pages))


@functools.cache
def _listing_pages(pages: tuple[tuple[Path, int], ...]) -> dict[str, str]:
    found: dict[str, str] = {}
    for page, _ in pages:
        url = "" if page.stem == "index" else f"{page.stem}/"
        for match in _INCLUDE.finditer(page.read_text(encoding="utf-8")):
            found.setdefault(match["path"], url)
    return found


def format_python(
    src: str, language: str, class_name: str, options: dict[str, str], md: Any, **kwargs: Any
) -> str:
    """Highlight as any fence does; link a slice's title to the whole file's listing."""
    title = options.get("title", "")
    page = listing_pages().get(title) if title.startswith("snippets/") else None
    if page is not None:
        file = (DOCS.parent / title).read_text(encoding="utf-8")
        whole = _SECTION_MARKER.sub("", file).strip() == src.strip()
        anchor = listing_anchor(title)
        # on a phone a long path breaks after a slash, never inside a name
        shown = escape(title).replace("/", "/<wbr>")
        if whole:
            kwargs["id_value"] = anchor
        else:
            # relative to the page's own URL (/<page>/ or /): ../ is the site root either way
            shown = f'<a href="../{page}#{anchor}" title="The whole file">{shown}</a>'
        options["title"] = shown
        options["title_mode"] = "html"
    highlight: str = md.preprocessors["fenced_code_block"].highlight(
        src, language, options, md, **kwargs
    )
    return highlight
