"""Read the site the way MkDocs does and say what each fenced block needs from the tests.

Pages are expanded with the pymdownx.snippets settings that mkdocs.yml gives MkDocs, then parsed
with pytest-codeblocks' own parser, so its markers (``cont``, ``expected-output``,
``pytest.mark.*``) keep their meaning. Every fence ends up in exactly one category:

* ``run``: python, bash and sh blocks included from a file that is not an example, run once per
  backend as a program;
* ``slice``: a python block cut from a named section of a file: covered by running that file;
* ``listing``: a python block showing whole example files: covered by running them;
* ``command``: ``$ [VAR=value] [uv run] python -m module`` lines: covered by running those
  modules (examples, or a module of ``RUN_BY_OWN_TEST``);
* ``output``: an ```` ```output ```` or ```` ```verified-on ```` fence, filled from the records;
* ``not run``: carries ``<!--pytest.mark.not_run("reason")-->``: reported, nothing may skip;
* ``shown``: text and other languages whose content comes from a file or from markdown-exec.

Anything else is typed into a page and untested; ``problems()`` reports it, and also a slice
that reads a name its page never showed or named (``undefined_names()``), and a quotation of a
project that docs/.quotes.toml does not list or that is not verbatim (``misquotations()``).
"""

from __future__ import annotations

import ast
import builtins
import functools
import importlib.metadata
import io
import re
import shlex
import tokenize
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import markdown
from mkdocs.config import load_config
from mkdocs.structure.files import get_files
from pymdownx.snippets import SnippetMissingError
from pytest_codeblocks.main import extract_from_buffer

from example_outputs import fences, records, runner
from example_outputs.examples import Example, declared_backends, examples
from example_outputs.records import DATABASES as BACKENDS
from example_outputs.records import ROOT, SNIPPETS

DOCS = ROOT / "docs"
OUTPUT_FENCES = {"output", "verified-on"}
__all__ = ["BACKENDS", "ROOT", "SNIPPETS", "Example", "declared_backends", "examples"]

PYTHON = {"python", "py"}
SHELL = {"bash", "sh"}
INCLUDE = re.compile(r"""^\s*--8<--\s+(["'])(?P<target>[^"']+)\1\s*$""")
# `python -m module`, maybe after `uv run` (outside the environment) and environment variables
# (`DATABASE_URL=... python -m ...`): the example runs on every backend in test_examples.
MODULE_COMMAND = re.compile(
    r"^(?:[A-Z_]+=\S+ )*(?:uv run )?python -m (?P<module>\w+(?:\.\w+)+)(?P<args>(?: [\w.]+)*)$"
)
# Programs shown on pages that are not examples, and the test that runs them.
BENCHMARK = "benchmark.pooling"
RUN_BY_OWN_TEST = {
    BENCHMARK: "tests/test_benchmark.py runs it on every backend",
    "benchmark.report": "tests/test_benchmark.py holds the page's table and chart to it",
}
NOT_RUN = re.compile(r"""^pytest\.mark\.not_run\((["'])(?P<reason>.+)\1\)$""")


class PageError(Exception):
    """A page that cannot be expanded or parsed; the message says where and how to fix it."""


@dataclass(frozen=True)
class Include:
    path: str
    section: str | None  # a named section or a line range: a slice of the file

    @classmethod
    def parse(cls, target: str) -> Include:
        path, _, rest = target.partition(":")
        return cls(path, rest or None)

    @property
    def module(self) -> str | None:
        """The module a python file include names, e.g. ``snippets.session_pool.x``."""
        if not self.path.endswith(".py"):
            return None
        return self.path.removesuffix(".py").replace("/", ".")


