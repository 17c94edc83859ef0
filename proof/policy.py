"""The site's rules, one function each: every one returns the problems it finds, each naming
where it is and how to fix it. ``RULES`` lists them; tests/test_policy.py runs each."""

from __future__ import annotations

import ast
import builtins
import functools
import importlib.metadata
import io
import re
import tokenize
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from proof import fences, pages, records, requirements
from proof.examples import OTHER_TOOLCHAINS, ROOT, SITE, SNIPPETS, Example, examples

# Programs shown on pages that are not examples, and the test that runs them.
RUN_BY_OWN_TEST = {
    "benchmark.pooling": "tests/test_benchmark.py runs it on every database",
    "benchmark.report": "tests/test_benchmark.py holds the page's table and chart to it",
}


def typed_code() -> list[str]:
    """Code a reader sees comes from a file; a console block holds example commands only."""
    found = []
    for block in pages.all_blocks():
        typed = block.inline and block.category not in {"command", "output"}
        if typed or (block.category == "shown" and block.lang in {"console", "pycon", "shell"}):
            found.append(
                f"{block.where}: the ```{block.info} block is typed into the page, and no test "
                "runs it. Put the code in a file under snippets/ and include it with "
                '`--8<-- "snippets/..."`; a console block may hold only example commands, '
                "`$ [VAR=value] uv run python -m snippets...`."
            )
    return found


def commands_run_from_a_clone() -> list[str]:
    """A command on a page works as written in a fresh clone: `uv run` runs it in the project's
    environment (a bare `python` has none of its packages)."""
    found = []
    for block in pages.all_blocks():
        if block.category != "command":
            continue
        for line in block.code.splitlines():
            m = pages.MODULE_COMMAND.match(line.removeprefix("$ ").strip())
            if line.startswith("$ ") and m and not m["uv"]:
                found.append(
                    f"{block.where}: `{line[2:].strip()}` fails in a fresh clone, where no "
                    "environment is active: write it `[VAR=value] uv run python -m ...`."
                )
    return found


def shown_code_runs() -> list[str]:
    """Every file a slice or listing shows, and every commanded module, is run by a test."""
    runnable = set(examples()) | set(RUN_BY_OWN_TEST)
    found = []
    for block in pages.all_blocks():
        if block.category in {"slice", "listing"}:
            for include in block.includes:
                module = Example.of_file(include.file).module
                if include.file.endswith(".py") and module not in runnable:
                    found.append(
                        f"{block.where}: {include.file} is shown, but no test runs it (only "
                        "files with a main() are run). Add a main() to it."
                    )
        for module in block.command_modules or []:
            if module not in runnable:
                found.append(
                    f"{block.where}: `python -m {module}`: no test runs it. Write it as an "
                    "example under snippets/ (a module with a main()), or run it in a test of "
                    "its own and list it in proof.policy.RUN_BY_OWN_TEST."
                )
    return found


def listings_say_what_to_install() -> list[str]:
    """Every program shown whole says what to install to run it (proof.requirements, which the
    build renders with the listing): each module it imports is in the standard library, in
    this repository, or in a distribution that pyproject.toml requires, so that the line names
    what the tests ran it with."""
    required = requirements.declared()
    found = []
    for file in sorted(pages.listed_files()):
        if not file.endswith(".py"):
            continue
        needs = requirements.needs(file)
        found += [
            f"{file} imports {module}, which no installed distribution provides: add the "
            "distribution that does to pyproject.toml (uv add ...)"
            for module in needs.unknown
        ]
        for spec in needs.distributions:
            m = requirements.REQUIREMENT.match(spec)
            if m is None or requirements.canonical(m["name"]) not in required:
                found.append(
                    f"{file} needs {spec}, which pyproject.toml does not require: the tests "
                    f"run it with whatever version came along. `uv add {spec}`."
                )
    return found


