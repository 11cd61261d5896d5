import math

import pytest

from pipeline.analysis.stats import two_proportion_test, wilson_interval


def test_wilson_matches_published_example():
    # Newcombe (1998), example: 81 of 263 -> 0.2553 to 0.3662.
    low, high = wilson_interval(81, 263)
    assert low == pytest.approx(0.2553, abs=1e-4)
    assert high == pytest.approx(0.3662, abs=1e-4)


def test_wilson_stays_in_unit_interval_and_handles_zero_n():
    assert wilson_interval(0, 3)[0] == 0.0
    assert wilson_interval(3, 3)[1] == 1.0
    assert all(math.isnan(v) for v in wilson_interval(0, 0))


def test_two_proportion_test_detects_large_difference_only():
    diff, p = two_proportion_test(80, 100, 40, 100)
    assert diff == pytest.approx(0.4)
    assert p < 0.001
    assert two_proportion_test(50, 100, 49, 100)[1] > 0.5
