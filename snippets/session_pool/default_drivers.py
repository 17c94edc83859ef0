"""Which driver a URL that names none means, and whether it is installed here.

Run it:  python -m snippets.session_pool.default_drivers
It connects to no database.
"""

# databases: sqlite

import re
import sys

from sqlalchemy import make_url

URLS = ["postgresql://", "mysql://", "mariadb://", "sqlite://"]


def pypi_project(dialect_class: type) -> str:
    """The driver's PyPI project, from the `:url:` of the dialect's docs;
    "-" when they name none (sqlite3 comes with Python)."""
    for cls in dialect_class.__mro__:
        docs = sys.modules[cls.__module__].__doc__ or ""
        found = re.search(r":url: https://pypi\.org/project/([^/\s]+)", docs)
        if found:
            return found.group(1)
    return "-"


def main() -> None:
    print(f"{'URL':<14}{'driver':<9}{'PyPI':<13}in this environment")
    for url in URLS:
        dialect = make_url(url).get_dialect()  # the class
        try:
            module = dialect.import_dbapi().__name__
            status = f"installed: {module}"
        except ImportError as error:
            status = f"not installed: {error}"
        project = pypi_project(dialect)
        print(f"{url:<14}{dialect.driver:<9}{project:<13}{status}")


if __name__ == "__main__":
    main()
