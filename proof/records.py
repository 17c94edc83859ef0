"""What an example printed on a database, kept as a text file under ``records/``.

A record is fresh while its key (``Example.key``) matches. Outputs are compared after replacing
what varies by nature between runs; that list lives in ``records/varying.toml`` only.
``verdict`` decides, without side effects, what a new run does to its record.
"""

from __future__ import annotations

import difflib
import functools
import os
import re
import subprocess
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path

from proof import events
from proof.examples import RECORDS, ROOT, SITE, Example, Toolchain

VARYING = RECORDS / "varying.toml"
OUTPUT_MARK = "--- output ---"
EVENTS_MARK = "--- events ---"  # after the output, its pools' events: proof.events


class RecordError(Exception):
    """A record file that cannot be read; the message names it and says how to fix it."""


@dataclass(frozen=True)
class Record:
    example: str  # the module, snippets.session_pool.bad_no_pooling
    database: str  # postgresql, mysql, sqlite or pgbouncer
    server: str  # the product and version that answered, "MariaDB 10.11.14"
    python: str
    libraries: str  # SQLAlchemy and the driver, with their versions
    recorded: str  # the date, ISO 8601
    exit_status: int
    duration: float  # seconds, interpreter start included
    key: str
    output: str  # stdout, exactly
    events: str = ""  # its pools' events, if a page draws it (proof.events)

    @property
    def toolchain(self) -> Toolchain:
        """From its Python and the SQLAlchemy its libraries name first."""
        sqlalchemy = self.libraries.split(", ")[0].removeprefix("SQLAlchemy ")
        return Toolchain.of(self.python, sqlalchemy)

    @property
    def path(self) -> Path:
        return Example(self.example).record_path(self.database, self.toolchain)

    @property
    def series(self) -> str:
        """The product and major version records compare across: PostgreSQL 15, MariaDB 10.11.
        PostgreSQL numbers major versions with one number since 10; the others with two."""
        product, _, number = self.server.partition(" ")
        keep = 1 if product == "PostgreSQL" else 2
        return f"{product} {'.'.join(number.split('.')[:keep])}".strip()

    def to_text(self) -> str:
        """A header line per field but the output (its name, with spaces), then the output, and
        its events, if any, after a line of their own: the output keeps every byte it had."""
        values = {**vars(self), "duration": f"{self.duration:.2f} s"}
        head = "".join(f"{name.replace('_', ' ') + ':':<13}{values[name]}\n" for name in HEADER)
        events = f"\n{EVENTS_MARK}\n{self.events}" if self.events else ""
        return f"{head}{OUTPUT_MARK}\n{self.output}{events}"

    @classmethod
    def from_text(cls, text: str, path: Path) -> Record:
        head, mark, rest = text.partition(f"\n{OUTPUT_MARK}\n")
        output, _, events = rest.partition(f"\n{EVENTS_MARK}\n")
        lines = (line.partition(":") for line in head.splitlines())
        values = {label.strip().replace(" ", "_"): value.strip() for label, _, value in lines}
        missing = [name for name in HEADER if name not in values]
        if not mark or missing:
            raise RecordError(
                f"{relative(path)} is not a record (missing: {', '.join(missing) or OUTPUT_MARK})."
                " Delete it and run `uv run pytest --refresh-records` to record it again."
            )
        values["duration"] = values["duration"].removesuffix(" s")
        typed = {f.name: f.type for f in fields(cls)}  # "str", "int", "float"
        convert = {"int": int, "float": float, "str": str}
        header = {n: convert[str(typed[n])](values[n]) for n in HEADER}
        return cls(**header, output=output, events=events)

    def write(self) -> None:
        """Write the file atomically: a build reading records meanwhile never sees half of it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        partial.write_text(self.to_text(), encoding="utf-8")
        partial.replace(self.path)


HEADER = [f.name for f in fields(Record) if f.name not in {"output", "events"}]  # in file order


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


def load(example: Example, database: str, toolchain: Toolchain = SITE) -> Record | None:
    path = example.record_path(database, toolchain)
    return read(path) if path.exists() else None


def read(path: Path) -> Record:
    return _read(path, path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=4096)
def _read(path: Path, _mtime: int) -> Record:
    """Parsed once per version of the file: `mkdocs serve` rebuilds read it again and again."""
    return Record.from_text(path.read_text(encoding="utf-8"), path)


def all_record_files(toolchain: Toolchain | None = None) -> Iterator[Path]:
    """The records of one toolchain, or of every toolchain."""
    found = RECORDS.rglob("*.txt")
    yield from sorted(p for p in found if toolchain is None or _folder(p) == toolchain.name)


def _folder(path: Path) -> str:
    """The name of the toolchain whose folder holds a record: ``python-3.13``, or ``""``."""
    first = path.relative_to(RECORDS).parts[0]
    return first if first.startswith(("python-", "sqlalchemy-")) else ""


def _git(*args: str) -> str | None:
    """What a git command prints in the repository, or None without git or a checkout."""
    try:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    except OSError:
        return None
    return None if done.returncode else done.stdout


def outputs(path: Path, *, changed: bool = True) -> list[str]:
    """What a record holds now and, if it was changed since, what it held when committed.

    The publish workflow (README) replaces the MySQL records with MySQL 8.4's before it builds;
    text that pages take from the committed records, MariaDB's, is still checked against
    those. ``changed=False`` says that git lists no change to the file: no need to ask it."""
    now = read(path).output
    committed = _git("show", f"HEAD:{relative(path)}") if changed else None
    if committed is None or f"\n{OUTPUT_MARK}\n" not in committed:
        return [now]
    before = Record.from_text(committed, path).output
    return [now] if before == now else [now, before]


def unwrapped(output: str, start: str) -> str | None:
    """The text an output holds from `start` (where it first begins) to the end of its line, as
    the program meant it: outputs wrap a long line to fit the page, the rest indented deeper,
    so the line is joined with those, whitespace collapsed."""
    lines = [line for line in output.splitlines() if line.strip()]
    depth = [len(line) - len(line.lstrip()) for line in lines]
    for n, line in enumerate(lines):
        end = n + 1
        while end < len(lines) and depth[end] > depth[n]:
            end += 1
        joined = " ".join(" ".join(lines[n:end]).split())
        at = joined.find(start)
        if 0 <= at < len(" ".join(line.split())):  # it begins on this line
            return joined[at:]
    return None


def changed_record_files() -> set[Path]:
    """The records that differ from their committed version (none outside a git checkout)."""
    status = _git("status", "--porcelain", "--", relative(RECORDS)) or ""
    return {ROOT / line[3:] for line in status.splitlines() if "M" in line[:2]}


# -- outputs as snapshots ----------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _varying(_mtime: int, table: str) -> list[tuple[str, re.Pattern[str]]]:
    declared = tomllib.loads(VARYING.read_text(encoding="utf-8"))
    return [(v["what"], re.compile(v["pattern"])) for v in declared[table]]


def normalized(output: str, table: str = "varies") -> str:
    """The output with every part that varies by nature replaced by <what varies>; a pattern
    with a group named v replaces that group only. With ``table="toolchain"``, the versions
    that name a toolchain are replaced too (records/varying.toml says which)."""
    tables = ["varies", "toolchain"] if table == "toolchain" else ["varies"]
    for what, pattern in (p for t in tables for p in _varying(VARYING.stat().st_mtime_ns, t)):

        def placeholder(m: re.Match[str], what: str = what) -> str:
            if "v" not in m.re.groupindex:
                return f"<{what}>"
            start, end = m.start("v") - m.start(), m.end("v") - m.start()
            return f"{m[0][:start]}<{what}>{m[0][end:]}"

        output = pattern.sub(placeholder, output)
    return output


def changes(site: str, other: str) -> list[str]:
    """How another toolchain's output differs from the site's, as diff lines: ``-`` the
    site's, ``+`` the other's, a line of context (the other's) each side, ``...`` between. Lines
    are compared as ``normalized(line, "toolchain")``; none when they agree."""
    before, after = site.splitlines(), other.splitlines()
    matcher = difflib.SequenceMatcher(
        None,
        [normalized(line, "toolchain") for line in before],
        [normalized(line, "toolchain") for line in after],
        autojunk=False,
    )
    lines: list[str] = []
    for group in matcher.get_grouped_opcodes(1):
        if all(tag == "equal" for tag, *_ in group):
            continue
        lines += ["..."] if lines else []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [f" {line}" for line in after[j1:j2]]
            else:
                lines += [f"-{line}" for line in before[i1:i2]]
                lines += [f"+{line}" for line in after[j1:j2]]
    return lines


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


@functools.lru_cache(maxsize=8)
def _event_variations(_mtime: int) -> dict[str, tuple[str, ...]]:
    declared = tomllib.loads(VARYING.read_text(encoding="utf-8")).get("events", [])
    found = {}
    for entry in declared:
        unknown = sorted(set(entry.get("varies", [])) - set(events.VARIES))
        if unknown or not entry.get("varies") or not entry.get("why"):
            raise RecordError(
                f"{relative(VARYING)}: [[events]] for {entry.get('example')}: name what varies "
                f"(varies = [...], of {', '.join(events.VARIES)}; not {unknown}) and say why "
                "(why = ...)"
            )
        found[entry["example"]] = tuple(entry["varies"])
    return found


def event_variations(example: str) -> tuple[str, ...]:
    """What records/varying.toml declares that threads make vary in an example's events."""
    return _event_variations(VARYING.stat().st_mtime_ns).get(example, ())


def events_difference(recorded: Record, new: Record) -> str:
    """A diff of the compared part of two runs' pool events (``events.compared``), when both
    have them; empty when they agree."""
    if not (recorded.events and new.events):
        return ""
    varying = event_variations(new.example)
    return events.difference(recorded.events, new.events, varying, relative(recorded.path))


# -- what a run does to its record -------------------------------------------------------


@dataclass(frozen=True)
class Mode:
    refresh: bool = False  # write every run, whatever it printed and wherever it ran
    check_only: bool = False  # CI: a missing or stale record fails, nothing is written
    other_servers: bool = False  # replace a record made on another server series


@dataclass(frozen=True)
class Verdict:
    write: bool
    failure: str = ""  # why the run fails; the caller adds how to rerun it
    note: str = ""  # what happened to the record, for the summary


def verdict(old: Record | None, new: Record, mode: Mode) -> Verdict:
    """What a new run does to its record, from the old record, the run and the mode.

    * Same server series: the output must match, apart from what varies, even when the
      example changed (a stale record: a new key never hides a change in behaviour).
    * Missing or stale: written, except with ``check_only`` (CI), where it fails.
    * Another server series: not compared, and written only with ``other_servers``.
    """
    path = relative(new.path)
    if mode.refresh:
        return Verdict(True, note=f"refreshed {path}")
    if old is None:
        return _unless_ci(mode, f"{path} is missing", f"wrote {path} (missing)")
    stale = old.key != new.key
    if old.series != new.series:
        verdict = "replaced" if mode.other_servers else "not compared"
        note = f"{verdict}: {path} was recorded on {old.server}, this run on {new.server}"
        if stale and mode.check_only:
            return _unless_ci(mode, f"{path} is stale (recorded {old.recorded})", note)
        return Verdict(mode.other_servers, note=note)
    diff = difference(old, new.output) or events_difference(old, new)
    if diff:
        return Verdict(
            False,
            f"python -m {new.example} on {new.database} ({new.server}) printed something other "
            f"than its record ({relative(VARYING)} lists what may vary):\n{diff}",
        )
    if stale:
        return _unless_ci(
            mode, f"{path} is stale (recorded {old.recorded})", f"wrote {path} (stale, same output)"
        )
    if bool(old.events) != bool(new.events):
        drawn = "a page draws it now" if new.events else "no page draws it any more"
        return _unless_ci(
            mode,
            f"{path} {'lacks' if new.events else 'has'} pool events: {drawn}",
            f"wrote {path} ({drawn})",
        )
    return Verdict(False)


def _unless_ci(mode: Mode, problem: str, note: str) -> Verdict:
    """Write the record, or with ``check_only`` (CI) fail, saying how to record it."""
    if not mode.check_only:
        return Verdict(True, note=note)
    return Verdict(
        False,
        f"{problem}: the example or the versions in uv.lock changed since, and CI only checks "
        "records. Record it again where the servers are (the command below, without CI set), then "
        "review and commit records/. An output that changed fails there with its diff.",
    )
