"""The sizing arithmetic: Little's law, and the fleet budget.

The calculator on the sizing page runs the same arithmetic in the browser;
the tests hold its answers to this program's output.

Run it:  python -m snippets.session_pool.sizing.calculator
with your numbers, e.g. --rate 200 --hold 0.05 --processes 8 (see --help)
It connects to no database.
"""

# backends: sqlite

import argparse
import math
from dataclasses import dataclass


# --8<-- [start:littles-law]
def connections_in_use(rate: float, hold: float) -> float:
    """Little's law: L = arrival rate (per second) x time each unit of work
    holds its connection (seconds)."""
    return rate * hold


def pool_size_for(rate: float, hold: float) -> int:
    """The smallest whole number of connections that covers the average.
    (Rounded first, so that 200 x 0.05 is 10 and not 10.000000000000002.)"""
    return math.ceil(round(connections_in_use(rate, hold), 6))
    # --8<-- [end:littles-law]


# --8<-- [start:fleet]
@dataclass
class Fleet:
    processes: int
    pool_size: int
    max_overflow: int
    max_connections: int  # read it from your server
    reserved: int  # slots ordinary accounts cannot use

    @property
    def per_process(self) -> int:
        return self.pool_size + self.max_overflow

    @property
    def most(self) -> int:
        """What the fleet may open: every process's pool, full."""
        return self.processes * self.per_process

    @property
    def allowed(self) -> int:
        return self.max_connections - self.reserved

    @property
    def max_processes(self) -> int:
        return self.allowed // self.per_process

    # --8<-- [end:fleet]


def report(rate: float, hold: float, fleet: Fleet) -> list[str]:
    """The calculator's answers, line by line, as the page shows them."""
    return [
        "connections in use on average (L = rate x hold): "
        f"{connections_in_use(rate, hold):.2f}",
        f"pool_size that covers the average: {pool_size_for(rate, hold)}",
        "connections the fleet may open: "
        f"{fleet.processes} x ({fleet.pool_size} + {fleet.max_overflow})"
        f" = {fleet.most}",
        "connections the server allows: "
        f"{fleet.max_connections} - {fleet.reserved} = {fleet.allowed}",
        f"fits: {'yes' if fleet.most <= fleet.allowed else 'no'}",
        f"most processes that fit: {fleet.max_processes}",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description="Pool sizing arithmetic")
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--hold", type=float, default=0.05)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--pool-size", type=int, default=5)
    parser.add_argument("--max-overflow", type=int, default=10)
    parser.add_argument("--max-connections", type=int, default=100)
    parser.add_argument("--reserved", type=int, default=3)
    args = parser.parse_args()
    fleet = Fleet(
        args.processes,
        args.pool_size,
        args.max_overflow,
        args.max_connections,
        args.reserved,
    )
    print("\n".join(report(args.rate, args.hold, fleet)))


if __name__ == "__main__":
    main()
