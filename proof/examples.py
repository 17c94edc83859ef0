"""The examples: modules under ``snippets/`` with a ``main()``. Module, file, record and
anchor of an example are computed here and nowhere else.

An example that applies only to some databases says so in a comment line that readers see
too, ``# databases: postgresql, mysql``; without one it runs on PostgreSQL, MySQL and SQLite.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.metadata
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import Marker

from proof.databases import DATABASES

ROOT = Path(__file__).resolve().parent.parent
SNIPPETS = ROOT / "snippets"
RECORDS = ROOT / "records"
LOCK = ROOT / "uv.lock"
PROJECT = "pooling-verified"  # the [project] name in pyproject.toml and uv.lock
RUNTIME_GROUP = "compiled-drivers"  # a dependency group the examples need at run time
DATABASES_LINE = re.compile(r"^# databases: (?P<names>.+)$", re.MULTILINE)


@dataclass(frozen=True)
class Toolchain:
    """The Python and the SQLAlchemy (major.minor) examples run with.

    The pages show the runs on ``SITE``'s; runs on another are kept beside them, under
    ``records/<name>/``, and a page says where they printed something else. uv.lock pins each
    SQLAlchemy in a dependency group of its own (``sqlalchemy-2-1``, ``sqlalchemy-2-0``)."""

    python: str  # "3.11"
    sqlalchemy: str  # "2.1"

    @property
    def name(self) -> str:
        """``python-3.13``, ``sqlalchemy-2.0``; empty for the site's own."""
        parts = [
            f"python-{self.python}" if self.python != SITE.python else "",
            f"sqlalchemy-{self.sqlalchemy}" if self.sqlalchemy != SITE.sqlalchemy else "",
        ]
        return "-".join(part for part in parts if part)

    @property
    def label(self) -> str:
        """As a page names it: ``Python 3.13``, ``SQLAlchemy 2.0``."""
        parts = [
            f"Python {self.python}" if self.python != SITE.python else "",
            f"SQLAlchemy {self.sqlalchemy}" if self.sqlalchemy != SITE.sqlalchemy else "",
        ]
        return ", ".join(part for part in parts if part) or "the site's"

    @property
    def records(self) -> Path:
        return RECORDS / self.name if self.name else RECORDS

    @property
    def group(self) -> str:
        """The dependency group that pins its SQLAlchemy: ``sqlalchemy-2-1``."""
        return "sqlalchemy-" + self.sqlalchemy.replace(".", "-")

    @classmethod
    def of(cls, python: str, sqlalchemy: str) -> Toolchain:
        """From full versions: ``3.13.0``, ``2.0.59``."""
        return cls(*(".".join(v.split(".")[:2]) for v in (python, sqlalchemy)))


SITE = Toolchain("3.11", "2.1")  # the records/ the pages show, and the line ending each page
# The others CI runs the examples on (.ci/run); their records are kept under records/<name>/.
OTHER_TOOLCHAINS = (Toolchain("3.13", "2.1"), Toolchain("3.11", "2.0"))


def running() -> Toolchain:
    """The toolchain of this interpreter and its installed SQLAlchemy."""
    python = ".".join(map(str, sys.version_info[:2]))
    return Toolchain.of(python, importlib.metadata.version("sqlalchemy"))


