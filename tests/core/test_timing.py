"""Timing helpers: call counts and inputs checked (speed itself is measured in benchmarks/, never asserted)."""

import pytest
import torch

from lumbarlib.core.timing import matmul_gflops, median_seconds


def test_median_seconds_calls_the_function_once_per_repeat():
    calls = []
    assert median_seconds(lambda: calls.append(1), 5) >= 0.0
    assert len(calls) == 5
    with pytest.raises(ValueError, match="'repeats' = 0"):
        median_seconds(lambda: None, 0)


def test_matmul_gflops_wants_two_square_matrices_of_one_size():
    a = torch.ones(8, 8)
    assert matmul_gflops(a, a, 1) > 0
    with pytest.raises(ValueError, match="square matrices"):
        matmul_gflops(torch.ones(8, 4), torch.ones(4, 8))