@dataclass
class Block:
    page: str  # relative to docs/
    line: int  # line of the opening fence in the page as written
    info: str
    code: str  # expanded, as the reader sees it
    includes: list[Include]
    inline: bool  # some non-blank line was typed into the page rather than included
    expected_output: str | None = None
    expected_output_ignore_whitespace: bool = False
    marks: list[str] = field(default_factory=list)

    @property
    def lang(self) -> str:
        words = self.info.replace("{", " ").split()
        return words[0].lstrip(".").lower() if words else ""

    @property
    def where(self) -> str:
        return f"docs/{self.page}:{self.line}"

    @property
    def options(self) -> dict[str, str]:
        """The key="value" options of the fence's info string."""
        return {k: v for k, _, v in re.findall(r"""(\w+)=(["']?)([^"'\s]*)\2""", self.info)}

    @property
    def not_run_reason(self) -> str | None:
        for mark in self.marks:
            if m := NOT_RUN.match(mark):
                return m.group("reason")
        return None

    @property
    def commands(self) -> list[str]:
        """Shell commands of a console block (``$ `` lines) or of an executed shell block."""
        if self.lang == "console":
            return [ln[2:].strip() for ln in self.code.splitlines() if ln.startswith("$ ")]
        return [ln.strip() for ln in self.code.splitlines() if ln.strip()]

    @property
    def command_modules(self) -> list[str] | None:
        """The modules if every command is ``[uv run] python -m module``, else None."""
        matches = [MODULE_COMMAND.match(c) for c in self.commands]
        if not matches or not all(matches):
            return None
        modules = []
        for m in matches:
            assert m is not None
            modules.append(m.group("module"))
            modules += [a for a in m.group("args").split() if a.startswith("snippets.")]
        return modules

    @property
    def category(self) -> str:
        if self.not_run_reason is not None:
            return "not run"
        if self.lang in OUTPUT_FENCES:
            return "output"
        if self.lang in PYTHON | SHELL | {"console"} and self.command_modules is not None:
            return "command"
        if self.lang in PYTHON and self.includes and all(i.section for i in self.includes):
            return "slice"
        if self.lang in PYTHON and self.includes and all(i.module for i in self.includes):
            return "listing"
        if self.lang in PYTHON | SHELL:
            return "run"
        return "shown"

    @property
    def backends(self) -> tuple[str, ...]:
        return declared_backends(self.code)


@functools.cache
def snippets_config() -> dict[str, Any]:
    """The pymdownx.snippets settings exactly as MkDocs reads them from mkdocs.yml."""
    config = load_config(str(ROOT / "mkdocs.yml"))
    settings: dict[str, Any] = config["mdx_configs"]["pymdownx.snippets"]
    return settings


def _preprocessor(*, auto_append: bool = False) -> Any:
    settings = snippets_config()
    if not auto_append:
        settings = {k: v for k, v in settings.items() if k != "auto_append"}
    md = markdown.Markdown(
        extensions=["pymdownx.snippets"], extension_configs={"pymdownx.snippets": settings}
    )
    return md.preprocessors["snippet"]


def expand(text: str, page: str) -> tuple[str, list[tuple[int, bool]]]:
    """Expand includes; also map each expanded line to (page line, came from an include).

    What ``auto_append`` adds to every page maps to the page's last line.
    """
    raw = text.split("\n")
    try:
        whole = _preprocessor(auto_append=True).run(list(raw))
    except SnippetMissingError as error:
        raise PageError(_locate_missing(raw, page, error)) from error
    lines: list[str] = []
    origin: list[tuple[int, bool]] = []
    for number, line in enumerate(raw, 1):
        out = _preprocessor().run([line]) if "--8<--" in line else [line]
        lines += out
        origin += [(number, "--8<--" in line)] * len(out)
    appended = whole[len(lines) :]
    lines += appended
    origin += [(len(raw), True)] * len(appended)
    if lines != whole:
        raise PageError(
            f'docs/{page}: an include spans several lines; use one `--8<-- "file:section"` '
            "line per include so failures can name the page line"
        )
    return "\n".join(whole), origin