def outputs_resolve() -> list[str]:
    found = []
    for block in pages.all_blocks():
        if block.lang == "output":
            try:
                fences.Request.parse(block.code, block.options)
            except ValueError as error:
                found.append(f"{block.where}: {error}")
    return found


def timelines_beside_outputs() -> list[str]:
    """A ```timeline draws the run whose output the page shows just before it: the fenced
    block before it is the ```output of the same example, on the same databases."""
    found = []
    for blocks in pages.site()[0].values():
        for before, block in zip([None, *blocks], blocks, strict=False):
            if block.lang != "timeline":
                continue
            try:
                drawn = fences.Request.parse(block.code, block.options, fence="timeline")
            except ValueError as error:
                found.append(f"{block.where}: {error}")
                continue
            try:
                shown = fences.Request.parse(before.code, before.options) if before else None
            except ValueError:
                shown = None  # outputs-resolve says what is wrong with it
            if (
                before is None
                or before.lang != "output"
                or shown is None
                or (shown.example, shown.databases) != (drawn.example, drawn.databases)
            ):
                found.append(
                    f"{block.where}: the ```timeline of {drawn.example.module} draws the run "
                    "whose output it explains: put it after the ```output of that example, with "
                    "the same databases option, with no other fenced block between them."
                )
    return found


def outputs_fit() -> list[str]:
    """Every line of an output a page shows, its command too, fits the column."""
    found = []
    for block in pages.all_blocks():
        if block.lang != "output":
            continue
        try:
            request = fences.Request.parse(block.code, block.options)
        except ValueError:
            continue  # outputs-resolve says what is wrong
        if request.render != "text":
            continue  # Markdown: prose and tables, which wrap as text does
        for database in request.databases:
            record = records.load(request.example, database)
            if record is None:
                continue
            command = f"$ {fences.command(request.example, database)}"
            lines = [*command.splitlines(), *record.output.splitlines()]
            long = [(n, line) for n, line in enumerate(lines) if len(line) > fences.OUTPUT_COLUMNS]
            found += [
                f"{block.where}: {records.relative(record.path)}, output line {n}: "
                f"{len(line)} characters, more than {fences.OUTPUT_COLUMNS}: {line[:50]}... Print "
                "shorter lines in the example (outputs never wrap), then --refresh-records."
                for n, line in long
            ]
    return found


def examples_shown() -> list[str]:
    """Every file under snippets/ is shown whole on the page that teaches it."""
    if pages.site()[1]:
        return []  # which files are shown is unknown until every page reads
    shown = {i.file for b in pages.all_blocks() for i in b.includes if i.section is None}
    found = []
    for path in sorted(SNIPPETS.rglob("*.py")):
        file = path.relative_to(ROOT).as_posix()
        if path.name != "__init__.py" and file not in shown:
            found.append(
                f"{file} is shown on no page: include it whole on the page that teaches it "
                f'(```python title="{file}" then --8<-- "{file}").'
            )
    return found


def parts_beside_their_file() -> list[str]:
    """A page that shows part of a file lists the whole file too: the part's title links to
    it on the same page (``#file-...``), which every builder and base path leave alone."""
    whole = {(b.page, i.file) for b in pages.all_blocks() for i in b.includes if i.section is None}
    found = []
    for block in pages.all_blocks():
        if block.category != "slice":
            continue
        for include in block.includes:
            if (block.page, include.file) not in whole:
                found.append(
                    f"{block.where}: shows part of {include.file}, which the page does not list "
                    f'whole: add it, e.g. in a `??? example "{include.file}"` block at the end.'
                )
    return found


def no_orphan_records() -> list[str]:
    """Every record file belongs to an (example, database) pair the tests run, on the site's
    toolchain or one of the others CI runs (proof.examples.OTHER_TOOLCHAINS)."""
    expected = {
        e.record_path(d, toolchain)
        for toolchain in (SITE, *OTHER_TOOLCHAINS)
        for e in examples().values()
        for d in e.databases
    }
    return [
        f"{records.relative(path)} records no example the tests run (the example or its "
        f"database is gone): `git rm {records.relative(path)}`"
        for path in records.all_record_files()
        if path not in expected
    ]


