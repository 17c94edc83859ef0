"""What a reader installs to run a program that a page shows whole: its ``pip install`` line.

Derived from the file alone, the same way for every file:

* the top-level modules it imports, anywhere in it;
* for an example, for each database it runs on (its ``# databases:`` line), the DBAPI module
  of the URL a reader's command gives (``databases.Database.reader_url``: psycopg, PyMySQL);
* the drivers it names for one of those databases without importing them, such as the asyncio
  drivers an async example builds into its URL (``databases.IMPORTED_DRIVERS``, which gives
  their distributions).

Each module maps to the distribution that installs it
(``importlib.metadata.packages_distributions()``), or, where none is installed (reading the
site installs the ``docs`` group only), to the pyproject.toml requirement of its name; the
standard library needs nothing. A program that imports a package of this repository
(``proof``) runs from a clone only.

A distribution is written as pyproject.toml requires it, with its extras (``psycopg[binary]``),
without versions: what the tests ran with, as the line that ends every page names it.
"""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import re
import sys
import tomllib
from dataclasses import dataclass

from sqlalchemy import make_url

from proof.databases import DATABASES, IMPORTED_DRIVERS
from proof.examples import ROOT, declared_databases

PYPROJECT = ROOT / "pyproject.toml"
REQUIREMENT = re.compile(r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[(?P<extras>[^\]]*)\])?")


def canonical(name: str) -> str:
    """A distribution's name as pip compares them (PEP 503): ``PyMySQL`` -> ``pymysql``."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Needs:
    """What a program needs besides Python."""

    file: str
    distributions: tuple[str, ...]  # pip requirements: ``psycopg[binary]``
    repository: tuple[str, ...]  # packages of this repository it imports
    unknown: tuple[str, ...]  # modules no installed distribution provides
    groups: tuple[str, ...]  # dependency groups a reader's `uv run` must name to install them

    def pip(self) -> list[str]:
        """``pip install``, ``sqlalchemy``, ``"psycopg[binary]"``: the words of the command
        that installs them, brackets quoted for every shell."""
        return ["pip install", *(f'"{d}"' if "[" in d else d for d in self.distributions)]


@functools.cache
def declared() -> dict[str, tuple[int, str, tuple[str, ...]]]:
    """pyproject.toml's requirements by canonical name: (order, name, extras). The project's
    dependencies first, then its dependency groups'."""
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    specs = list(project["project"]["dependencies"])
    for group in project.get("dependency-groups", {}).values():
        specs += [spec for spec in group if isinstance(spec, str)]
    found: dict[str, tuple[int, str, tuple[str, ...]]] = {}
    for spec in specs:
        m = REQUIREMENT.match(spec)
        if m and canonical(m["name"]) not in found:
            extras = tuple(e.strip() for e in (m["extras"] or "").split(",") if e.strip())
            found[canonical(m["name"])] = (len(found), m["name"], extras)
    return found


@functools.cache
def _group_of() -> dict[str, str]:
    """Canonical name -> the dependency group that requires it, for distributions that are no
    dependency of the project itself (``psycopg2`` -> ``compiled-drivers``)."""
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    own = {canonical(spec) for spec in _names(project["project"]["dependencies"])}
    found: dict[str, str] = {}
    for group, specs in project.get("dependency-groups", {}).items():
        for name in _names(specs):
            if canonical(name) not in own:
                found.setdefault(canonical(name), group)
    return found


def _names(specs: list[object]) -> list[str]:
    """The distribution names of requirement strings (a group's ``include-group`` is none)."""
    return [m["name"] for s in specs if isinstance(s, str) and (m := REQUIREMENT.match(s))]


def python() -> str:
    """The Python pyproject.toml requires, in words: ``>=3.11`` -> ``Python 3.11 or newer``."""
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    wanted = str(project["requires-python"])
    return f"Python {wanted[2:]} or newer" if wanted.startswith(">=") else f"Python {wanted}"


@functools.cache
def _installed() -> dict[str, list[str]]:
    """Top-level module -> the distributions that install it (reads every installed one)."""
    return dict(importlib.metadata.packages_distributions())


def imported(source: str) -> list[str]:
    """The top-level modules a program imports, anywhere in it, in order."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append(node.module.split(".")[0])
    return found


def driver_module(url: str) -> str:
    """The DBAPI module SQLAlchemy imports for a URL: ``postgresql+psycopg://`` -> psycopg."""
    dbapi = make_url(url).get_dialect().import_dbapi()
    return str(dbapi.__name__).split(".")[0]


def needs(file: str) -> Needs:
    """What the program in ``file`` (relative to the repository) needs, from its source."""
    source = (ROOT / file).read_text(encoding="utf-8")
    top = imported(source)
    databases = declared_databases(source) if file.startswith("snippets/") else ()
    top += [driver_module(DATABASES[d].reader_url) for d in databases if DATABASES[d].reader_url]
    words = set(re.findall(r"\w+", source.lower()))  # "mysql+mysqldb", import MySQLdb
    urls = [DATABASES[d].reader_url or "sqlite://" for d in databases]
    backends = {make_url(url).get_backend_name() for url in urls}
    named = [d for w, (d, b) in IMPORTED_DRIVERS.items() if w in words and b in backends]
    installed = _installed()
    required = declared()
    distributions = [canonical(d) for d in named]  # canonical names
    repository: list[str] = []
    unknown: list[str] = []
    for name in dict.fromkeys(top):
        if name in sys.stdlib_module_names or name == "__future__":
            continue
        if (ROOT / name / "__init__.py").exists() or (ROOT / f"{name}.py").exists():
            repository.append(name)
        elif name in installed:
            distributions.append(canonical(installed[name][0]))
        elif canonical(name) in required:  # of a group not installed here (bench: matplotlib)
            distributions.append(canonical(name))
        elif name.lower() in IMPORTED_DRIVERS:  # likewise, named otherwise (MySQLdb)
            distributions.append(canonical(IMPORTED_DRIVERS[name.lower()][0]))
        else:
            unknown.append(name)
    last = len(required)
    specs = []
    for key in sorted(set(distributions), key=lambda k: (required.get(k, (last,))[0], k)):
        _, name, extras = required.get(key, (last, key, ()))
        specs.append(f"{name}[{','.join(extras)}]" if extras else name)
    groups = sorted({_group_of()[key] for key in distributions if key in _group_of()})
    return Needs(file, tuple(specs), tuple(repository), tuple(unknown), tuple(groups))