def _locate_missing(raw: list[str], page: str, error: SnippetMissingError) -> str:
    for number, line in enumerate(raw, 1):
        if "--8<--" not in line:
            continue
        try:
            _preprocessor().run([line])
        except SnippetMissingError:
            m = INCLUDE.match(line)
            hint = ""
            if m:
                include = Include.parse(m.group("target"))
                file = ROOT / include.path
                if not file.exists():
                    hint = f"there is no file {include.path}"
                elif include.section:
                    found = sorted(set(re.findall(r"--8<-- \[start:([\w-]+)\]", file.read_text())))
                    hint = f"{include.path} has the sections: {', '.join(found) or 'none'}"
            return (
                f"docs/{page}:{number}: broken include {line.strip()!r}: {error}. "
                f"{hint}. Fix the file name or section, or add "
                "`# --8<-- [start:name]` / `# --8<-- [end:name]` markers to the file."
            )
    return f"docs/{page}: {error}"


def _fence_body(lines: list[str], fence: int) -> range:
    """Indexes of the lines inside the fence that opens at index `fence`."""
    opening = lines[fence].lstrip()
    ticks = "`" * (len(opening) - len(opening.lstrip("`")))
    end = fence + 1
    while end < len(lines) and not lines[end].lstrip().startswith(ticks):
        end += 1
    return range(fence + 1, end)


def read_page(path: Path) -> list[Block]:
    """Every fenced block of a page, expanded, with the page line where it starts."""
    page = path.relative_to(DOCS).as_posix()
    text, origin = expand(path.read_text(encoding="utf-8"), page)
    raw = path.read_text(encoding="utf-8").split("\n")
    try:
        parsed = extract_from_buffer(io.StringIO(text))
    except RuntimeError as error:
        raise PageError(f"docs/{page}: pytest-codeblocks cannot parse the page: {error}") from None
    lines = text.split("\n")
    blocks = []
    for b in parsed:
        from_page = [origin[i] for i in _fence_body(lines, b.lineno - 1) if lines[i].strip()]
        include_lines = sorted({n for n, included in from_page if included})
        includes = [
            Include.parse(m.group("target"))
            for n in include_lines
            if (m := INCLUDE.match(raw[n - 1]))
        ]
        blocks.append(
            Block(
                page=page,
                line=origin[b.lineno - 1][0],
                info=b.syntax or "",
                code=b.code,
                includes=includes,
                inline=any(not included for _, included in from_page),
                expected_output=b.expected_output,
                expected_output_ignore_whitespace=b.expected_output_ignore_whitespace,
                marks=list(b.marks),
            )
        )
    return blocks


def pages() -> list[Path]:
    """The pages MkDocs builds: partials such as docs/.includes/ are left out as MkDocs does."""
    files = get_files(load_config(str(ROOT / "mkdocs.yml")))
    return sorted(DOCS / f.src_uri for f in files.documentation_pages())


@functools.cache
def site() -> tuple[dict[str, list[Block]], dict[str, str]]:
    """All blocks per page, and the pages that could not be read with the reason."""
    blocks: dict[str, list[Block]] = {}
    errors: dict[str, str] = {}
    for path in pages():
        name = path.relative_to(DOCS).as_posix()
        try:
            blocks[name] = read_page(path)
        except PageError as error:
            errors[name] = str(error)
    return blocks, errors


def all_blocks() -> Iterator[Block]:
    for page_blocks in site()[0].values():
        yield from page_blocks