@dataclass(frozen=True)
class Example:
    module: str  # snippets.session_pool.lifecycle.pool_events

    @classmethod
    def of_file(cls, file: str) -> Example:
        """``snippets/session_pool/x.py`` -> the example ``snippets.session_pool.x``."""
        return cls(file.removesuffix(".py").replace("/", "."))

    @property
    def path(self) -> Path:
        return ROOT.joinpath(*self.module.split(".")).with_suffix(".py")

    @property
    def file(self) -> str:
        """As pages include it: ``snippets/session_pool/lifecycle/pool_events.py``."""
        return self.path.relative_to(ROOT).as_posix()

    @property
    def name(self) -> str:
        """Short, for test ids: ``lifecycle.pool_events``."""
        return self.module.removeprefix("snippets.session_pool.")

    @property
    def anchor(self) -> str:
        """The id of its whole listing on a page: ``file-lifecycle-pool_events``."""
        return "file-" + self.name.replace(".", "-")

    @property
    def databases(self) -> tuple[str, ...]:
        return declared_databases(self.path.read_text(encoding="utf-8"))

    def record_path(self, database: str, toolchain: Toolchain = SITE) -> Path:
        """``records/session_pool/lifecycle/pool_events.postgresql.txt``; on another
        toolchain ``records/python-3.13/session_pool/...``."""
        *folders, last = self.module.split(".")[1:]
        return toolchain.records.joinpath(*folders, f"{last}.{database}.txt")

    def source_files(self) -> list[Path]:
        """The example's file and every snippets module it imports, directly or not."""
        found: dict[str, Path] = {}
        pending = [self.module]
        while pending:
            name = pending.pop()
            path = Example(name).path
            if name in found or not path.exists():
                continue
            found[name] = path
            pending += _imports(path, path.stat().st_mtime_ns)
        return [found[name] for name in sorted(found)]

    def words(self) -> set[str]:
        """Every word of its source files: the drivers it imports or names in a URL."""
        return {w for p in self.source_files() for w in re.findall(r"\w+", p.read_text())}

    def key(self, toolchain: Toolchain = SITE) -> str:
        """A hash of its source files and of the runtime versions uv.lock pins for the
        toolchain's SQLAlchemy: a record made under another key is stale."""
        digest = hashlib.sha256()
        for path in self.source_files():
            digest.update(f"{path.relative_to(ROOT).as_posix()}\0".encode())
            digest.update(path.read_bytes().replace(b"\r\n", b"\n"))  # the same on any checkout
        for pin in locked_runtime_versions(LOCK.stat().st_mtime_ns, toolchain.group):
            digest.update(f"{pin}\0".encode())
        return digest.hexdigest()[:16]


def declared_databases(code: str) -> tuple[str, ...]:
    """The databases a ``# databases:`` line names, in tab order; by default the three."""
    m = DATABASES_LINE.search(code)
    if m is None:
        return tuple(name for name, d in DATABASES.items() if d.by_default)
    names = {n.strip() for n in m["names"].split(",")}
    unknown = names - set(DATABASES)
    if unknown:
        raise ValueError(f"'# databases:' names {sorted(unknown)}; known: {', '.join(DATABASES)}")
    return tuple(name for name in DATABASES if name in names)


def examples() -> dict[str, Example]:
    """Every example by module, in file order."""
    found = {}
    for path in sorted(SNIPPETS.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if any(isinstance(n, ast.FunctionDef) and n.name == "main" for n in tree.body):
            example = Example.of_file(path.relative_to(ROOT).as_posix())
            found[example.module] = example
    return found


@functools.lru_cache(maxsize=1024)
def _imports(path: Path, _mtime: int) -> list[str]:
    """The modules a file imports, and the names it imports from them (maybe modules too)."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names += [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
    return names


def _in_group(dependency: dict[str, object], group: str) -> bool:
    """Whether uv installs a dependency with the SQLAlchemy `group`: uv.lock marks the
    dependencies that differ between conflicting groups with an ``extra`` marker. Other
    markers (platforms) are ignored: a key is the same on every machine."""
    marker = str(dependency.get("marker", ""))
    if "extra" not in marker:
        return True
    return Marker(marker).evaluate({"extra": f"group-{len(PROJECT)}-{PROJECT}-{group}"})


@functools.cache
def locked_runtime_versions(_mtime: int, group: str) -> tuple[str, ...]:
    """name==version of every package uv.lock installs for the project itself, its
    ``RUNTIME_GROUP`` and the SQLAlchemy `group` (no dev tools).

    Cached per modification time of uv.lock, so `mkdocs serve` notices a new lock.
    """
    lock = tomllib.loads(LOCK.read_text(encoding="utf-8"))
    packages: dict[str, list[dict[str, object]]] = {}
    for package in lock["package"]:
        packages.setdefault(package["name"], []).append(package)
    pins: set[str] = set()
    pending: list[dict[str, object]] = [{"name": PROJECT}]
    seen: set[tuple[str, str]] = set()
    while pending:
        dependency = pending.pop()
        if not _in_group(dependency, group):
            continue
        name = str(dependency["name"])
        for package in packages[name]:
            if "version" in dependency and dependency["version"] != package.get("version"):
                continue
            pin = f"{name}=={package.get('version')}"
            if (pin, str(dependency.get("extra", ""))) in seen:
                continue
            seen.add((pin, str(dependency.get("extra", ""))))
            if name != PROJECT:
                pins.add(pin)
            else:
                groups = package.get("dev-dependencies", {})
                pending += groups[RUNTIME_GROUP] + groups[group]  # type: ignore[index]
            pending += package.get("dependencies", [])  # type: ignore[arg-type]
            for extra_name in dependency.get("extra", []):  # type: ignore[attr-defined]
                pending += package.get("optional-dependencies", {})[extra_name]  # type: ignore[index]
    return tuple(sorted(pins))
