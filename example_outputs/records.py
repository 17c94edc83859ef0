"""What an example printed on a database, kept as a text file under ``records/``.

A record is fresh while its key matches: a hash of the example's source (and of the snippets
modules it imports) and of the versions ``uv.lock`` pins for the project's runtime packages.
Outputs are compared after replacing what varies by nature between runs; that list lives in
``records/varying.toml`` and nowhere else.
"""

from __future__ import annotations

import ast
import dataclasses
import difflib
import functools
import hashlib
import os
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RECORDS = ROOT / "records"
SNIPPETS = ROOT / "snippets"
LOCK = ROOT / "uv.lock"
VARYING = RECORDS / "varying.toml"
PROJECT = "pooling-verified"  # the [project] name in pyproject.toml and uv.lock
# the order of the tabs on the pages; PgBouncer, in front of PostgreSQL, only where declared
DATABASES = ("postgresql", "mysql", "sqlite", "pgbouncer")
DEFAULT_DATABASES = ("postgresql", "mysql", "sqlite")  # without a '# backends:' line
OUTPUT_MARK = "--- output ---"
REFRESH = "uv run pytest --refresh-records"


class RecordError(Exception):
    """A record file that cannot be read; the message names it and says how to fix it."""


@dataclass(frozen=True)
class Record:
    example: str  # the module, snippets.session_pool.bad_no_pooling
    database: str  # postgresql, mysql or sqlite
    server: str  # the product and version that answered, "MariaDB 10.11.14"
    python: str
    libraries: str  # SQLAlchemy and the driver, with their versions
    recorded: str  # the date, ISO 8601
    exit_status: int
    duration: float  # seconds, interpreter start included
    key: str
    output: str  # stdout, exactly

    HEADER = (
        ("example", "example"),
        ("database", "database"),
        ("server", "server"),
        ("python", "python"),
        ("libraries", "libraries"),
        ("recorded", "recorded"),
        ("exit status", "exit_status"),
        ("duration", "duration"),
        ("key", "key"),
    )

    @property
    def path(self) -> Path:
        return record_path(self.example, self.database)

    @property
    def series(self) -> str:
        return server_series(self.server)

    def to_text(self) -> str:
        values = dataclasses.asdict(self)
        values["duration"] = f"{self.duration:.2f} s"
        width = max(len(label) for label, _ in self.HEADER) + 2
        header = "".join(f"{label + ':':<{width}}{values[field]}\n" for label, field in self.HEADER)
        return f"{header}{OUTPUT_MARK}\n{self.output}"

    @classmethod
    def from_text(cls, text: str, path: Path) -> Record:
        head, mark, output = text.partition(f"\n{OUTPUT_MARK}\n")
        fields = {field: label for label, field in cls.HEADER}
        values: dict[str, str] = {}
        for line in head.splitlines():
            label, _, value = line.partition(":")
            values[label.strip()] = value.strip()
        missing = [label for label in fields.values() if label not in values]
        if not mark or missing:
            raise RecordError(
                f"{relative(path)} is not a record (missing: {', '.join(missing) or OUTPUT_MARK})."
                f" Delete it and run `{REFRESH}` to record it again."
            )
        return cls(
            example=values["example"],
            database=values["database"],
            server=values["server"],
            python=values["python"],
            libraries=values["libraries"],
            recorded=values["recorded"],
            exit_status=int(values["exit status"]),
            duration=float(values["duration"].removesuffix(" s")),
            key=values["key"],
            output=output,
        )

    def write(self) -> None:
        """Write the file atomically: a build reading records meanwhile never sees half of it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        partial.write_text(self.to_text(), encoding="utf-8")
        partial.replace(self.path)


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


def record_path(example: str, database: str) -> Path:
    """records/session_pool/bad_no_pooling.postgresql.txt for snippets.session_pool.x."""
    parts = example.split(".")[1:]
    return RECORDS.joinpath(*parts[:-1], f"{parts[-1]}.{database}.txt")


def load(example: str, database: str) -> Record | None:
    path = record_path(example, database)
    return read(path) if path.exists() else None


def read(path: Path) -> Record:
    return _read(path, path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=4096)
def _read(path: Path, _mtime: int) -> Record:
    """Parsed once per version of the file: `mkdocs serve` rebuilds read it again and again."""
    return Record.from_text(path.read_text(encoding="utf-8"), path)


def all_record_files() -> Iterator[Path]:
    yield from sorted(RECORDS.rglob("*.txt"))


def server_series(server: str) -> str:
    """The product and major version a record compares across: PostgreSQL 15, MariaDB 10.11.

    PostgreSQL numbers its major versions with one number since 10; MySQL, MariaDB and SQLite
    with two (8.4, 10.11, 3.40).
    """
    product, _, version = server.partition(" ")
    numbers = version.split(".")
    keep = 1 if product == "PostgreSQL" else 2
    return f"{product} {'.'.join(numbers[:keep])}".strip()


# -- the key: the example's source and the locked versions ---------------------------


def module_file(module: str) -> Path:
    return ROOT.joinpath(*module.split(".")).with_suffix(".py")


def source_files(module: str) -> list[Path]:
    """The example's file and every snippets module it imports, directly or not."""
    found: dict[str, Path] = {}
    pending = [module]
    while pending:
        name = pending.pop()
        path = module_file(name)
        if name in found or not path.exists():
            continue
        found[name] = path
        pending += _imports(path, path.stat().st_mtime_ns)
    return [found[name] for name in sorted(found)]


