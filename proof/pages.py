"""The pages, read as MkDocs reads them: the one page reader of the build and the tests.

Each page is expanded with the pymdownx.snippets settings of mkdocs.yml, line by line so that
every expanded line knows the page line it came from. Every fenced block falls in one category:

* ``slice``: a python block cut from named sections of example files;
* ``listing``: a python block showing whole example files;
* ``command``: ``$ [VAR=value] [uv run [--group name]] python -m module`` lines, in a console block;
* ``output``: an ```` ```output ````, ```` ```differences ````, ```` ```timeline ```` or
  ```` ```verified-on ```` fence,
  filled from records;
* ``shown``: anything else. The policy (``proof.policy``) says which of those may be there.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import markdown
from mkdocs.config import load_config
from pymdownx.snippets import SnippetMissingError

from proof.examples import ROOT

DOCS = ROOT / "docs"
# `--8<-- "file"` or `--8<-- "file:section"`, the one pattern for an include line
INCLUDE = re.compile(r"""^\s*--8<--\s+(["'])(?P<file>[^"':]+)(?::(?P<section>[^"']+))?\1\s*$""")
FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
# `python -m module`, maybe after `uv run [--group name]` and environment variables
# (`DATABASE_URL=...`)
MODULE_COMMAND = re.compile(
    r"^(?:[A-Z_]+=\S+ )*(?P<uv>uv run (?:--group [\w-]+ )*)?"
    r"python -m (?P<module>\w+(?:\.\w+)+)(?P<args>(?: [\w.]+)*)$"
)


class PageError(Exception):
    """A page that cannot be expanded; the message says where and how to fix it."""


@dataclass(frozen=True)
class Include:
    file: str
    section: str | None  # a named section: a slice of the file


@dataclass(frozen=True)
class Block:
    page: str  # relative to docs/
    line: int  # the page line of the opening fence
    info: str
    code: str  # expanded, as the reader sees it
    includes: tuple[Include, ...]
    inline: bool  # some non-blank line was typed into the page rather than included

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
    def command_modules(self) -> list[str] | None:
        """The modules, if every ``$`` line of a console block is ``python -m module``. A line
        that ends in a backslash goes on in the next one, as in the shell."""
        lines: list[str] = []
        going_on = False
        for line in self.code.splitlines():
            if going_on:
                lines[-1] = f"{lines[-1][:-1].rstrip()} {line.strip()}"
            elif line.startswith("$ "):
                lines.append(line[2:].strip())
            going_on = bool(lines) and lines[-1].endswith("\\")
        matches = [MODULE_COMMAND.match(line) for line in lines]
        if self.lang != "console" or not matches or None in matches:
            return None
        return [
            name
            for m in matches
            if m
            for name in [m["module"], *m["args"].split()]
            if name == m["module"] or name.startswith("snippets.")
        ]

    @property
    def category(self) -> str:
        if self.lang in {"output", "differences", "timeline", "verified-on"}:
            return "output"
        if self.command_modules is not None:
            return "command"
        if self.lang in {"python", "py"} and self.includes:
            if all(i.section for i in self.includes):
                return "slice"
            if not any(i.section for i in self.includes):
                return "listing"
        return "shown"


@functools.cache
def snippets_settings() -> dict[str, Any]:
    """The pymdownx.snippets settings as MkDocs reads them from mkdocs.yml, run from the
    repository's root: base_path relative to it, wherever the tests run."""
    settings: dict[str, Any] = load_config(str(ROOT / "mkdocs.yml"))["mdx_configs"][
        "pymdownx.snippets"
    ]
    return settings | {"base_path": [str(ROOT / path) for path in settings["base_path"]]}


def _snippets(*, auto_append: bool) -> Any:
    settings = {k: v for k, v in snippets_settings().items() if auto_append or k != "auto_append"}
    md = markdown.Markdown(
        extensions=["pymdownx.snippets"], extension_configs={"pymdownx.snippets": settings}
    )
    return md.preprocessors["snippet"]


