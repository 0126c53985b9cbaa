"""The bench's arithmetic (bot/ops/bench_stats.py): percentiles by nearest rank, the
upward search for the most customers served, and the length curve's points."""
import pytest

from bot.ops.bench_stats import (curve, curve_points, every_step_passed, growth, percentile,
                                 search_steps)


def test_percentiles_are_turns_that_happened_by_nearest_rank():
    values = [float(v) for v in range(1, 21)]  # 1 .. 20
    assert percentile(values, 0.5) == 10
    assert percentile(values, 0.95) == 19  # not 20: 19 of 20 lie at or below it
    assert percentile(values, 0.99) == 20
    assert percentile(values, 0.0) == 1
    assert percentile([3.0, 1.0, 2.0], 1.0) == 3
    assert percentile([7.0], 0.95) == 7


def test_p95_of_a_hundred_turns_is_the_95th():
    values = [float(v) for v in range(100, 0, -1)]
    assert percentile(values, 0.95) == 95
    assert percentile(values, 0.99) == 99


def test_a_percentile_of_nothing_or_past_one_is_refused():
    with pytest.raises(ValueError):
        percentile([], 0.5)
    with pytest.raises(ValueError):
        percentile([1.0], 1.5)


def test_the_search_stops_at_the_first_step_that_fails():
    ran = []

    def run(customers):
        ran.append(customers)
        return {"p95": customers * 3}

    served, results = search_steps([16, 32, 64, 96, 128], run, lambda r: r["p95"] <= 200)
    assert served == 64
    assert ran == [16, 32, 64, 96]  # 128 never tried
    assert set(results) == {16, 32, 64, 96}


def test_the_search_serves_none_when_the_first_step_fails_and_all_when_none_does():
    assert search_steps([16, 32], lambda c: c, lambda r: False) == (None, {16: 16})
    assert search_steps([16, 32], lambda c: c, lambda r: True) == (32, {16: 16, 32: 32})


def test_past_the_last_step_the_search_goes_on_by_its_increment_until_one_fails():
    ran = []

    def run(customers):
        ran.append(customers)
        return customers

    served, results = search_steps([16, 32, 64], run, lambda c: c <= 160, up_to=512)
    assert ran == [16, 32, 64, 96, 128, 160, 192]
    assert served == 160
    assert not every_step_passed(served, results)


def test_a_search_that_reaches_its_limit_is_a_lower_bound():
    served, results = search_steps([16, 32], lambda c: c, lambda c: True, up_to=80)
    assert list(results) == [16, 32, 48, 64, 80]
    assert served == 80
    assert every_step_passed(served, results)
    assert not every_step_passed(None, {16: 16})


def test_steps_must_rise():
    with pytest.raises(ValueError):
        search_steps([32, 16], lambda c: c, lambda r: True)
    with pytest.raises(ValueError):
        search_steps([16, 16], lambda c: c, lambda r: True)


def test_the_length_curve_of_200_turns():
    assert curve_points(200) == {"1": (1, 1), "2-11": (2, 11), "~50": (46, 55),
                                 "191-200": (191, 200)}
    costs = [5.0] + [1.0] * 10 + [2.0] * 179 + [3.0] * 10
    points = curve(costs, 200)
    assert points == {"1": 5.0, "2-11": 1.0, "~50": 2.0, "191-200": 3.0}
    assert growth(points) == 3.0


def test_a_length_curve_needs_a_dozen_turns():
    with pytest.raises(ValueError):
        curve_points(11)
    assert curve_points(12)["3-12"] == (3, 12)


def test_a_refined_search_halves_the_gap_after_the_first_failure():
    ran = []

    def run(customers):
        ran.append(customers)
        return customers

    served, results = search_steps([16, 32, 64, 96], run, lambda c: c <= 83, refine=0.05)
    # 96 failed, 64 passed: 80 passes, 88 and 84 fail, and 84 - 80 is within 5 % of 80.
    assert ran == [16, 32, 64, 96, 80, 88, 84]
    assert served == 80 and not every_step_passed(served, results)
    assert set(results) == set(ran)


def test_a_refined_search_goes_down_to_one_customer_and_not_past_the_limits():
    served, _ = search_steps([10, 20], lambda c: c, lambda c: c <= 13, refine=0.001)
    assert served == 13
    # Nothing to refine when every step passed.
    assert search_steps([16, 32], lambda c: c, lambda c: True, refine=0.05) == (32, {16: 16, 32: 32})


def test_a_refined_search_goes_down_from_a_first_step_that_fails():
    ran = []

    def run(customers):
        ran.append(customers)
        return customers

    served, results = search_steps([16, 32], run, lambda c: c <= 5, refine=0.05)
    # 16 failed: 8 fails, 4 passes, 6 fails, 5 passes; 6 - 5 is one customer.
    assert ran == [16, 8, 4, 6, 5] and served == 5
    assert not every_step_passed(served, results)
    # Not even one customer: none, after trying one; without refining, the first step only.
    assert search_steps([16, 32], lambda c: c, lambda c: False, refine=0.05) == (
        None, {16: 16, 8: 8, 4: 4, 2: 2, 1: 1})
    assert search_steps([16, 32], lambda c: c, lambda c: False) == (None, {16: 16})
