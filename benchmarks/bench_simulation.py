"""The simulated study at the paper's size: wall time per stage, and sigpy's CS against BART's on one slice.

Runs :func:`lumbarlib.sim.cohort.simulate_cohort` for the paper's 10 volunteers x 2 slices x 3
protocols at the 320 x 384 matrix with 20 CS iterations, and prints the time of each
stage (phantoms, coil maps, noise calibration, one line per protocol) and the phantom stage
against its 15 s target.

Then it solves the same L1-wavelet problem for one triple-fast slice (6 virtual coils,
lambda = 0.2 sigma, 20 FISTA iterations) with sigpy, the library the book uses, and with
BART's ``pics`` (Debian package ``bart``, called here through its command line only; it is
not a dependency of the book), and prints both times, their ratio and each result's RMS
error against the truth. BART uses its own wavelet (Daubechies 4-tap, no cycle spinning
here) and may use both cores through OpenMP; sigpy runs in this process.

Last line: ``simulation_cohort: <seconds> s (<ratio> of the 60 s target)``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from lumbarlib.sim.acquisition import (
    CS_LAMBDA_PER_NOISE_SD,
    N_VIRTUAL_COILS,
    acquire_kspace,
)
from lumbarlib.sim.cohort import simulate_cohort
from lumbarlib.sim.coils import svd_compression
from lumbarlib.sim.cs import cs_reconstruct
from lumbarlib.sim.labels import LABELS
from lumbarlib.study.protocol import PROTOCOLS

TARGET_S = 60.0
PHANTOM_TARGET_S = 15.0  # rendering both slices of the ten volunteers, three planes each
SEED = 0
ITERATIONS = 20


def write_cfl(path: Path, array: np.ndarray) -> None:
    """BART's file format: a text header of dimensions and complex64 data in column-major order."""
    dims = list(array.shape) + [1] * (16 - array.ndim)
    path.with_suffix(".hdr").write_text("# Dimensions\n" + " ".join(map(str, dims)) + "\n")
    np.asarray(array, dtype=np.complex64).ravel(order="F").tofile(path.with_suffix(".cfl"))


def read_cfl(path: Path) -> np.ndarray:
    """Read a BART ``.cfl``/``.hdr`` pair."""
    dims = [int(d) for d in path.with_suffix(".hdr").read_text().splitlines()[1].split()]
    while len(dims) > 1 and dims[-1] == 1:
        dims.pop()
    return np.fromfile(path.with_suffix(".cfl"), dtype=np.complex64).reshape(dims, order="F")


def bart_pics(kspace: np.ndarray, maps: np.ndarray, lamda: float, iterations: int) -> tuple[np.ndarray, float]:
    """Run ``bart pics -l1`` on (coils, ny, nx) arrays; returns the image and the wall time of the call."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        write_cfl(tmp / "k", np.transpose(kspace, (1, 2, 0))[:, :, None, :])
        write_cfl(tmp / "s", np.transpose(maps, (1, 2, 0))[:, :, None, :])
        cmd = [
            "bart",
            "pics",
            "-l1",
            "-r",
            f"{lamda:.8g}",
            "-i",
            str(iterations),
            "-w",
            "1",
            "-n",
            str(tmp / "k"),
            str(tmp / "s"),
            str(tmp / "x"),
        ]
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        seconds = time.perf_counter() - start
        return read_cfl(tmp / "x").reshape(kspace.shape[1:]), seconds


def main() -> None:
    start = time.perf_counter()
    sim = simulate_cohort(10, SEED, matrix_scale=1.0, cs_iterations=ITERATIONS, show_pbar=False)
    total = time.perf_counter() - start
    study = sim.study
    n_slices = study.truth.shape[0] * study.truth.shape[1]
    print(
        f"cohort: {study.truth.shape[0]} volunteers x {study.truth.shape[1]} slices x 3 protocols, "
        f"matrix {study.truth.shape[2]} x {study.truth.shape[3]}, {ITERATIONS} CS iterations"
    )
    for stage, seconds in sim.seconds.items():
        print(f"  {stage:12s} {seconds:6.1f} s")
    print(f"  {'total':12s} {total:6.1f} s")
    print(f"CS per slice (acquisition included): {sim.seconds['triple-fast'] / n_slices:.2f} s")
    phantom = sim.seconds["phantom"]
    print(f"phantom stage: {phantom:.1f} s ({phantom / PHANTOM_TARGET_S:.2f} of the {PHANTOM_TARGET_S:.0f} s target)")

    # the object as the coils see it (the study's truth is intensity-corrected), white noise: the solvers' problem
    truth = study.truth[0, 0] / (1.0 if study.correction is None else study.correction[0])
    maps = sim.maps["mid"].maps
    sigma = sim.calibration.noise_sd
    kspace = acquire_kspace(
        truth, maps, PROTOCOLS["triple-fast"], noise_sd=sigma, rng=np.random.default_rng(1), mask=sim.mask
    )
    compression = svd_compression(maps, N_VIRTUAL_COILS)
    k_v, maps_v = compression.apply(kspace), compression.apply(maps)
    lamda = CS_LAMBDA_PER_NOISE_SD * sigma
    t0 = time.perf_counter()
    x_sigpy = cs_reconstruct(k_v, maps_v, sim.mask, lamda=lamda, max_iter=ITERATIONS)
    sigpy_s = time.perf_counter() - t0
    body = study.labels[0, 0] != LABELS["air"]
    rmse = lambda x: float(np.sqrt(np.mean((np.abs(x) - truth)[body] ** 2)) / sigma)  # noqa: E731
    print(f"one triple-fast slice, {N_VIRTUAL_COILS} virtual coils, lambda {lamda:.3g}, {ITERATIONS} iterations:")
    print(f"  sigpy L1WaveletRecon: {sigpy_s:.2f} s, RMS error in the body {rmse(x_sigpy):.2f} sigma")
    if shutil.which("bart"):
        x_bart, bart_s = bart_pics(k_v, maps_v, lamda, ITERATIONS)
        print(
            f"  bart pics -l1 (OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}): {bart_s:.2f} s, "
            f"RMS error in the body {rmse(x_bart):.2f} sigma"
        )
        print(f"  time ratio sigpy / bart: {sigpy_s / bart_s:.2f}")
    else:
        print("  bart not found (apt-get install bart): no comparison")
    print(f"simulation_cohort: {total:.1f} s ({total / TARGET_S:.2f} of the {TARGET_S:.0f} s target)")


if __name__ == "__main__":
    main()
