"""Where SQLAlchemy advises NullPool behind another pool, quoted from the
source.

SQLAlchemy's dialect documentation lives in each dialect module's docstring.
This program prints the two passages that recommend NullPool when another
pool does the pooling, from the installed SQLAlchemy.

Run it:  python -m snippets.session_pool.pool_types.advice_behind_a_pooler
It connects to no database.
"""

# databases: sqlite

import textwrap

from sqlalchemy.dialects.postgresql import asyncpg, psycopg


def excerpt(doc: str, first: str, stop: str = "") -> str:
    """The lines of `doc` from the one containing `first` up to the one
    containing `stop` (by default, up to the paragraph's end: the next blank
    line)."""
    lines = doc.splitlines()
    start = next(n for n, line in enumerate(lines) if first in line)
    end = next(
        n
        for n, line in enumerate(lines)
        if n > start and (stop in line if stop else not line.strip())
    )
    return "\n".join(fit(f"  {line}") for line in lines[start:end]).rstrip()


def fit(line: str) -> str:
    """A line of at most 76 characters, or more lines, the later ones
    indented two more than the first."""
    indent = line[: len(line) - len(line.lstrip())]
    return textwrap.fill(
        line, 76, subsequent_indent=indent + "  ", break_on_hyphens=False
    )


def main() -> None:
    print("(lines over 76 characters go on in the next, indented two more)")
    print()
    print("sqlalchemy.dialects.postgresql.psycopg, on psycopg's own pool:")
    print(
        excerpt(
            psycopg.__doc__ or "",
            "Here is an example that uses the sync",
            "Similarly",
        )
    )
    print()
    print("sqlalchemy.dialects.postgresql.asyncpg, on PgBouncer:")
    print(excerpt(asyncpg.__doc__ or "", ".. warning:: When using PGBouncer"))


if __name__ == "__main__":
    main()
