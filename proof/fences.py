"""The fences pages use to show what examples printed (pymdownx.superfences custom fences).

An example's output on every database it declares, in tabs named after the server that
produced each one::

    ```output
    snippets.session_pool.bad_no_pooling
    ```

On some of them only (``databases="sqlite"``), or rendered as Markdown when the example prints
a table (``render="markdown"``). The line that ends every page (pymdownx.snippets
``auto_append``) is a fence too: ```` ```verified-on ````. And ```` ```python ```` blocks: a
slice's title links to its whole file, shown whole on the page that teaches it (a listing),
and says it is an excerpt; a listing says what to install to run it (``proof.requirements``).
Each output follows the reader's command that runs it, with the server's ``DATABASE_URL``,
and, where another toolchain's record (Python 3.13, SQLAlchemy 2.0) differs, a note with the
lines that change; ```` ```differences ```` sums those up for one toolchain.

Outputs come from the records. For a record that is missing or stale the build runs the
example when its database is available (SQLite always; a server when its ``TEST_*_URL`` is set,
unless ``RECORDS_ONLY=1``), and otherwise says that no current output is recorded. An example
that fails stops the build: no failure is ever shown as an output.
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

from proof import pages, records, requirements, runner
from proof.databases import DATABASES
from proof.examples import (
    OTHER_TOOLCHAINS,
    ROOT,
    SITE,
    Example,
    Toolchain,
    declared_databases,
    examples,
)

log = logging.getLogger("mkdocs.plugins.proof")

# The widest line an output shows whole: the content column of a laptop (1440 px) holds 77
# characters of code beside the copy button's strip (docs/stylesheets/extra.css); outputs never
# wrap, and tests/test_browser.py measures that they fit.
OUTPUT_COLUMNS = 77
OPTIONS = {"databases", "render"}
RENDERS = {"text", "markdown"}
# The page's own code-block settings (mkdocs.yml), so outputs look like the code around them.
EXTENSIONS: dict[str, dict[str, Any]] = {
    "admonition": {},
    "attr_list": {},
    "md_in_html": {},
    "tables": {},
    "pymdownx.details": {},
    "pymdownx.highlight": {"pygments_lang_class": True},
    "pymdownx.superfences": {},
    "pymdownx.tabbed": {"alternate_style": True},
}
_tab_sets = itertools.count(1)
_ran_during_build: dict[tuple[str, str, str], records.Record] = {}


@dataclass(frozen=True)
class Request:
    """What an ```output fence asks for."""

    example: Example
    databases: tuple[str, ...]
    render: str

    @classmethod
    def parse(cls, source: str, options: dict[str, str], fence: str = "output") -> Request:
        """Read a fence; a ValueError says what is wrong with it and how to write it."""
        example = Example(source.strip())
        if not example.module.startswith("snippets.") or not example.path.exists():
            raise ValueError(
                f"```{fence} names {example.module!r}, which is not an example module; write "
                "its dotted name, e.g. snippets.session_pool.bad_no_pooling, alone in the fence"
            )
        declared = declared_databases(example.path.read_text(encoding="utf-8"))
        asked = options.get("databases", "").replace(",", " ").split()
        not_declared = [d for d in asked if d not in declared]
        if not_declared:
            raise ValueError(
                f"```{fence} databases={options['databases']!r}: {example.module} runs on "
                f"{', '.join(declared)} only (its `# databases:` line), not {not_declared}"
            )
        render = options.get("render", "text")
        if render not in RENDERS:
            raise ValueError(f'```{fence} render="{render}": use one of {sorted(RENDERS)}')
        return cls(example, tuple(d for d in declared if d in asked) if asked else declared, render)


def validate(language: str, inputs: dict[str, str], options: dict[str, str], *_: Any) -> bool:
    for name, value in inputs.items():
        if name not in OPTIONS:
            raise SuperFencesException(
                f"```{language} {name}=...: unknown option; known: {', '.join(sorted(OPTIONS))}"
            )
        options[name] = value
    return True


def format_output(
    src: str, language: str, class_name: str, options: dict[str, str], *_: Any, **__: Any
) -> str:
    try:
        request = Request.parse(src, options)
    except ValueError as error:
        raise SuperFencesException(str(error)) from None
    shown = [_show(request.example, database, request.render) for database in request.databases]
    # the class lets docs/stylesheets/extra.css wrap long output lines
    return f'<div class="example-output">{tabs(shown)}</div>'


