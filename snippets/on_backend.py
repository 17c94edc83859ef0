"""Run an example against one of the test suite's databases, for the per-database tabs on the site.

Run it:  python -m snippets.on_backend postgresql snippets.session_pool.bad_pool_exhaustion

The URL is the tests' own: TEST_POSTGRESQL_URL or TEST_MYSQL_URL; sqlite uses the example's
default file. When the variable is not set, it says so instead of running anything, so the site
still builds on a machine with no database server. Examples run this way must leave no table
behind: they share the server with whatever else uses it.
"""

# backends: sqlite

import os
import subprocess
import sys

VARIABLES = {"postgresql": "TEST_POSTGRESQL_URL", "mysql": "TEST_MYSQL_URL"}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] not in ("sqlite", *VARIABLES):
        print("usage: python -m snippets.on_backend {sqlite,postgresql,mysql} snippets.<example>")
        for backend, variable in VARIABLES.items():
            print(f"{backend}: {'set' if os.environ.get(variable) else 'not set'} ({variable})")
        return 0 if not args else 2
    backend, module = args
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    if backend != "sqlite":
        url = os.environ.get(VARIABLES[backend])
        if not url:
            print(f"Not run in this build: {VARIABLES[backend]} was not set.")
            return 0
        env["DATABASE_URL"] = url
    print(f"$ python -m {module}", flush=True)  # like a console: command, then its output
    return subprocess.run([sys.executable, "-m", module], env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
