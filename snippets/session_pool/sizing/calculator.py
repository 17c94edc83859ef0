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
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


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


def two_decimals(value: float) -> str:
    """Rounded half up, as the page's JavaScript does (Python's own format
    rounds 0.125 to 0.12, JavaScript's toFixed to 0.13)."""
    exact = Decimal(str(round(value, 6)))
    return str(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def report(rate: float, hold: float, fleet: Fleet) -> list[str]:
    """The calculator's answers, line by line, as the page shows them."""
    return [
        "connections in use on average (L = rate x hold): "
        f"{two_decimals(connections_in_use(rate, hold))}",
        f"pool_size that covers the average: {pool_size_for(rate, hold)}",
        "connections the fleet may open: "
        f"{fleet.processes} x ({fleet.pool_size} + {fleet.max_overflow})"
        f" = {fleet.most}",
        "connections the server allows: "
        f"{fleet.max_connections} - {fleet.reserved} = {fleet.allowed}",
        f"fits: {'yes' if fleet.most <= fleet.allowed else 'no'}",
        f"most processes that fit: {fleet.max_processes}",
    ]


def at_least(
    lowest: float, kind: Callable[[str], float] = int
) -> Callable[[str], float]:
    """An argparse type: a number no lower than `lowest`. The page's form
    has the same limits. (pool_size=0 and max_overflow=-1 mean "no limit"
    to SQLAlchemy: a pool without a limit has no budget to check.)"""

    def parse(text: str) -> float:
        value = kind(text)
        if value < lowest:
            raise argparse.ArgumentTypeError(f"{text} is below {lowest}")
        return value

    return parse


def main() -> None:
    parser = argparse.ArgumentParser(description="Pool sizing arithmetic")
    parser.add_argument("--rate", type=at_least(0, float), default=100.0)
    parser.add_argument("--hold", type=at_least(0, float), default=0.05)
    parser.add_argument("--processes", type=at_least(1), default=4)
    parser.add_argument("--pool-size", type=at_least(1), default=5)
    parser.add_argument("--max-overflow", type=at_least(0), default=10)
    parser.add_argument("--max-connections", type=at_least(1), default=100)
    parser.add_argument("--reserved", type=at_least(0), default=3)
    args = parser.parse_args()
    fleet = Fleet(
        int(args.processes),
        int(args.pool_size),
        int(args.max_overflow),
        int(args.max_connections),
        int(args.reserved),
    )
    print("\n".join(report(args.rate, args.hold, fleet)))


if __name__ == "__main__":
    main()
