"""The examples: modules under ``snippets/`` with a ``main()``. Module, file, record and
anchor of an example are computed here and nowhere else.

An example that applies only to some databases says so in a comment line that readers see
too, ``# databases: postgresql, mysql``; without one it runs on PostgreSQL, MySQL and SQLite.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from proof.databases import DATABASES

ROOT = Path(__file__).resolve().parent.parent
SNIPPETS = ROOT / "snippets"
RECORDS = ROOT / "records"
LOCK = ROOT / "uv.lock"
PROJECT = "pooling-verified"  # the [project] name in pyproject.toml and uv.lock
RUNTIME_GROUP = "compiled-drivers"  # a dependency group the examples need at run time
DATABASES_LINE = re.compile(r"^# databases: (?P<names>.+)$", re.MULTILINE)


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

    def record_path(self, database: str) -> Path:
        """``records/session_pool/lifecycle/pool_events.postgresql.txt``."""
        *folders, last = self.module.split(".")[1:]
        return RECORDS.joinpath(*folders, f"{last}.{database}.txt")

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

    def key(self) -> str:
        """A hash of its source files and of the runtime versions uv.lock pins: a record
        made under another key is stale."""
        digest = hashlib.sha256()
        for path in self.source_files():
            digest.update(f"{path.relative_to(ROOT).as_posix()}\0".encode())
            digest.update(path.read_bytes().replace(b"\r\n", b"\n"))  # the same on any checkout
        for pin in locked_runtime_versions(LOCK.stat().st_mtime_ns):
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


@functools.cache
def locked_runtime_versions(_mtime: int) -> tuple[str, ...]:
    """name==version of every package uv.lock installs for the project itself and its
    ``RUNTIME_GROUP`` (no dev tools).

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
                pending += package.get("dev-dependencies", {})[RUNTIME_GROUP]  # type: ignore[index]
            pending += package.get("dependencies", [])  # type: ignore[arg-type]
            for extra_name in dependency.get("extra", []):  # type: ignore[attr-defined]
                pending += package.get("optional-dependencies", {})[extra_name]  # type: ignore[index]
    return tuple(sorted(pins))
