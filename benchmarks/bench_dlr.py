"""DLR inference speed against the machine's fp32 matmul peak.

Prints, from one run: the measured fp32 matmul GFLOP/s of this machine; the DLR's GFLOP
per 320 x 384 slice (paper matrix, Table 1); the achieved GFLOP/s and the ratio to the
matmul figure for the default inference path (:func:`lumbarlib.dlr.denoise.denoise` with
sigma given) on a slice and on a 128 x 128 preview tile; the tile's median time against
its machine-relative target (the tile's work at 0.9 of the matmul rate measured in the same
run, :data:`TILE_TARGET_RATIO`), beside the time its work takes at the measured matmul rate;
and, separately, the time of the sigma estimate. Matmul and DLR
runs are interleaved round by round, so a neighbour's load affects both alike; each figure is
the median over the rounds.

Last line: ``dlr_slice_efficiency: <GFLOP/s> GFLOP/s (<ratio> of the fp32 matmul peak ...)``.
"""

from __future__ import annotations

import statistics

import numpy as np
import torch

from lumbarlib.core.timing import matmul_gflops, median_seconds
from lumbarlib.dlr.denoise import denoise
from lumbarlib.dlr.network import flops
from lumbarlib.dlr.weights import load_dlr
from lumbarlib.sim.anatomy import typical_anatomy
from lumbarlib.sim.noise import add_rician_noise, estimate_sigma
from lumbarlib.sim.phantom import render_slice

MATMUL_N = 2048
ROUNDS = 7
TILE = 128
TILE_TARGET_RATIO = 0.9
EFFICIENCY_TARGET = 0.85


def main() -> None:
    gen = torch.Generator().manual_seed(0)
    a, b = (torch.randn(MATMUL_N, MATMUL_N, generator=gen) for _ in range(2))
    net = load_dlr()
    spine = np.abs(render_slice(typical_anatomy(), "mid").signal)
    slice_image = add_rician_noise(spine / spine.max(), 0.03, np.random.default_rng(0)).astype(np.float32)
    r0, c0 = (n // 2 - TILE // 2 for n in slice_image.shape)
    tile = slice_image[r0 : r0 + TILE, c0 : c0 + TILE]
    sigma = estimate_sigma(slice_image)

    slice_flop = flops(net, *slice_image.shape)
    tile_flop = flops(net, *tile.shape)
    for fn in (
        lambda: a @ b,
        lambda: denoise(slice_image, sigma=sigma, net=net),
        lambda: denoise(tile, sigma=sigma, net=net),
    ):
        fn()  # warm-up: thread pools, oneDNN kernels
    matmul, slice_s, tile_s = [], [], []
    for _ in range(ROUNDS):
        matmul.append(matmul_gflops(a, b, 3))
        slice_s.append(median_seconds(lambda: denoise(slice_image, sigma=sigma, net=net)))
        tile_s.append(median_seconds(lambda: denoise(tile, sigma=sigma, net=net), 5))
    peak = statistics.median(matmul)
    slice_rate = slice_flop / statistics.median(slice_s) / 1e9
    tile_rate = tile_flop / statistics.median(tile_s) / 1e9
    estimate_s = median_seconds(lambda: estimate_sigma(slice_image), 5)

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"fp32 matmul ({MATMUL_N}^3): {peak:.1f} GFLOP/s (median of {ROUNDS} rounds)")
    print(
        f"DLR work: {slice_flop / 1e9:.1f} GFLOP per {slice_image.shape[0]}x{slice_image.shape[1]} slice, "
        f"{tile_flop / 1e9:.2f} GFLOP per {TILE}x{TILE} tile"
    )
    print(
        f"slice ({slice_image.shape[0]}x{slice_image.shape[1]}): {statistics.median(slice_s) * 1e3:.0f} ms, "
        f"{slice_rate:.1f} GFLOP/s = {slice_rate / peak:.2f} of matmul"
    )
    tile_target_s = tile_flop / (TILE_TARGET_RATIO * peak * 1e9)
    print(
        f"tile ({TILE}x{TILE}): {statistics.median(tile_s) * 1e3:.1f} ms median "
        f"({statistics.median(tile_s) / tile_target_s:.2f} of its {tile_target_s * 1e3:.1f} ms target, the tile's work "
        f"at {TILE_TARGET_RATIO} of matmul), {tile_rate:.1f} GFLOP/s = {tile_rate / peak:.2f} of matmul"
    )
    print(f"tile's {tile_flop / 1e9:.2f} GFLOP at the matmul rate: {tile_flop / peak / 1e6:.1f} ms")
    print(f"sigma estimate on the slice (not in the figures above): {estimate_s * 1e3:.1f} ms")
    print(
        f"dlr_slice_efficiency: {slice_rate:.1f} GFLOP/s ({slice_rate / peak:.2f} of the {peak:.1f} GFLOP/s "
        f"fp32 matmul peak; target {EFFICIENCY_TARGET})"
    )


if __name__ == "__main__":
    main()
