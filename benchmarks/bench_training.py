"""DLR training speed against the machine's fp32 matmul peak.

Prints, from one run: the measured fp32 matmul GFLOP/s; the work of one training step of
the shipped configuration (a batch of 16 patches of 48 x 48 pixels: forward, backward and
Adam), counted as three forward passes (:func:`lumbarlib.dlr.network.flops`; the backward
pass of a convolution costs two of its forward passes); the step's median time, its
achieved GFLOP/s and the ratio to the matmul figure. Matmul and training steps are
interleaved round by round, so a neighbour's load affects both alike.

Last line: ``dlr_training_efficiency: <GFLOP/s> GFLOP/s (<ratio> of the fp32 matmul peak)``.
"""

from __future__ import annotations

import statistics

import numpy as np
import torch

from lumbarlib.core.timing import matmul_gflops, median_seconds
from lumbarlib.dlr.network import DLRNet, flops
from lumbarlib.dlr.train import TrainConfig, normalised_mse

MATMUL_N = 2048
ROUNDS = 5
STEPS_PER_ROUND = 3


def main() -> None:
    config = TrainConfig()
    gen = torch.Generator().manual_seed(0)
    a, b = (torch.randn(MATMUL_N, MATMUL_N, generator=gen) for _ in range(2))
    net = DLRNet()
    optimizer = torch.optim.Adam(net.parameters(), lr=config.learning_rate)
    rng = np.random.default_rng(0)
    shape = (config.batch_size, 1, config.patch_size, config.patch_size)
    clean = torch.from_numpy(rng.uniform(0, 1, shape).astype(np.float32))
    noisy = clean + 0.05 * torch.from_numpy(rng.standard_normal(shape).astype(np.float32))
    sigma = torch.full((config.batch_size,), 0.05)

    def step() -> None:
        loss = normalised_mse(net(noisy, sigma), clean, sigma)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    step_flop = 3 * config.batch_size * flops(net, config.patch_size, config.patch_size)
    a @ b, step()  # warm-up
    matmul, steps = [], []
    for _ in range(ROUNDS):
        matmul.append(matmul_gflops(a, b, 3))
        steps.append(median_seconds(step, STEPS_PER_ROUND))
    peak = statistics.median(matmul)
    rate = step_flop / statistics.median(steps) / 1e9
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"fp32 matmul ({MATMUL_N}^3): {peak:.1f} GFLOP/s (median of {ROUNDS} rounds)")
    print(
        f"training step ({config.batch_size} patches of {config.patch_size}x{config.patch_size}, forward + backward + "
        f"Adam): {step_flop / 1e9:.1f} GFLOP, {statistics.median(steps) * 1e3:.0f} ms median"
    )
    print(f"dlr_training_efficiency: {rate:.1f} GFLOP/s ({rate / peak:.2f} of the {peak:.1f} GFLOP/s fp32 matmul peak)")


if __name__ == "__main__":
    main()