# -- a slice reads on its own -----------------------------------------------------------

# Names every module has without defining them.
MODULE_NAMES = {"__file__", "__name__", "__doc__", "__spec__", "__package__"}
INLINE_CODE = re.compile(r"(`+)(?P<code>.+?)\1")
# Inline code that names a name: the name alone, or a call of it: `fill()`, `connect_args_for(url)`.
A_NAME = re.compile(r"(?P<name>[A-Za-z_]\w*)(?:\(.*\))?")


def bound_and_used(code: str) -> tuple[set[str], list[str]]:
    """The names a piece of Python binds anywhere in it, and the names it reads, in order."""
    bound: set[str] = set()
    used: list[str] = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        if isinstance(node, ast.arguments):
            every = [*node.posonlyargs, *node.args, *node.kwonlyargs, node.vararg, node.kwarg]
            bound.update(a.arg for a in every if a is not None)
        if isinstance(node, ast.Name):
            (used.append if isinstance(node.ctx, ast.Load) else bound.add)(node.id)
        if isinstance(node, ast.Import | ast.ImportFrom):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        if isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
            bound.add(node.name)
    return bound, used


def _imported(file: str) -> set[str]:
    """The names any import in a file binds."""
    tree = ast.parse((ROOT / file).read_text(encoding="utf-8"))
    imports = (n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom))
    return {(a.asname or a.name).split(".")[0] for n in imports for a in n.names}


def _named_in_text_before(page_lines: list[str], line: int) -> set[str]:
    """Names written as inline code between the previous fenced block and the fence at `line`."""
    start = line - 1  # index of the opening fence
    while start > 0 and not pages.FENCE.match(page_lines[start - 1]):
        start -= 1
    text = "\n".join(page_lines[start : line - 1])
    spans = (A_NAME.fullmatch(m["code"].strip()) for m in INLINE_CODE.finditer(text))
    return {m["name"] for m in spans if m}


def names_defined() -> list[str]:
    """A slice uses only names the reader was shown: in it, in a slice before it on the page,
    or as inline code in the text right before it."""
    found = []
    known = set(dir(builtins)) | MODULE_NAMES
    for page, blocks in pages.site()[0].items():
        page_lines = (pages.DOCS / page).read_text(encoding="utf-8").split("\n")
        shown: set[str] = set()  # bound by the slices and listings so far on the page
        for block in (b for b in blocks if b.category in {"slice", "listing"}):
            try:
                bound, used = bound_and_used(block.code)
            except SyntaxError:
                continue  # not Python a reader could follow either way; not this rule's job
            if block.category == "slice":
                imported = set().union(*(_imported(i.file) for i in block.includes))
                defined = bound | shown | known | imported
                defined |= _named_in_text_before(page_lines, block.line)
                where = ", ".join(f"{i.file}:{i.section}" for i in block.includes)
                found += [
                    f"{block.where}: the slice {where} uses `{name}`, defined neither in it, "
                    "nor in a slice before it on the page, nor in inline code in the text right "
                    f"before it. Widen the section, or say what `{name}` is in the sentence "
                    "before the slice."
                    for name in dict.fromkeys(n for n in used if n not in defined)
                ]
            shown |= bound
    return found


# -- quotations -------------------------------------------------------------------------

# Text of three words or more in straight double quotes, in a page's prose (outside code and
# HTML) or in a comment or docstring of a file a page shows. Straight quotes give a project's
# words, verbatim; “curly quotes” give the chapter's, which the repository does not keep.
QUOTES = pages.DOCS / ".quotes.toml"
QUOTATION = re.compile(r'"(?P<text>(?:(?!\n\s*\n)[^"])+)"')
CODE_SPAN = re.compile(r"(`+)(?:(?!\n\s*\n)[\s\S])+?\1|<[^>\n]+>")
# `!!! warning "title"`, `??? example "title"`: the title is prose; `=== "tab"` is not
BLOCK_TITLE = re.compile(r'^(?P<syntax>\s*(?:(?:!!!|\?\?\?\+?)[\w -]+|===) )"(?P<title>.*)"\s*$')


