"""Print the versions a page was verified with: the footer of every page of the site.

Run it:  python -m snippets.verified_on

Servers are those the tests use (TEST_POSTGRESQL_URL, TEST_MYSQL_URL) when they are set.
"""

# backends: sqlite

import os
import platform
import sqlite3
from importlib.metadata import version

SERVERS = {"PostgreSQL": "TEST_POSTGRESQL_URL", "MySQL": "TEST_MYSQL_URL"}


def server_version(url: str) -> str:
    # Imported here: with no server to ask, the footer costs no SQLAlchemy import per page.
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 5})
    with engine.connect() as conn:
        reported = str(conn.execute(text("SELECT version()")).scalar())
    engine.dispose()
    if "MariaDB" in reported:  # e.g. 10.11.19-MariaDB-0+deb12u1
        return "MariaDB " + reported.split("-")[0]
    if reported.startswith("PostgreSQL"):  # e.g. PostgreSQL 15.20 (Debian ...) on x86_64 ...
        return " ".join(reported.split()[:2])
    return "MySQL " + reported.split("-")[0]


def main() -> None:
    libraries = ", ".join(
        f"{name} {version(name)}" for name in ("SQLAlchemy", "psycopg", "PyMySQL")
    )
    servers = [f"SQLite {sqlite3.sqlite_version}"]
    missing = []
    for name, variable in SERVERS.items():
        url = os.environ.get(variable)
        if url:
            servers.append(server_version(url))
        else:
            missing.append(f"{name} ({variable} not set)")
    line = (
        f"Verified when this page was built: {libraries} on Python "
        f"{platform.python_version()}, against {', '.join(servers)}."
    )
    if missing:
        line += f" Not connected in this build: {', '.join(missing)}."
    print(f"---\n\n<small>{line}</small>")


if __name__ == "__main__":
    main()
