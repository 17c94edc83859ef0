"""Run the example tests on the other toolchains: ``uv run python -m proof.toolchains``.

Each of ``proof.examples.OTHER_TOOLCHAINS`` (Python 3.13; SQLAlchemy 2.0) gets an environment
of its own, ``.venv-<name>``, with the locked versions and its SQLAlchemy's dependency group,
and runs ``tests/test_examples.py`` there: its records are kept under ``records/<name>/``, and
written or checked as in the site's own run (``CI`` set: checked only). Arguments are passed
to pytest; ``--only python-3.13`` runs one toolchain.
"""

from __future__ import annotations

import os
import subprocess
import sys

from proof.examples import OTHER_TOOLCHAINS, ROOT, Toolchain

GROUPS = ("docs", "test", "compiled-drivers")  # what the example tests import, and run


def command(toolchain: Toolchain, *pytest_args: str) -> list[str]:
    """The uv command that runs the example tests on a toolchain, in its own environment."""
    groups = [f"--group={group}" for group in (*GROUPS, toolchain.group)]
    python = f"--python={toolchain.python}"
    return ["uv", "run", "--frozen", python, "--no-default-groups", *groups, "pytest", *pytest_args]


def shown(toolchain: Toolchain) -> str:
    """How a reader reruns its example tests, for messages."""
    return f"uv run python -m proof.toolchains --only {toolchain.name}"


def run(toolchain: Toolchain, pytest_args: list[str]) -> int:
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(ROOT / f".venv-{toolchain.name}")}
    named = any(arg.startswith("tests/") for arg in pytest_args)
    args = pytest_args if named else ["tests/test_examples.py", *pytest_args]
    print(f"proof.toolchains: the example tests on {toolchain.label}", flush=True)
    return subprocess.run(command(toolchain, *args), cwd=ROOT, env=env).returncode


def main(argv: list[str]) -> int:
    toolchains = list(OTHER_TOOLCHAINS)
    if argv[:1] == ["--only"]:
        toolchains = [t for t in OTHER_TOOLCHAINS if t.name == argv[1]]
        if not toolchains:
            names = ", ".join(t.name for t in OTHER_TOOLCHAINS)
            print(f"proof.toolchains: --only {argv[1]}: known toolchains: {names}")
            return 2
        argv = argv[2:]
    failed = [t.label for t in toolchains if run(t, argv)]
    if failed:
        print(f"proof.toolchains: failed on {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