def words(module: str) -> set[str]:
    """Every word of the example and its snippets modules: the drivers it imports or names."""
    return {w for path in source_files(module) for w in re.findall(r"\w+", path.read_text())}


@functools.lru_cache(maxsize=1024)
def _imports(path: Path, _mtime: int) -> list[str]:
    """The modules a file imports, and the names it imports from them (maybe modules too)."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
    return names


def example_key(module: str) -> str:
    digest = hashlib.sha256()
    for path in source_files(module):
        digest.update(f"{relative(path)}\0".encode())
        digest.update(path.read_bytes().replace(b"\r\n", b"\n"))  # the same on any checkout
    for pin in locked_runtime_versions(LOCK.stat().st_mtime_ns):
        digest.update(f"{pin}\0".encode())
    return digest.hexdigest()[:16]


@functools.cache
def locked_runtime_versions(_mtime: int) -> tuple[str, ...]:
    """name==version for every package uv.lock installs for the project itself (no dev tools).

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
            extra = str(dependency.get("extra", ""))
            if (f"{name}=={package.get('version')}", extra) in seen:
                continue
            seen.add((f"{name}=={package.get('version')}", extra))
            if name != PROJECT:
                pins.add(f"{name}=={package['version']}")
            pending += package.get("dependencies", [])  # type: ignore[arg-type]
            for extra_name in dependency.get("extra", []):  # type: ignore[attr-defined]
                pending += package.get("optional-dependencies", {})[extra_name]  # type: ignore[index]
    return tuple(sorted(pins))


# -- outputs as snapshots ----------------------------------------------------------------


@dataclass(frozen=True)
class Varying:
    what: str
    pattern: re.Pattern[str]


def varying() -> list[Varying]:
    return _varying(VARYING.stat().st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _varying(_mtime: int) -> list[Varying]:
    declared = tomllib.loads(VARYING.read_text(encoding="utf-8"))
    return [Varying(v["what"], re.compile(v["pattern"])) for v in declared["varies"]]


def normalized(output: str) -> str:
    """The output with every part that varies by nature replaced by <what varies>."""
    for rule in varying():

        def placeholder(match: re.Match[str], what: str = rule.what) -> str:
            if "v" not in match.re.groupindex:
                return f"<{what}>"
            start, end = match.span("v")
            whole = match.group(0)
            return f"{whole[: start - match.start()]}<{what}>{whole[end - match.start() :]}"

        output = rule.pattern.sub(placeholder, output)
    return output


def difference(recorded: Record, printed: str) -> str:
    """A diff of the recorded and the new output beyond what varies; empty when they agree."""
    before, after = normalized(recorded.output), normalized(printed)
    if before == after:
        return ""
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=f"{relative(recorded.path)} (recorded {recorded.recorded})",
            tofile="printed now",
        )
    )
