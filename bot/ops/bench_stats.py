"""The bench's arithmetic, apart from anything it runs: percentiles, the search for the
most customers a deployment serves, and the length curve's points.  Pure functions.
"""
from __future__ import annotations

import math
import statistics
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple, TypeVar

Step = TypeVar("Step")


def percentile(values: Sequence[float], share: float) -> float:
    """The value below which ``share`` of ``values`` lie (nearest rank; 0.5: the median).
    Nearest rank, not interpolation: p95 of 20 turns is a turn that happened."""
    if not values:
        raise ValueError("no values")
    if not 0 <= share <= 1:
        raise ValueError("share must be between 0 and 1")
    ordered = sorted(values)
    rank = math.ceil(round(share * len(ordered), 9))  # round: 0.95 * 20 is 19, not 19.000001
    return ordered[min(len(ordered), max(1, rank)) - 1]


def search_steps(steps: Sequence[int], run: Callable[[int], Step],
                 passed: Callable[[Step], bool],
                 up_to: Optional[int] = None,
                 refine: float = 0.0) -> Tuple[Optional[int], Dict[int, Step]]:
    """Runs ``run(customers)`` for each step upwards and stops at the first that fails.

    Returns the largest number of customers that passed (None if even the first step
    failed) and every step's result.  Steps must rise: more customers never serve better,
    so nothing above a failed step is tried.  If every step passes, the search goes on
    by the last step's increment up to ``up_to`` customers: the figure is then where the
    deployment stopped keeping up, not merely the last step somebody listed.

    With ``refine`` (a share, 0.05: 5 %), the gap between the last step that passed and the
    first that failed is then halved until it is at most that share of the customers
    passed (and at least one customer): steps of 16 or 32 customers would otherwise put a
    ratio of two deployments' figures anywhere in a range of ±20 %.  When even the first
    step fails, the halving goes down from it, to one customer if need be: on a slow
    machine stock Rasa fails 16 customers, and "none" would say nothing of how far
    below it stops."""
    if list(steps) != sorted(set(steps)):
        raise ValueError("steps must rise")
    served: Optional[int] = None
    failed: Optional[int] = None
    results: Dict[int, Step] = {}
    for customers in _steps_to_try(steps, up_to):
        results[customers] = run(customers)
        if not passed(results[customers]):
            failed = customers
            break
        served = customers
    if refine <= 0 or failed is None:
        return served, results
    low = served or 0  # below the first step: no customer is the floor
    while failed - low > max(1.0, refine * low):
        middle = (low + failed) // 2
        results[middle] = run(middle)
        if passed(results[middle]):
            low = middle
        else:
            failed = middle
    return low or None, results


def _steps_to_try(steps: Sequence[int], up_to: Optional[int]) -> Iterator[int]:
    yield from steps
    increment = steps[-1] - steps[-2] if len(steps) > 1 else steps[-1]
    customers = steps[-1] + increment
    while up_to is not None and customers <= up_to:
        yield customers
        customers += increment


def every_step_passed(served: Optional[int], results: Dict[int, Step]) -> bool:
    """Whether the search ran out of steps before one failed: its figure is then a
    lower bound."""
    return served is not None and served == max(results)


def curve_points(turns: int) -> Dict[str, Tuple[int, int]]:
    """The length curve's points: name -> (first, last) turn, counted from 1.  For 200
    turns: turn 1, turns 2-11, turns 46-55 ("~50") and turns 191-200."""
    if turns < 12:
        raise ValueError("the length curve needs at least 12 turns")
    middle = turns // 4
    return {
        "1": (1, 1),
        "2-11": (2, 11),
        f"~{middle}": (max(2, middle - 4), middle + 5),
        f"{turns - 9}-{turns}": (turns - 9, turns),
    }


def curve(values: List[float], turns: int) -> Dict[str, float]:
    """The median of ``values`` (one per turn, oldest first) at each point of the curve."""
    return {name: statistics.median(values[first - 1:last])
            for name, (first, last) in curve_points(turns).items()}


def growth(points: Dict[str, float]) -> float:
    """The last point over turns 2-11: how much more a turn costs at the end."""
    last = list(points.values())[-1]
    return last / points["2-11"] if points["2-11"] else float("inf")