def tabs(shown: list[tuple[str, str]]) -> str:
    """Markdown per database as HTML, in tabs of those labels when there are several: tabs of
    the same label switch together on a page (Material's content.tabs.link)."""
    if len(shown) == 1:
        return _to_html(shown[0][1])
    return _to_html(
        "\n".join(f'=== "{label}"\n\n{indent(body, "    ")}\n' for label, body in shown)
    )


def format_verified_on(*_: Any, **__: Any) -> str:
    found = [records.read(path) for path in records.all_record_files(SITE)]
    keys = {module: Example(module).key() for module in {r.example for r in found}}
    found = [r for r in found if r.key == keys[r.example]]  # what the pages show
    if not found:
        return _to_html("---\n\n<small>No example output is recorded yet.</small>\n")
    dates = sorted({r.recorded for r in found})
    when = f"on {dates[0]}" if len(dates) == 1 else f"between {dates[0]} and {dates[-1]}"
    order = {database: n for n, database in enumerate(DATABASES)}
    on = _join([server for _, server in sorted({(order[r.database], r.server) for r in found})])
    in_tab_order = sorted(found, key=lambda r: order[r.database])
    # each record names SQLAlchemy, then its driver: keep that order, databases in tab order
    libraries = _join(list(dict.fromkeys(p for r in in_tab_order for p in r.libraries.split(", "))))
    pythons = _join(sorted({r.python for r in found}))
    return _to_html(
        f"---\n\n<small>Example outputs on this site were recorded {when} on {on}, with "
        f"{libraries} on Python {pythons}. Each output names the server it ran on.</small>\n"
    )


def format_differences(src: str, *_: Any, **__: Any) -> str:
    """What changes on another toolchain, named alone in the fence (``sqlalchemy-2.0``): the
    examples whose output differs there (proof.records.changes), on which databases, with the
    page that teaches each, and the differences themselves, from the fresh records only."""
    toolchain = next((t for t in OTHER_TOOLCHAINS if t.name == src.strip()), None)
    if toolchain is None:
        names = ", ".join(t.name for t in OTHER_TOOLCHAINS)
        raise SuperFencesException(f"```differences {src.strip()!r}: name one of {names}")
    found = {e: _differing(e, toolchain) for e in examples().values()}
    found = {e: by_database for e, by_database in found.items() if by_database}
    if not found:
        return _to_html("Every example prints the same as on the toolchain of this site.\n")
    parts = ["| example | databases | taught on |\n|---|---|---|\n"]
    for example, by_database in found.items():
        on = ", ".join(DATABASES[d].label for d in by_database)
        link = f"[{example.name}](#{toolchain.name}-{example.anchor})"
        parts.append(f"| {link} | {on} | {_page_title(example)} |\n")
    for example, by_database in found.items():
        parts.append(f"\n`{example.file}`\n{{ #{toolchain.name}-{example.anchor} }}\n\n")
        parts += [
            f'=== "{DATABASES[d].label}"\n\n{indent(_diff(other, changed), "    ")}\n'
            for d, (other, changed) in by_database.items()
        ]
    return f'<div class="example-output">{_to_html("".join(parts))}</div>'


def _differing(
    example: Example, toolchain: Toolchain
) -> dict[str, tuple[records.Record, list[str]]]:
    """Per database, its record on the toolchain and how it differs, where it does."""
    found = {}
    for database in example.databases:
        site, other = records.load(example, database), other_record(example, database, toolchain)
        if site is not None and site.key == example.key() and other is not None:
            changed = records.changes(site.output, other.output)
            if changed:
                found[database] = (other, changed)
    return found


