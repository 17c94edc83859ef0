"""The MySQL errors SQLAlchemy treats as a lost connection, asked of the
installed dialect.

SQLAlchemy's dialect decides in is_disconnect() whether an error means the
connection is gone (and so invalidates it). This program asks the PyMySQL
dialect about every error code, and about the errors PyMySQL raises on a
connection that has no socket; for those, it asks the generic MySQL part
of the dialect too, the one every MySQL driver shares.

Run it:  python -m snippets.session_pool.common_issues.mysql_disconnect_codes
It connects to no database.
"""

# databases: sqlite

from collections.abc import Callable
from typing import Any, cast

import pymysql
from pymysql.constants import CR, ER
from sqlalchemy import create_engine
from sqlalchemy.dialects.mysql.base import MySQLDialect

CODES = range(65536)  # PyMySQL reads an error code from two bytes


def pymysql_names(code: int) -> str:
    names = [
        f"{module.__name__.rsplit('.', 1)[-1]}.{name}"
        for module in (CR, ER)
        for name, value in vars(module).items()
        if value == code and name.isupper()
    ]
    return ", ".join(names) or "(no PyMySQL constant)"


def error_of(call: Callable[[], object]) -> Exception:
    try:
        call()
    except pymysql.Error as error:
        return error
    raise AssertionError("no error")


def without_socket() -> dict[str, Exception]:
    """What PyMySQL raises when a connection has no socket (never opened
    here; after a lost connection PyMySQL closes the socket itself)."""
    conn = pymysql.connect(defer_connect=True)  # connects to nothing
    return {
        "ping()": error_of(lambda: conn.ping(reconnect=False)),
        "cursor().execute()": error_of(
            lambda: conn.cursor().execute("SELECT 1")
        ),
    }


def verdicts(dialect: MySQLDialect, error: Any) -> str:
    generic = MySQLDialect.is_disconnect(dialect, error, None, None)
    pymysql_part = dialect.is_disconnect(error, None, None)
    return f"MySQL part: {generic}, PyMySQL dialect: {pymysql_part}"


def main() -> None:
    # only loads the dialect and PyMySQL: no connection is made
    engine = create_engine("mysql+pymysql://")
    dialect = cast(MySQLDialect, engine.dialect)  # PyMySQL's is a subclass
    first, last = CODES.start, CODES.stop - 1
    print(f"Error codes {first}-{last}, each in a PyMySQL OperationalError;")
    print("the PyMySQL dialect's is_disconnect() is True for:")
    for code in CODES:
        coded: Any = pymysql.OperationalError(code, "")
        if dialect.is_disconnect(coded, None, None):
            print(f"  {code}  {pymysql_names(code)}")
    print("PyMySQL's errors on a connection without a socket:")
    for call, error in without_socket().items():
        print(f"  {call:<20} {error!r}")
        print(f"  {'':<20} {verdicts(dialect, error)}")


if __name__ == "__main__":
    main()