def expand(page: str, raw: list[str]) -> tuple[list[str], list[tuple[int, bool]]]:
    """The page as MkDocs expands it, and for each line: (page line, came from an include).
    What ``auto_append`` adds to every page maps to the page's last line."""
    lines: list[str] = []
    origin: list[tuple[int, bool]] = []
    for number, line in enumerate(raw, 1):
        try:
            out = _snippets(auto_append=False).run([line]) if "--8<--" in line else [line]
        except SnippetMissingError as error:
            raise PageError(broken_include(page, number, line, error)) from None
        lines += out
        origin += [(number, "--8<--" in line)] * len(out)
    whole = _snippets(auto_append=True).run(list(raw))
    if whole[: len(lines)] != lines:
        raise PageError(
            f'docs/{page}: an include spans several lines; use one `--8<-- "file:section"` '
            "line per include, so that failures can name the page line"
        )
    origin += [(len(raw), True)] * (len(whole) - len(lines))
    return whole, origin


def broken_include(page: str, number: int, line: str, error: Exception) -> str:
    hint = ""
    if m := INCLUDE.match(line):
        file = ROOT / m["file"]
        if not file.exists():
            hint = f" There is no file {m['file']}."
        elif m["section"]:
            found = sorted(set(re.findall(r"--8<-- \[start:([\w-]+)\]", file.read_text())))
            hint = f" {m['file']} has the sections: {', '.join(found) or 'none'}."
    return (
        f"docs/{page}:{number}: broken include {line.strip()!r}: {error}.{hint} Fix the file "
        "name or section, or add `# --8<-- [start:name]` / `# --8<-- [end:name]` to the file."
    )


def read_page(path: Path) -> list[Block]:
    """Every fenced block of a page, expanded, with the page line where it starts."""
    page = path.relative_to(DOCS).as_posix()
    raw = path.read_text(encoding="utf-8").split("\n")
    lines, origin = expand(page, raw)
    blocks, n = [], 0
    while n < len(lines):
        m = FENCE.match(lines[n])
        if m is None:
            n += 1
            continue
        end = n + 1
        closing = re.compile(rf"^\s*{re.escape(m['fence'][0])}{{{len(m['fence'])},}}\s*$")
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        body = range(n + 1, min(end, len(lines)))
        indent = len(m["indent"])
        from_page = [origin[i] for i in body if lines[i].strip()]
        include_lines = sorted({number for number, included in from_page if included})
        includes = [INCLUDE.match(raw[number - 1]) for number in include_lines]
        blocks.append(
            Block(
                page=page,
                line=origin[n][0],
                info=m["info"].strip(),
                code="\n".join(lines[i][indent:] for i in body),
                includes=tuple(Include(i["file"], i["section"]) for i in includes if i),
                inline=any(not included for _, included in from_page),
            )
        )
        n = end + 1
    return blocks


def pages() -> list[Path]:
    """The site's pages: docs/*.md (MkDocs leaves out dot folders such as docs/.includes/)."""
    return sorted(DOCS.glob("*.md"))


def url(page: str) -> str:
    """``lifecycle.md`` -> ``lifecycle/``, ``index.md`` -> ``""``: its path from the site root."""
    return "" if page == "index.md" else f"{page.removesuffix('.md')}/"


def site() -> tuple[dict[str, list[Block]], dict[str, str]]:
    """All blocks per page, and the pages that could not be read, with the reason. Read again
    only when a page changed: `mkdocs serve` asks on every rebuild."""
    return _site(tuple((p, p.stat().st_mtime_ns) for p in pages()))


@functools.lru_cache(maxsize=4)
def _site(stamped: tuple[tuple[Path, int], ...]) -> tuple[dict[str, list[Block]], dict[str, str]]:
    blocks: dict[str, list[Block]] = {}
    errors: dict[str, str] = {}
    for path, _ in stamped:
        name = path.relative_to(DOCS).as_posix()
        try:
            blocks[name] = read_page(path)
        except PageError as error:
            errors[name] = str(error)
    return blocks, errors


def all_blocks() -> list[Block]:
    return [block for page_blocks in site()[0].values() for block in page_blocks]


def listed_files() -> set[str]:
    """Every file some page shows whole."""
    return {i.file for b in all_blocks() if b.category == "listing" for i in b.includes}


def shown_on(module: str) -> list[str]:
    """Where the pages show an example's output."""
    return [b.where for b in all_blocks() if b.lang == "output" and b.code.strip() == module]


def drawn_on(module: str) -> list[str]:
    """Where the pages draw an example's pool events (a ```timeline fence)."""
    return [b.where for b in all_blocks() if b.lang == "timeline" and b.code.strip() == module]


def drawn() -> set[str]:
    """The examples whose pool events a page draws: they run under proof.recorder."""
    return {b.code.strip() for b in all_blocks() if b.lang == "timeline"}