def _prose(page: str) -> str:
    """A page with its fenced blocks, code spans, HTML and block syntax blanked, lines kept."""
    lines, fence = [], ""
    for line in page.split("\n"):
        if m := re.match(r"\s*(`{3,}|~{3,})", line):
            fence = "" if line.strip() == fence else fence or m[1]
        if m or fence:
            lines.append("")
        elif m := BLOCK_TITLE.match(line):
            lines.append("" if "===" in m["syntax"] else m["title"])
        else:
            lines.append(line)
    return CODE_SPAN.sub(lambda m: re.sub(r"[^\n]", " ", m[0]), "\n".join(lines))


def _python_prose(source: str) -> Iterator[tuple[int, str]]:
    """The comments and triple-quoted strings (docstrings) of a Python file, with their lines."""
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            yield token.start[0], token.string[1:]
        elif token.type == tokenize.STRING and '"""' in token.string:
            yield token.start[0], token.string.partition('"""')[2].rpartition('"""')[0]


def quotations() -> dict[str, list[str]]:
    """Every quotation on the pages and in the files they show, with where it is."""
    texts = [(f"docs/{p.name}", 1, _prose(p.read_text())) for p in pages.pages()]
    shown = {i.file for b in pages.all_blocks() for i in b.includes if i.file.endswith(".py")}
    for file in sorted(shown):
        texts += [(file, n, text) for n, text in _python_prose((ROOT / file).read_text())]
    found: dict[str, list[str]] = {}
    for name, first, text in texts:
        for m in QUOTATION.finditer(text):
            if len(m["text"].split()) >= 3:
                line = first + text.count("\n", 0, m.start())
                found.setdefault(" ".join(m["text"].split()), []).append(f"{name}:{line}")
    return found


@functools.cache
def _source_text(distribution: str | None, kept: str | None) -> str:
    """All text of an installed distribution's files, or of a kept file, whitespace-normalised."""
    if kept:
        return " ".join((ROOT / kept).read_text().split())
    files = importlib.metadata.files(distribution or "") or []
    blobs = (Path(str(f.locate())).read_bytes() for f in files if f.suffix != ".pyc")
    text = " ".join(blob.decode("latin-1") for blob in blobs)
    return " ".join(text.replace("\0", " ").split())


def quotations_verbatim() -> list[str]:
    """Quotations listed in docs/.quotes.toml and found verbatim in the source listed there."""
    listed = {" ".join(q["text"].split()): q for q in tomllib.loads(QUOTES.read_text())["quote"]}
    found = []
    quoted = quotations()
    for text, places in quoted.items():
        q = listed.get(text)
        if q is None:
            how = (
                "is not in docs/.quotes.toml. Straight quotes give a project's words, verbatim: "
                "list it there with the installed distribution that holds it, or with a copy of "
                "its source kept in the repository, its url and retrieved date. Quote the chapter "
                "in “curly quotes”. Otherwise paraphrase, without quotation marks, and link."
            )
        elif not q.get("kept", "records/").startswith("records/") and not (
            q.get("url") and q.get("retrieved")
        ):
            how = "has a kept source in docs/.quotes.toml, but no url and retrieved date there."
        elif text not in _source_text(q.get("distribution"), q.get("kept")):
            source = q.get("kept") or f"the installed distribution {q.get('distribution')}"
            how = (
                f"is not in {source}, whitespace aside. Quote it verbatim from there, or "
                "paraphrase it, without quotation marks, and link."
            )
        else:
            continue
        found += [f'{where}: "{text}" {how}' for where in places]
    found += [
        f'docs/.quotes.toml: "{text}" is quoted nowhere any more: remove it.'
        for text in listed
        if text not in quoted
    ]
    return found


