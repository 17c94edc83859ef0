"""The sizing arithmetic: a pool_size with headroom, and the fleet budget.

The calculator on the sizing page runs the same arithmetic in the browser;
the tests hold its answers to this program's output.

Run it:  python -m snippets.session_pool.sizing.calculator
with your numbers, e.g. --rate 800 --hold 0.05 --processes 8 (see --help)
It connects to no database.
"""

# databases: sqlite

import argparse
import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


# --8<-- [start:pool-size]
def connections_in_use(rate: float, hold: float) -> float:
    """Little's law: L = arrival rate (per second, in one process) x time
    each unit of work holds its connection (seconds)."""
    return rate * hold


def pool_size_for(rate: float, hold: float, utilisation: float) -> int:
    """The connections that are busy `utilisation` (0.7: 70 %) of the time
    on average, at least 1: pool_size=0 would mean no limit.
    (Rounded first, so that 200 x 0.05 is 10 and not 10.000000000000002.)"""
    busy = round(connections_in_use(rate, hold) / utilisation, 6)
    return max(1, math.ceil(busy))
    # --8<-- [end:pool-size]


# --8<-- [start:fleet]
@dataclass
class Fleet:
    processes: int
    pool_size: int
    max_overflow: int  # -1: no limit
    max_connections: int  # read it from your server
    reserved: int  # slots ordinary accounts cannot use
    others: int  # connections other clients hold: admin, cron, monitoring

    @property
    def bounded(self) -> bool:
        return self.max_overflow >= 0

    @property
    def per_process(self) -> int:
        return self.pool_size + self.max_overflow

    @property
    def most(self) -> int:
        """What the fleet may open: every process's pool, full."""
        return self.processes * self.per_process

    @property
    def allowed(self) -> int:
        return self.max_connections - self.reserved - self.others

    # --8<-- [end:fleet]


# --8<-- [start:most-processes]
def most_processes(
    fleet_rate: float, hold: float, utilisation: float, fleet: Fleet
) -> int:
    """The most processes that fit, each with the pool_size its share of
    the fleet's rate needs: fewer processes need bigger pools. 0: none."""
    fits = 0
    for n in range(1, fleet.allowed // (1 + fleet.max_overflow) + 1):
        pool_size = pool_size_for(fleet_rate / n, hold, utilisation)
        if n * (pool_size + fleet.max_overflow) <= fleet.allowed:
            fits = n
    return fits
    # --8<-- [end:most-processes]


def two_decimals(value: float) -> str:
    """Rounded half up, as the page's JavaScript does (Python's own format
    rounds 0.125 to 0.12, JavaScript's toFixed to 0.13)."""
    exact = Decimal(str(round(value, 6)))
    return str(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def refused(args: argparse.Namespace) -> str | None:
    """Why the inputs make no sense together, or None. The page says the
    same, in the same words."""
    if args.reserved >= args.max_connections:  # no server starts like that
        return (
            f"reserved = {args.reserved} leaves none of max_connections"
            f" = {args.max_connections} to ordinary clients"
        )
    taken = args.reserved + args.others
    if taken > args.max_connections:
        return (
            f"reserved + other clients = {args.reserved} + {args.others}"
            f" = {taken}, more than max_connections = {args.max_connections}"
        )
    return None


def report(args: argparse.Namespace) -> list[str]:
    """The calculator's answers, line by line, as the page shows them."""
    rate = args.rate / args.processes  # each process gets its share
    target = args.utilisation / 100
    fleet = Fleet(
        args.processes,
        pool_size_for(rate, args.hold, target),
        args.max_overflow,
        args.max_connections,
        args.reserved,
        args.others,
    )
    lines = [
        "units of work a second, per process: "
        f"{two_decimals(args.rate)} / {fleet.processes} = {two_decimals(rate)}",
        "connections in use per process on average (L = rate x hold): "
        f"{two_decimals(connections_in_use(rate, args.hold))}",
        f"pool_size per process for {args.utilisation} % utilisation"
        f" (L / {two_decimals(target)}, rounded up): {fleet.pool_size}",
        "connections the server allows the fleet: "
        f"{fleet.max_connections} - {fleet.reserved} - {fleet.others}"
        f" = {fleet.allowed}",
    ]
    if not fleet.bounded:
        return [
            *lines,
            "connections the fleet may open: no bound (max_overflow = -1)",
            "fits: unbounded, a process may open any number of connections",
        ]
    most = most_processes(args.rate, args.hold, target, fleet)
    return [
        *lines,
        "connections the fleet may open: "
        f"{fleet.processes} x ({fleet.pool_size} + {fleet.max_overflow})"
        f" = {fleet.most}",
        f"fits: {'yes' if fleet.most <= fleet.allowed else 'no'}",
        "most processes that fit (the rate shared): "
        + (str(most) if most else "none"),
    ]


def at_least(
    lowest: float, kind: Callable[[str], float] = int, highest: float = math.inf
) -> Callable[[str], float]:
    """An argparse type: a number from `lowest` to `highest`. The page's
    form has the same limits, and says the same when one is crossed."""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            what = "a whole number" if kind is int else "a number"
            raise argparse.ArgumentTypeError(
                f"{text or 'nothing'} is not {what}"
            )
        if value < lowest:
            raise argparse.ArgumentTypeError(f"{text} is below {lowest}")
        if value > highest:
            raise argparse.ArgumentTypeError(f"{text} is above {highest}")
        return value

    return parse


def main() -> None:
    parser = argparse.ArgumentParser(description="Pool sizing arithmetic")
    # the fleet: units of work per second, all processes together
    parser.add_argument(
        "--rate", type=at_least(0, float, 1_000_000_000), default=400.0
    )
    # each unit of work: seconds from checkout to checkin
    parser.add_argument("--hold", type=at_least(0, float, 3600), default=0.05)
    # the fleet: processes, all workers on all hosts
    parser.add_argument("--processes", type=at_least(1), default=4)
    # per process: the share of the time pool_size connections are busy, %
    parser.add_argument("--utilisation", type=at_least(1, int, 100), default=70)
    # per process; -1: no limit
    parser.add_argument("--max-overflow", type=at_least(-1), default=10)
    # the server, for every client (262143: PostgreSQL's highest setting)
    parser.add_argument(
        "--max-connections", type=at_least(1, int, 262143), default=100
    )
    parser.add_argument("--reserved", type=at_least(0), default=3)
    parser.add_argument("--others", type=at_least(0), default=0)
    args = parser.parse_args()
    problem = refused(args)
    if problem:
        parser.error(problem)
    print("\n".join(report(args)))


if __name__ == "__main__":
    main()
