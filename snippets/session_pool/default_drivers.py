"""Which driver a URL that names none means, and whether it is installed here.

Run it:  python -m snippets.session_pool.default_drivers
It connects to no database.
"""

# backends: sqlite

from sqlalchemy import make_url

URLS = ["postgresql://", "mysql://", "mariadb://", "sqlite://"]


def main() -> None:
    print(f"{'URL':<15}{'driver':<10}in this environment")
    for url in URLS:
        dialect = make_url(url).get_dialect()
        try:
            module = dialect.import_dbapi().__name__
            status = f"installed: {module}"
        except ImportError as error:
            status = f"not installed: {error}"
        print(f"{url:<15}{dialect.driver:<10}{status}")


if __name__ == "__main__":
    main()