def _page_title(example: Example) -> str:
    """The title in the navigation (mkdocs.yml) of the first page that shows its output."""
    where = pages.shown_on(example.module)
    if not where:
        return "no page"
    page = where[0].split(":")[0].removeprefix("docs/")
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    m = re.search(rf"^\s*- (?P<title>.+): {re.escape(page)}$", nav, re.MULTILINE)
    return m["title"].strip('"') if m else page


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _show(example: Example, database: str, render: str) -> tuple[str, str]:
    """The tab label and the Markdown for one database's output of an example."""
    key = example.key()
    try:
        record = records.load(example, database)
    except records.RecordError as error:
        raise SuperFencesException(str(error)) from None
    how = "Recorded"
    if record is None or record.key != key:
        if not _may_run(database):
            return DATABASES[database].label, not_recorded(example, database, record)
        record, how = _run_during_build(example, database, key), "Run during this build"
    caption = (
        f"<small>{how} on {record.server}, {record.recorded}, with {record.libraries} on "
        f"Python {record.python}; {record.duration:.1f} s.</small>"
    )
    elsewhere = "".join(_elsewhere(example, record, t) for t in OTHER_TOOLCHAINS)
    if render == "markdown":
        return record.series, f"{record.output}\n\n{caption}\n{elsewhere}"
    fence = _fence_for(record.output)
    console = f"$ {command(example, database)}\n{record.output.rstrip()}"
    return record.series, f"{fence}console\n{console}\n{fence}\n\n{caption}\n{elsewhere}"


def _fence_for(text: str) -> str:
    """A code fence longer than any run of backticks in `text`."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def other_record(example: Example, database: str, toolchain: Toolchain) -> records.Record | None:
    """Its fresh record on another toolchain; a missing or stale one fails the example tests
    that CI runs there (proof.toolchains), and is not shown."""
    other = records.load(example, database, toolchain)
    return other if other is not None and other.key == example.key(toolchain) else None


def _elsewhere(example: Example, record: records.Record, toolchain: Toolchain) -> str:
    """Markdown: how the output differs on another toolchain, in a note that opens."""
    other = other_record(example, record.database, toolchain)
    changed = records.changes(record.output, other.output) if other else []
    if other is None or not changed:
        return ""
    return f'\n??? info "On {toolchain.label}, this prints something else"\n\n' + indent(
        _diff(other, changed), "    "
    )


def _diff(other: records.Record, changed: list[str]) -> str:
    """The lines that change, as a diff; an output that is Markdown (``render="markdown"``),
    whole, rendered, as the page shows the site's."""
    where = (
        f"recorded on {other.server}, {other.recorded}, with {other.libraries} on Python "
        f"{other.python}."
    )
    if _renders_markdown(Example(other.example)):
        lines = sum(line.startswith("+") for line in changed)
        said = f"The whole output, as {where} {lines} of its lines differ from the site's."
        return f"{other.output}\n\n<small>{said}</small>\n"
    fence = _fence_for("\n".join(changed))
    caption = f"<small>Lines with <code>-</code> as above; with <code>+</code> as {where}</small>"
    return f"{fence}diff\n" + "\n".join(changed) + f"\n{fence}\n\n{caption}\n"


def _renders_markdown(example: Example) -> bool:
    """Whether the pages show the example's output as Markdown (``render="markdown"``)."""
    return any(
        b.lang == "output"
        and b.code.strip() == example.module
        and b.options.get("render") == "markdown"
        for b in pages.all_blocks()
    )


def command(example: Example, database: str) -> str:
    """The reader's command that runs an example on a database, from a clone: with the URL of
    a server of their own in DATABASE_URL, if the example reads it (its default is SQLite), and
    the dependency groups that install what it needs beyond the project's dependencies.
    Shown after `$ `, it fits OUTPUT_COLUMNS: longer, it goes on over lines ending in `\\`."""
    url = DATABASES[database].reader_url
    variable = [f"DATABASE_URL={url}"] if url and "DATABASE_URL" in example.words() else []
    groups = [f"--group {g}" for g in requirements.needs(example.file).groups]
    return shell_lines([*variable, " ".join(["uv run", *groups, "python -m"]), example.module])


def shell_lines(parts: list[str]) -> str:
    """A shell command of `parts`, the lines of which fit OUTPUT_COLUMNS after `$ `."""
    lines = [parts[0]]
    for part in parts[1:]:
        if len(f"$ {lines[-1]} {part} \\") <= OUTPUT_COLUMNS:
            lines[-1] += f" {part}"
        else:
            lines[-1] += " \\"
            lines.append(f"    {part}")
    return "\n".join(lines)


def _may_run(database: str) -> bool:
    return os.environ.get("RECORDS_ONLY", "") in {"", "0"} and DATABASES[database].available()


