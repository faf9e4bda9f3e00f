"""What every benchmark needs: percentiles of a sample and waiting for the system to catch up."""

from __future__ import annotations

import time


def percentiles(values: list[float]) -> dict[str, float]:
    """p50, p95, p99 and max by nearest rank (NaN for an empty sample)."""
    if not values:
        return {"p50": float("nan"), "p95": float("nan"), "p99": float("nan"), "max": float("nan")}
    ordered = sorted(values)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    return {"p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99), "max": ordered[-1]}


def wait_until(check, timeout: float) -> None:
    deadline = time.time() + timeout
    while not check():
        if time.time() > deadline:
            raise TimeoutError("the system did not catch up in time")
        time.sleep(0.2)


def print_table(rows: list[tuple[str, str, str]], value_width: int = 20) -> None:
    """The one table every benchmark ends with: metric, value, note."""
    width = max(len(r[0]) for r in rows)
    print(f"\n{'metric':<{width}}  {'value':>{value_width}}  note")
    print(f"{'-' * width}  {'-' * value_width}  {'-' * 44}")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>{value_width}}  {note}")
    print()
