"""A PgBouncer of the tests' own, in transaction mode, in front of the tests' PostgreSQL.

Started by tests/conftest.py when TEST_PGBOUNCER_URL is not set and Debian's ``pgbouncer`` is
installed (.ci/run installs it); stopped when the tests end. It listens on a free port of
127.0.0.1 only, lets the PostgreSQL URL's user in without a password (``auth_type = trust``),
and logs in to PostgreSQL with that user's password from the URL.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy import make_url
from sqlalchemy.engine import URL

# One server connection: the examples see PgBouncer share it, and every transaction runs in
# it, so that what one leaves in the session (a prepared statement) the next one meets.
POOL_SIZE = 1


@dataclass
class PgBouncer:
    process: subprocess.Popen[bytes]
    folder: Path
    url: str

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # SIGTERM: closes every connection, then exits
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def binary() -> str | None:
    return shutil.which("pgbouncer") or (
        "/usr/sbin/pgbouncer" if Path("/usr/sbin/pgbouncer").exists() else None
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start(url: str) -> PgBouncer:
    """Start PgBouncer in front of the PostgreSQL of ``url``; returns it once it accepts
    connections."""
    postgresql = make_url(url)
    program = binary()
    if program is None:
        raise RuntimeError("no pgbouncer binary: install Debian's package pgbouncer")
    folder = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    port = _free_port()
    user = postgresql.username or "postgres"
    password = (postgresql.password or "").replace('"', '""')
    (folder / "userlist.txt").write_text(f'"{user}" "{password}"\n')
    (folder / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"* = host={postgresql.host or '127.0.0.1'} port={postgresql.port or 5432}\n"
        "\n[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
        f"auth_type = trust\nauth_file = {folder / 'userlist.txt'}\n"
        f"admin_users = {user}\n"
        f"pool_mode = transaction\ndefault_pool_size = {POOL_SIZE}\n"
        "ignore_startup_parameters = extra_float_digits,options\n"
        f"logfile = {folder / 'pgbouncer.log'}\n"
    )
    command = [program, "--quiet"]  # log to the logfile only
    if os.geteuid() == 0:  # PgBouncer refuses to run as root: run it as nobody
        nobody = pwd.getpwnam("nobody")
        for path in [folder, *folder.iterdir()]:
            os.chown(path, nobody.pw_uid, nobody.pw_gid)
        command += ["-u", "nobody"]
    command.append(str(folder / "pgbouncer.ini"))
    with open(folder / "stderr.log", "wb") as stderr:  # the child keeps its own copy
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
    url = URL.create(
        "postgresql+psycopg",
        username=user,
        host="127.0.0.1",
        port=port,
        database=postgresql.database,
    ).render_as_string(hide_password=False)
    bouncer = PgBouncer(process, folder, url)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            error = (folder / "stderr.log").read_text(errors="replace")
            bouncer.stop()
            raise RuntimeError(f"pgbouncer exited with {process.returncode}: {error}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return bouncer
        except OSError:
            time.sleep(0.05)
    bouncer.stop()
    raise RuntimeError(f"pgbouncer did not listen on 127.0.0.1:{port} within 10 s")


def version(url: str) -> str:
    """PgBouncer's own name and version, e.g. PgBouncer 1.18.0, from its admin console."""
    console = make_url(url).set(drivername="postgresql", database="pgbouncer")
    with psycopg.connect(
        console.render_as_string(hide_password=False),
        autocommit=True,
        prepare_threshold=None,
        cursor_factory=psycopg.ClientCursor,  # the console speaks the simple protocol only
        connect_timeout=5,
    ) as conn:
        row = conn.execute("SHOW VERSION").fetchone()
    return str(row[0]) if row else "PgBouncer"