def problems() -> list[str]:
    """Everything on the site that no test would run or that points nowhere."""
    found = list(site()[1].values())
    shown_files: set[str] = set()
    runnable = examples()
    for block in all_blocks():
        shown_files.update(i.path for i in block.includes if i.section is None)
        category = block.category
        if category == "not run":
            found.append(
                f"{block.where}: marked not_run ({block.not_run_reason}). Every block a page "
                "shows is run by a test: make it an example or an example command."
            )
        elif block.inline and category not in {"command", "output"}:
            found.append(
                f"{block.where}: the ```{block.info} block is typed into the page, and no test "
                "runs it. Put the code in a file under snippets/ and include it with "
                '`--8<-- "snippets/..."`; a command may only run examples: '
                "`[uv run] python -m snippets...` in a ```console block."
            )
        if category == "output" and block.lang == "output":
            try:
                fences.Request.parse(block.code, block.options)
            except ValueError as error:
                found.append(f"{block.where}: {error}")
        if category in {"slice", "listing"}:
            for include in block.includes:
                if include.module not in runnable and include.module not in RUN_BY_OWN_TEST:
                    found.append(
                        f"{block.where}: {include.path} is shown, but no test runs it "
                        "(only files with a main() are run). Add a main() to it."
                    )
        if category == "command":
            for module in block.command_modules or []:
                if module not in runnable and module not in RUN_BY_OWN_TEST:
                    found.append(
                        f"{block.where}: `python -m {module}`: no test runs it. Write it as an "
                        "example under snippets/ (a module with a main()), or run it in a test "
                        "of its own and list it in harness.RUN_BY_OWN_TEST"
                    )
        if category == "shown" and block.lang in {"console", "pycon", "shell", "zsh"}:
            found.append(
                f"{block.where}: a ```{block.lang} block may hold only example commands, "
                "`[VAR=value] [uv run] python -m snippets...`; put anything else in a file under "
                "snippets/ and include it"
            )
    found += undefined_names()
    found += misquotations()
    found += orphan_records()
    if site()[1]:
        return found  # which files are shown is unknown until every page reads
    for path in sorted(SNIPPETS.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if path.name != "__init__.py" and relative not in shown_files:
            found.append(
                f"{relative} is shown on no page: include it whole on the page that teaches it "
                f'(```python title="{relative}" then --8<-- "{relative}").'
            )
    return found


# Names every module has without defining them.
MODULE_NAMES = {"__file__", "__name__", "__doc__", "__spec__", "__package__"}
INLINE_CODE = re.compile(r"(`+)(?P<code>.+?)\1")
# Inline code that names a name: the name alone, or a call of it: `fill()`, `connect_args_for(url)`.
A_NAME = re.compile(r"(?P<name>[A-Za-z_]\w*)(?:\(.*\))?")
FENCE = re.compile(r"^\s*(```|~~~)")


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
            if isinstance(node.ctx, ast.Load):
                used.append(node.id)
            else:
                bound.add(node.id)
        if isinstance(node, ast.Import | ast.ImportFrom):
            bound.update((a.asname or a.name).split(".")[0] for a in node.names)
        if isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        if isinstance(node, ast.MatchAs | ast.MatchStar) and node.name:
            bound.add(node.name)
    return bound, used


def _imported(path: str) -> set[str]:
    """The names any import in a file binds."""
    names: set[str] = set()
    for node in ast.walk(ast.parse((ROOT / path).read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def _named_in_text_before(page_lines: list[str], line: int) -> set[str]:
    """Names written as inline code between the previous fenced block and the fence at `line`."""
    start = line - 1  # index of the opening fence
    while start > 0 and not FENCE.match(page_lines[start - 1]):
        start -= 1
    text = "\n".join(page_lines[start : line - 1])
    spans = (A_NAME.fullmatch(m["code"].strip()) for m in INLINE_CODE.finditer(text))
    return {m["name"] for m in spans if m}


def undefined_names() -> list[str]:
    """Slices that read a name the reader has not been shown: a slice must read on its own."""
    found = []
    known = set(dir(builtins)) | MODULE_NAMES
    for page, blocks in site()[0].items():
        page_lines = (DOCS / page).read_text(encoding="utf-8").split("\n")
        shown: set[str] = set()  # bound by the slices and listings so far on the page
        for block in blocks:
            if block.category not in {"slice", "listing"}:
                continue
            try:
                bound, used = bound_and_used(block.code)
            except SyntaxError:
                continue  # not Python a reader could follow either way; not this check's job
            if block.category == "slice":
                imported = set().union(*(_imported(i.path) for i in block.includes))
                defined = bound | shown | known | imported
                defined |= _named_in_text_before(page_lines, block.line)
                where = ", ".join(f"{i.path}:{i.section}" for i in block.includes)
                for name in dict.fromkeys(n for n in used if n not in defined):
                    found.append(
                        f"{block.where}: the slice {where} uses `{name}`, defined neither in "
                        "it, nor in a slice before it on the page, nor in inline code in the "
                        "text right before it. Widen the section, or say what "
                        f"`{name}` is in the sentence before the slice."
                    )
            shown |= bound
    return found


# Quotations: text of three words or more in straight double quotes, in a page's prose (outside
# code and HTML) or in a comment or docstring of a file a page shows. Straight quotes give a
# project's words, verbatim; “curly quotes” give the chapter's, which the repository does not keep.
QUOTES = DOCS / ".quotes.toml"
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
    texts: list[tuple[str, int, str]] = []
    for path in pages():
        texts.append((f"docs/{path.relative_to(DOCS).as_posix()}", 1, _prose(path.read_text())))
    shown = {i.path for b in all_blocks() for i in b.includes if i.path.endswith(".py")}
    for name in sorted(shown):
        texts += [(name, n, text) for n, text in _python_prose((ROOT / name).read_text())]
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
    blobs = (Path(f.locate()).read_bytes() for f in files if f.suffix != ".pyc")
    text = " ".join(blob.decode("latin-1") for blob in blobs)
    return " ".join(text.replace("\0", " ").split())


def misquotations() -> list[str]:
    """Quotations not listed in docs/.quotes.toml, or not found verbatim in the source listed."""
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


def orphan_records() -> list[str]:
    """Record files of no (example, database) pair that the tests run."""
    expected = {
        records.record_path(example.module, backend)
        for example in examples().values()
        for backend in example.backends
    }
    return [
        f"{records.relative(path)} records no example the tests run (the example or its "
        f"database is gone): `git rm {records.relative(path)}`"
        for path in records.all_record_files()
        if path not in expected
    ]


@dataclass(frozen=True)
class Database:
    backend: str
    url: str  # the test's own schema or database
    server_url: str  # the server it lives on (empty for SQLite), for rerunning by hand


def run_program(
    command: list[str], *, database: Database, cwd: Path, what: str, nodeid: str, reader: str
) -> str:
    """Run a reader's command against `url`; on failure say where, on what, and how to rerun."""
    import subprocess

    try:
        done = subprocess.run(
            command,
            cwd=cwd,
            env=runner.environment(database.url),
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired as expired:
        raise AssertionError(
            failure(what, database, f"still running after {TIMEOUT} s", expired, nodeid, reader)
        ) from None
    if done.returncode != 0:
        raise AssertionError(
            failure(what, database, f"exited with {done.returncode}", done, nodeid, reader)
        )
    return done.stdout


TIMEOUT = runner.TIMEOUT


def failure(what: str, database: Database, how: str, done: Any, nodeid: str, reader: str) -> str:
    def tail(stream: str | bytes | None) -> str:
        text = stream.decode() if isinstance(stream, bytes) else (stream or "")
        return "\n".join(text.rstrip().splitlines()[-30:]) or "(nothing)"

    by_hand = f"DATABASE_URL={shlex.quote(database.server_url)} " if database.server_url else ""
    return (
        f"{what} on {database.backend} {how}.\n"
        f"--- stdout ---\n{tail(done.stdout)}\n--- stderr ---\n{tail(done.stderr)}\n"
        f"Rerun just this case:  uv run pytest '{nodeid}'\n"
        f"Run it by hand:        {by_hand}{reader}"
    )


def compare_output(actual: str, expected: str, ignore_whitespace: bool, what: str) -> None:
    """Assert the output a page claims, with the page's own wording of the claim."""
    if ignore_whitespace:
        same = actual.split() == expected.split()
    else:
        same = actual.rstrip() == expected.rstrip()
    if not same:
        raise AssertionError(
            f"{what}: the output shown on the page is not what the code prints.\n"
            f"--- page says ---\n{expected.rstrip()}\n--- code printed ---\n{actual.rstrip()}\n"
            "Fix the expected output, or show the output with an ```output fence instead."
        )
