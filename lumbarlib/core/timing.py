"""Wall-clock timing for the benchmarks and the book's time-per-slice tables.

Serves the speed figures the book reports beside the paper's scan times: the DLR's time
per 320 x 384 slice (Table 1's matrix) and the benchmarks' ratios to the machine's own
fp32 matmul rate. Speed is measured here and in ``benchmarks/``, never asserted in tests.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import torch

from lumbarlib.core.checks import check_range


def median_seconds(fn: Callable[[], object], repeats: int = 1) -> float:
    """Median wall time of ``fn()`` over ``repeats`` calls (no warm-up: call ``fn`` once first if it needs one)."""
    check_range("repeats", repeats, 1, integer=True)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def matmul_gflops(a: torch.Tensor, b: torch.Tensor, repeats: int = 3) -> float:
    """fp32 GFLOP/s of ``a @ b`` (square n x n matrices, 2 n^3 operations), median of ``repeats`` products."""
    n = a.shape[0]
    if a.shape != (n, n) or b.shape != (n, n):
        raise ValueError(f"parameters 'a' and 'b': must be square matrices of one size, got {tuple(a.shape)}, "
                         f"{tuple(b.shape)}")  # fmt: skip
    return 2 * n**3 / median_seconds(lambda: a @ b, repeats) / 1e9