def not_recorded(example: Example, database: str, record: records.Record | None) -> str:
    variable = DATABASES[database].variable
    how = f"set `{variable}` and run `uv run pytest`" if variable else "run `uv run pytest`"
    if record is None:
        what = f"No output of `{example.file}` on {DATABASES[database].label} is recorded yet."
    else:
        what = (
            f"`{example.file}` has changed since its output on {record.server} was recorded "
            f"({record.recorded}), so that output is not shown."
        )
    return f'!!! note "Not recorded for this version"\n\n    {what} To record it, {how}.\n'


def _run_during_build(example: Example, database: str, key: str) -> records.Record:
    """Run an example whose record is missing or stale, once per version of its source."""
    if (example.module, database, key) not in _ran_during_build:
        log.info("%s: no fresh record on %s; running it", example.module, database)
        with tempfile.TemporaryDirectory(prefix="example-output-") as scratch:
            run, server = runner.run_on_own_database(example, database, Path(scratch))
        if run.problem():
            raise SuperFencesException(
                f"{run.problem()}\nwhile the site was built, on {server}, for "
                f"{', '.join(pages.shown_on(example.module))}. Run it by hand:  "
                f"{run.by_hand()}\nFix the example; the build shows no output of a failing example."
            )
        _ran_during_build[(example.module, database, key)] = runner.record(run, server)
    return _ran_during_build[(example.module, database, key)]


@functools.cache
def _converter() -> markdown.Markdown:
    return markdown.Markdown(extensions=list(EXTENSIONS), extension_configs=EXTENSIONS)


def _to_html(text: str) -> str:
    html: str = _converter().reset().convert(text)
    # Tab ids restart at 1 in every conversion: keep them apart from the page's own tabs.
    return html.replace("__tabbed_", f"__tabbed_output{next(_tab_sets)}_")


SECTION_MARKER = re.compile(r"^[ \t]*# --8<-- \[(?:start|end):[^\]]*\][ \t]*\n", re.MULTILINE)


def format_python(
    src: str, language: str, class_name: str, options: dict[str, str], md: Any, **kwargs: Any
) -> str:
    """Highlight as any fence does. A slice's title links to the whole file's listing, and
    says it is an excerpt; a listing says what to install to run it."""
    title = options.get("title", "")
    needs = ""
    if title.endswith(".py") and title in pages.listed_files():
        example = Example.of_file(title)
        whole = SECTION_MARKER.sub("", (ROOT / title).read_text(encoding="utf-8")).strip()
        # on a phone a long path breaks after a slash, never inside a name
        shown = escape(title).replace("/", "/<wbr>")
        if whole == src.strip():
            kwargs["id_value"] = example.anchor
            needs = _needs(title, md)
        else:
            # the page lists the whole file too (policy: parts-beside-their-file), so the
            # link stays on the page: MkDocs leaves a raw HTML link as it is, Zensical reads
            # it as relative to the Markdown file; a bare fragment means the same to both
            href = f"#{example.anchor}"
            shown = (
                f'<a href="{href}" title="The whole file">{shown}</a> '
                f'<span class="excerpt">(an excerpt: <a href="{href}">the whole file</a>)</span>'
            )
        options["title"] = shown
        options["title_mode"] = "html"
    highlight: str = md.preprocessors["fenced_code_block"].highlight(
        src, language, options, md, **kwargs
    )
    return needs + highlight


def _needs(file: str, md: Any) -> str:
    """What a listing's reader installs to run it (proof.requirements), as HTML."""
    found = requirements.needs(file)
    if found.unknown:
        raise SuperFencesException(
            f"{file} imports {', '.join(found.unknown)}, which no installed distribution "
            "provides: add the distribution that does to pyproject.toml (uv add ...)"
        )
    if found.repository:
        names = " and ".join(f"<code>{name}</code>" for name in found.repository)
        return (
            f'<p class="needs">It imports this repository\'s {names}: run it from a clone '
            "of the repository, where <code>uv run</code> installs what it needs.</p>"
        )
    python = requirements.python()
    if not found.distributions:
        return f'<p class="needs">It needs {python}, and only its standard library.</p>'
    line: str = md.preprocessors["fenced_code_block"].highlight(
        f"$ {shell_lines(found.pip())}", "console", {}, md, classes=[], id_value="", attrs={}
    )
    return (
        f'<p class="needs">To run it in an environment of your own ({python}), install:</p>{line}'
    )
