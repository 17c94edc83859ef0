"""A connection dropped on the way between the engine and the server:
closed (FIN), or silently. What the driver raises, how long a call waits,
and which setting bounds the wait.

Run it:  python -m snippets.session_pool.common_issues.silent_drop
Set DATABASE_URL to a server, e.g. postgresql+psycopg://user:pass@127.0.0.1/db
The program puts a small TCP proxy of its own between the engine and the
server; it closes only the connections it opened itself.
"""

# databases: postgresql, mysql

import os
import socket
import textwrap
import threading
import time
from collections.abc import Sequence
from contextlib import suppress
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, exc, make_url, text
from sqlalchemy.event import listen

IDLE_WAIT = 0.3  # seconds the pooled connections sit idle before the drop
BOUND = 1  # second: each driver timeout below
RECYCLE = 0.2  # seconds: pool_recycle, below IDLE_WAIT
WAIT = 1.5  # seconds the program waits for a call to let go

# --8<-- [start:settings]
# What bounds the wait, per driver: connect_args for create_engine().
# libpq (psycopg) counts tcp_user_timeout in milliseconds, the rest in s.
KEEPALIVES = {
    "keepalives": 1,  # on
    "keepalives_idle": BOUND,  # idle seconds before the first probe
    "keepalives_interval": BOUND,  # seconds between probes
    "keepalives_count": 1,  # probes lost before the kernel gives up
}
BOUNDS: dict[str, list[tuple[str, dict[str, int]]]] = {
    "postgresql": [
        ("keepalives", KEEPALIVES),
        ("tcp_user_timeout", {"tcp_user_timeout": BOUND * 1000}),
    ],
    "mysql": [
        ("read_timeout", {"read_timeout": BOUND}),
        ("write_timeout", {"write_timeout": BOUND}),
    ],
}
# --8<-- [end:settings]


# --8<-- [start:use]
def use(engine: Engine, old_id: int) -> str:
    """Check out a connection (pool_pre_ping, if on, tests it here),
    run one statement on it, and say what happened."""
    try:
        with engine.connect() as conn:
            new_id = connection_id(conn)
    except exc.OperationalError as error:
        name = f"{type(error.orig).__module__}.{type(error.orig).__name__}"
        return f"{name}: {str(error.orig).splitlines()[0]}"
    same = new_id == old_id
    return "ok, the same connection" if same else "ok, a new connection"
    # --8<-- [end:use]


# --8<-- [start:blocked]
def wait_or_unblock(
    proxy: "Proxy", engines: Sequence[Engine], old_ids: Sequence[int]
) -> list[tuple[str, float | None]]:
    """Run use() on each engine, in threads, and give each call up to WAIT
    seconds to let go of its forgotten connection: to return, or to have
    its pool close or invalidate that connection. Then close the proxy's
    connections, which ends the calls still blocked.

    Returns each call's result, and how long it took (None: still blocked
    after WAIT seconds)."""
    let_go = [threading.Event() for _ in engines]
    results: dict[int, tuple[str, float]] = {}

    def run(index: int) -> None:
        start = time.monotonic()
        result = use(engines[index], old_ids[index])
        results[index] = (result, time.monotonic() - start)
        let_go[index].set()

    for engine, event in zip(engines, let_go, strict=True):
        for name in ("close", "invalidate"):  # the pool let go of one
            listen(engine, name, lambda *args, e=event: e.set())
    threads = [
        threading.Thread(target=run, args=(index,))
        for index in range(len(engines))
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + WAIT
    blocked = [
        not event.wait(max(0.0, deadline - time.monotonic()))
        for event in let_go
    ]
    for thread, still in zip(threads, blocked, strict=True):
        if not still:
            thread.join()  # it may be opening a new connection: let it
    proxy.close_flows()  # FIN on both sides: the blocked calls now end
    for thread in threads:
        thread.join()
    return [
        (results[index][0], None if still else results[index][1])
        for index, still in enumerate(blocked)
    ]
    # --8<-- [end:blocked]


def connection_id(conn: Connection) -> int:
    """The server's id for this connection: PostgreSQL's backend pid,
    MySQL's connection id."""
    if conn.dialect.name == "postgresql":
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())
    return int(conn.execute(text("SELECT CONNECTION_ID()")).scalar_one())


def pooled_id(engine: Engine) -> int:
    """Check out a connection, read its id, give it back to the pool."""
    with engine.connect() as conn:
        return connection_id(conn)


def say(text: str, indent: str) -> None:
    """Print `text` in lines of at most 76 characters, the later ones indented
    two more."""
    more = indent + "  "
    print(
        textwrap.fill(text, 76, initial_indent=indent, subsequent_indent=more)
    )