# -- corrections of the chapter ---------------------------------------------------------

# `!!! type "title"`, `??? type "title"`, `???+ type "title"`: an admonition and its title
ADMONITION = re.compile(
    r'^\s*(?P<syntax>!!!|\?\?\?\+?) *(?P<type>[\w-]+)(?: +"(?P<title>.*)")?\s*$'
)
HEADING = re.compile(r"^#{1,6} ")


def chapter_notes() -> list[str]:
    """A correction of the chapter is a collapsed `??? chapter "The chapter says ..."` note,
    and it follows the section's own advice: it is never the first thing under a heading."""
    found = []
    for path in pages.pages():
        before = ""  # the last non-blank line before this one
        for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
            m = ADMONITION.match(line)
            where = f"docs/{path.name}:{n}"
            if m and (m["title"] or "").startswith("The chapter says"):
                if (m["syntax"], m["type"]) != ("???", "chapter"):
                    found.append(
                        f"{where}: a correction of the chapter is a collapsed note, "
                        f'`??? chapter "{m["title"]}"`, not `{m["syntax"]} {m["type"]}`.'
                    )
                if HEADING.match(before):
                    found.append(
                        f"{where}: the note on the chapter comes first under `{before}`. Lead the "
                        "section with what to do, then the evidence; the note follows them."
                    )
            if line.strip():
                before = line
    return found


# -- troubleshooting: error texts as the programs printed them ---------------------------

TROUBLESHOOTING = pages.DOCS / "troubleshooting.md"
# An entry's heading: ### `error text` { #its-id }  (a code span of any number of backticks)
ENTRY_HEADING = re.compile(
    r"^###\s+(?P<ticks>`+)(?P<text>.+?)(?P=ticks)\s*\{\s*#(?P<id>[\w-]+)\s*\}\s*$"
)
PAGE_LINK = re.compile(r"\]\((?P<page>[\w-]+\.md)(?:#[\w-]*)?\)")


@dataclass(frozen=True)
class ErrorEntry:
    line: int  # of the heading, in docs/troubleshooting.md
    text: str  # the error text, as the heading's code span holds it
    id: str
    links: frozenset[str]  # the pages the entry's text links to, ``configuration.md``


def error_entries() -> tuple[list[ErrorEntry], list[str]]:
    """The entries of docs/troubleshooting.md, and its level-3 headings that are not entries."""
    entries: list[ErrorEntry] = []
    malformed: list[str] = []
    lines = TROUBLESHOOTING.read_text(encoding="utf-8").split("\n")
    starts: list[int] = []  # line indexes of every heading of level 1 to 3, outside code
    fence, comment = "", False
    for n, line in enumerate(lines):
        if m := pages.FENCE.match(line):
            fence = "" if line.strip() == fence else fence or m["fence"]
        comment = (comment or "<!--" in line) and "-->" not in line
        if not fence and not comment and re.match(r"#{1,3}\s", line):
            starts.append(n)
    for start, end in zip(starts, [*starts[1:], len(lines)], strict=True):
        if not lines[start].startswith("### "):
            continue
        m = ENTRY_HEADING.match(lines[start])
        if m is None:
            malformed.append(
                f"docs/troubleshooting.md:{start + 1}: every ### heading on this page is an "
                "error text, as one code span and an id of its own: "
                "### `the error text` { #an-id }"
            )
            continue
        text = m["text"].strip() if len(m["ticks"]) > 1 else m["text"]  # `` `x` `` is `x`
        body = "\n".join(lines[start + 1 : end])
        links = frozenset(link["page"] for link in PAGE_LINK.finditer(body))
        entries.append(ErrorEntry(start + 1, text, m["id"], links))
    return entries, malformed


