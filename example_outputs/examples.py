"""The examples: modules under ``snippets/`` with a ``main()``, and the databases each declares.

An example that applies only to some databases says so in a comment line that readers see too,
``# backends: postgresql, mysql``; without one it runs on all three.
"""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass
from pathlib import Path

from example_outputs.records import DATABASES, DEFAULT_DATABASES, ROOT, SNIPPETS

BACKENDS_LINE = re.compile(r"^# backends: (?P<names>.+)$", re.MULTILINE)


@dataclass(frozen=True)
class Example:
    module: str
    path: Path
    backends: tuple[str, ...]

    @property
    def file(self) -> str:
        return self.path.relative_to(ROOT).as_posix()


def declared_backends(code: str) -> tuple[str, ...]:
    """The databases a ``# backends:`` line names, in tab order; the three by default."""
    m = BACKENDS_LINE.search(code)
    if m is None:
        return DEFAULT_DATABASES
    names = {n.strip() for n in m.group("names").split(",")}
    unknown = names - set(DATABASES)
    if unknown:
        raise ValueError(f"'# backends:' names {sorted(unknown)}; known: {', '.join(DATABASES)}")
    return tuple(d for d in DATABASES if d in names)


@functools.cache
def examples() -> dict[str, Example]:
    found = {}
    for path in sorted(SNIPPETS.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        if any(isinstance(n, ast.FunctionDef) and n.name == "main" for n in tree.body):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[module] = Example(module, path, declared_backends(source))
    return found