def closed_drill(url: str, proxy: "Proxy") -> None:
    """The proxy closes both sides of each connection: the driver hears it."""
    print("1. The proxy closes both sides of each connection (FIN)")
    for pre_ping in (False, True):
        engine = create_engine(url, pool_size=1, pool_pre_ping=pre_ping)
        try:
            old_id = pooled_id(engine)
            proxy.close_flows()
            start = time.monotonic()
            print(f"   pool_pre_ping={pre_ping}:")
            say(use(engine, old_id), "     ")
            print(f"     took {time.monotonic() - start:.2f} s")
        finally:
            engine.dispose()


def silent_drill(url: str, proxy: "Proxy", backend: str) -> None:
    """The proxy forgets idle connections: open, but nothing forwarded."""
    wait = f"{IDLE_WAIT} s"
    print(f"2. The proxy forgets the connections idle in the pools for {wait}:")
    print("   they stay open, nothing more is forwarded on them")
    settings: list[tuple[str, dict[str, Any]]] = [("no setting", {})]
    for name, connect_args in BOUNDS[backend]:
        settings.append((name, {"connect_args": connect_args}))
    runs = [
        (f"{name}, pool_pre_ping={ping}", kwargs | {"pool_pre_ping": ping})
        for name, kwargs in settings
        for ping in (False, True)
    ]
    runs.append((f"pool_recycle={RECYCLE}", {"pool_recycle": RECYCLE}))
    engines = [create_engine(url, pool_size=1, **kw) for _, kw in runs]
    try:
        old_ids = [pooled_id(engine) for engine in engines]
        time.sleep(IDLE_WAIT)
        proxy.forget_flows()  # as a firewall forgets idle connections
        outcomes = wait_or_unblock(proxy, engines, old_ids)
        for (label, _), (result, took) in zip(runs, outcomes, strict=True):
            print(f"   {label}:")
            if took is None:
                print(f"     still blocked after {WAIT} s")
                say(f"closed by the proxy, then: {result}", "     ")
            else:
                say(result, "     ")
                print(f"     took {took:.2f} s")
    finally:
        for engine in engines:
            engine.dispose()


def main() -> None:
    url = make_url(os.environ.get("DATABASE_URL", "sqlite:///pooling_guide.db"))
    backend = url.get_backend_name()
    if backend == "sqlite":
        print("SQLite has no network connection to drop: set DATABASE_URL to")
        print("a PostgreSQL or MySQL database to run these drills.")
        return
    server_port = url.port or {"postgresql": 5432, "mysql": 3306}[backend]
    proxy = Proxy(url.host or "127.0.0.1", server_port)
    proxied = url.set(host="127.0.0.1", port=proxy.port)
    try:
        closed_drill(proxied.render_as_string(hide_password=False), proxy)
        silent_drill(
            proxied.render_as_string(hide_password=False), proxy, backend
        )
    finally:
        proxy.close()


class Flow:
    """One proxied connection: the engine's socket and the server's."""

    def __init__(self, client: socket.socket, server: socket.socket) -> None:
        self.sockets = (client, server)
        self.forgotten = False  # True: nothing more is forwarded

    def forward(self, data: bytes, to: socket.socket) -> None:
        """Forward data, unless the flow was forgotten: then drop it."""
        if not self.forgotten:
            to.sendall(data)

    def close(self) -> None:
        for sock in self.sockets:
            with suppress(OSError):  # already closed
                sock.shutdown(socket.SHUT_RDWR)  # FIN; wakes a blocked recv
            sock.close()


class Proxy:
    """A TCP proxy on 127.0.0.1, in threads: two per connection."""

    def __init__(self, host: str, port: int) -> None:
        self.server = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.flows: list[Flow] = []
        self.threads = [threading.Thread(target=self.accept)]
        self.threads[0].start()

    def accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # the listener was closed
            flow = Flow(client, socket.create_connection(self.server))
            self.flows.append(flow)
            for source, to in (flow.sockets, flow.sockets[::-1]):
                thread = threading.Thread(
                    target=self.pump, args=(flow, source, to)
                )
                self.threads.append(thread)
                thread.start()

    def pump(
        self, flow: Flow, source: socket.socket, to: socket.socket
    ) -> None:
        try:
            while data := source.recv(65536):
                flow.forward(data, to)
        except OSError:
            pass  # closed by close_flows()
        flow.close()  # one side ended: end both

    def forget_flows(self) -> None:
        """Forward nothing more on the connections open now, in either
        direction, and leave them open; one made later is forwarded."""
        for flow in list(self.flows):
            flow.forgotten = True

    def close_flows(self) -> None:
        """Close each connection open now; one made later is forwarded."""
        for flow in list(self.flows):
            flow.close()

    def close(self) -> None:
        self.listener.shutdown(socket.SHUT_RDWR)  # wakes accept()
        self.listener.close()
        self.close_flows()
        for thread in self.threads:
            thread.join()


if __name__ == "__main__":
    main()