def error_texts() -> list[str]:
    """Every error text on docs/troubleshooting.md is one its programs printed, and its entry
    links to a page that shows it.

    The page's convention: each ``###`` heading is an entry, ``### `error text` { #id }``. The
    error text must be in a record's output (records/**/*.txt, as it is now or as committed:
    ``records.outputs()``), starting and ending at a word's edge: it may be a part of a line,
    such as the message without the exception's class. It is compared verbatim but for
    whitespace (outputs wrap long lines to fit the page) and for what varies by
    nature between runs: both the text and the records are first passed through
    ``records.normalized()``, which replaces every match of a pattern of records/varying.toml
    (connection ids, backend pids, memory addresses, durations) by its placeholder. So
    ``<Queue at 0x7f3a12176cd0 ...>`` matches any address, and ``timeout 0.20`` only 0.20.
    The entry's text, up to the next heading, must link to a page that shows the output of an
    example whose record holds the error text (an ```output fence on that page)."""
    if not TROUBLESHOOTING.exists():
        return [
            "docs/troubleshooting.md is missing: the errors the site's programs print, "
            "one entry each, are listed there."
        ]
    entries, found = error_entries()
    changed = records.changed_record_files()
    printed = [
        # wrapped lines joined: outputs wrap long lines to fit the page, at a word's edge
        (records.read(path), [" ".join(records.normalized(output).split())])
        for path in records.all_record_files()
        for output in records.outputs(path, changed=path in changed)
    ]
    shown: dict[str, set[str]] = {}  # example module -> the pages that show its output
    for block in pages.all_blocks():
        if block.lang == "output":
            shown.setdefault(block.code.strip(), set()).add(block.page)
    ids: dict[str, int] = {}
    for entry in entries:
        where = f"docs/troubleshooting.md:{entry.line}"
        if entry.id in ids:
            found.append(f"{where}: the id #{entry.id} is taken (line {ids[entry.id]}).")
        ids.setdefault(entry.id, entry.line)
        text = " ".join(records.normalized(entry.text).split())
        edges = (r"(?<!\w)" if text[:1].isalnum() or text[:1] == "_" else "") + re.escape(text)
        edges += r"(?!\w)" if text[-1:].isalnum() or text[-1:] == "_" else ""
        pattern = re.compile(edges)
        holders = [r for r, lines in printed if any(pattern.search(line) for line in lines)]
        if not holders:
            found.append(
                f"{where}: `{entry.text}` is printed by no example: no record's output holds "
                "it, whitespace aside, starting and ending at a word's edge. Copy the error "
                "text from a record (records/**/*.txt), verbatim but for what "
                "records/varying.toml says "
                "varies (ids, addresses, durations)."
            )
            continue
        pages_showing = set().union(*(shown.get(r.example, set()) for r in holders))
        if not entry.links & pages_showing:
            found.append(
                f"{where}: the entry for `{entry.text}` links to no page that shows it. It is "
                f"printed by {', '.join(sorted({r.example for r in holders}))}, whose output "
                f"is shown on {', '.join(sorted(pages_showing)) or 'no page'}: link the "
                "section there."
            )
    return found


RULES: dict[str, Callable[[], list[str]]] = {
    "typed-code": typed_code,
    "commands-run-from-a-clone": commands_run_from_a_clone,
    "shown-code-runs": shown_code_runs,
    "outputs-resolve": outputs_resolve,
    "outputs-fit": outputs_fit,
    "timelines-beside-outputs": timelines_beside_outputs,
    "listings-say-what-to-install": listings_say_what_to_install,
    "examples-shown": examples_shown,
    "parts-beside-their-file": parts_beside_their_file,
    "names-defined": names_defined,
    "quotations-verbatim": quotations_verbatim,
    "no-orphan-records": no_orphan_records,
    "chapter-notes": chapter_notes,
    "error-texts": error_texts,
}
