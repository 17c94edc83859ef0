"""The MySQL error codes SQLAlchemy treats as a lost connection, from its
source.

SQLAlchemy's MySQL dialect decides in is_disconnect() whether an error means
the connection is gone (and so invalidates it). This program reads the codes
from the installed source and names those PyMySQL has a constant for.

Run it:  python -m snippets.session_pool.common_issues.mysql_disconnect_codes
It connects to no database.
"""

# backends: sqlite

import ast
import inspect
import textwrap

from pymysql.constants import CR, ER
from sqlalchemy.dialects.mysql.base import MySQLDialect


def disconnect_codes() -> list[int]:
    """The integer literals of the `in (...)` test in is_disconnect()."""
    source = textwrap.dedent(inspect.getsource(MySQLDialect.is_disconnect))
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare) and isinstance(node.ops[0], ast.In):
            values = getattr(node.comparators[0], "elts", [])
            codes = [v.value for v in values if isinstance(v, ast.Constant)]
            if codes and all(isinstance(c, int) for c in codes):
                return [int(c) for c in codes if isinstance(c, int)]
    raise LookupError("no error code list in MySQLDialect.is_disconnect")


def pymysql_names(code: int) -> str:
    names = [
        f"{module.__name__.rsplit('.', 1)[-1]}.{name}"
        for module in (CR, ER)
        for name, value in vars(module).items()
        if value == code and name.isupper()
    ]
    return ", ".join(names) or "(no PyMySQL constant)"


def main() -> None:
    print(
        "MySQLDialect.is_disconnect() treats these error codes as a disconnect:"
    )
    for code in disconnect_codes():
        print(f"  {code}  {pymysql_names(code)}")


if __name__ == "__main__":
    main()
