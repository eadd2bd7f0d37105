"""The DLR's strength, calibrated on an anchor independent of the lumbar study.

The paper's discussion reports that the same DLR let 3T brain scans be shortened by 60 %
:cite:`kashiwagi2022lumbar`: with 2.5 times fewer averages the noise grows by
``sqrt(2.5)``, and the DLR brought the image quality back. Here that sentence becomes the
calibration: on held-out real brain images (the validation head position, never trained
on, never a lumbar image), the *shortened* scan is the real image plus complex Gaussian
noise raising its own noise ``sigma0`` to ``sqrt(2.5) * sigma0``; the calibrated strength is
the one at which the DLR's output has, in tissue, the noise of the original scan again.

Noise in tissue is measured by replicas (two noise draws, ``SD(out_1 - out_2) / sqrt(2)``,
NEMA's difference method), never in air. Only the added part of the noise varies between
replicas, so the condition is stated on it: the output's replica noise must be
``sqrt(2.5)`` times lower than the input's (:func:`noise_gain` = ``ANCHOR_FACTOR``);
for a denoiser that acts on noise linearly this is exactly "total output noise =
``sigma0``". The strength is found by Brent's method (:func:`scipy.optimize.brentq`) with
the noise draws fixed, so the gain is a deterministic function of the strength.

``python -m lumbarlib.dlr.calibration --out data`` writes ``dlr_calibration.json`` beside
the shipped weights (with their SHA-256, so a calibration never outlives its weights);
:func:`lumbarlib.dlr.weights.calibrated_strength` reads it, and the study uses it as the default strength.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np
from scipy.optimize import brentq

from lumbarlib.core.checks import check_range
from lumbarlib.core.paths import shipped_data_dir
from lumbarlib.dlr import weights
from lumbarlib.dlr.denoise import denoise
from lumbarlib.dlr.network import DLRNet
from lumbarlib.dlr.training_data import DomainImage, real_split, spread
from lumbarlib.sim.noise import add_rician_noise

ANCHOR_FACTOR = math.sqrt(2.5)
"""Noise growth of the paper's 60 % shorter 3T brain scan (2.5x fewer averages), which the DLR undid."""
TISSUE_LEVEL = 0.1
STRENGTH_BRACKET = (0.05, 6.0)
N_ANCHOR_IMAGES = 8

Denoiser = Callable[[np.ndarray, float, float], np.ndarray]
"""``(image, sigma, strength) -> image``."""


def replica_sd(pair: Sequence[np.ndarray], mask: np.ndarray) -> float:
    """Noise SD inside ``mask`` from two replicas: ``SD(a - b) / sqrt(2)`` (NEMA MS 1 difference method)."""
    return float(np.std((pair[0] - pair[1])[mask]) / math.sqrt(2))


def noise_gain(denoiser: Denoiser, cases: Sequence[DomainImage], strength: float, *, factor: float, seed: int) -> float:
    """Mean over ``cases`` of the input's replica noise SD over the output's, in tissue.

    Each case ``y`` (own noise ``sigma0``) gets noise of SD ``sigma0 * sqrt(factor**2 - 1)``
    added twice (``default_rng([seed, case, replica])``), so each input has total noise
    ``factor * sigma0``, the sigma the denoiser is given. Input and output SD are measured
    on the same two draws, so a denoiser that scales noise by ``1/g`` scores exactly ``g``.
    """
    gains = []
    for i, case in enumerate(cases):
        added = case.sigma0 * math.sqrt(factor**2 - 1)
        image = case.image.astype(np.float64)
        noisy = [add_rician_noise(image, added, np.random.default_rng([seed, i, r])) for r in range(2)]
        outs = [denoiser(x, factor * case.sigma0, strength) for x in noisy]
        tissue = image > TISSUE_LEVEL
        gains.append(replica_sd(noisy, tissue) / replica_sd(outs, tissue))
    return float(np.mean(gains))


def calibrate_strength(
    denoiser: Denoiser,
    cases: Sequence[DomainImage],
    *,
    factor: float = ANCHOR_FACTOR,
    seed: int = 0,
    bracket: tuple[float, float] = STRENGTH_BRACKET,
) -> tuple[float, float]:
    """The strength at which :func:`noise_gain` equals ``factor``, and the gain reached there.

    Parameters
    ----------
    denoiser : callable
        ``(image, sigma, strength) -> image``.
    cases : sequence of DomainImage
        Held-out images with their own noise ``sigma0`` > 0.
    factor : float
        The noise growth to undo (> 1; default :data:`ANCHOR_FACTOR`).
    seed : int
    bracket : (float, float)
        Strengths between which the gain must cross ``factor``.

    Raises
    ------
    ValueError
        Bad parameters, or the gain does not cross ``factor`` inside ``bracket``.
    """
    check_range("factor", factor, 1, low_inclusive=False)
    check_range("seed", seed, 0, integer=True)
    if not cases or min(c.sigma0 for c in cases) <= 0:
        raise ValueError("parameter 'cases': needs at least one image, each with its own noise sigma0 > 0")
    low, high = bracket
    check_range("bracket[0]", low, 0, low_inclusive=False)
    check_range("bracket[1]", high, low, low_inclusive=False)

    def excess(strength: float) -> float:
        return noise_gain(denoiser, cases, strength, factor=factor, seed=seed) - factor

    ends = excess(low), excess(high)
    if ends[0] * ends[1] > 0:
        raise ValueError(
            f"parameter 'bracket' = {bracket}: the noise gain runs from {ends[0] + factor:.3f} to "
            f"{ends[1] + factor:.3f} there and never reaches {factor:.3f}"
        )
    strength = float(brentq(excess, low, high, xtol=1e-3))
    return strength, excess(strength) + factor


def anchor_images(n: int = N_ANCHOR_IMAGES) -> list[DomainImage]:
    """``n`` brain slices of the validation part, evenly spread through the series (the calibration's anchor)."""
    return spread([im for im in real_split()["validation"] if im.domain == "brain"], n)


def network_denoiser(net: DLRNet) -> Denoiser:
    """``net`` as a ``(image, sigma, strength) -> image`` function (:func:`lumbarlib.dlr.denoise.denoise`)."""
    return lambda image, sigma, strength: denoise(image, sigma=sigma, strength=strength, net=net)


def calibrate_shipped(folder: Path | None = None, *, seed: int = 0) -> weights.Calibration:
    """Calibrate the weights in ``folder`` (default the shipped ``data/``) on :func:`anchor_images`."""
    folder = Path(folder) if folder is not None else shipped_data_dir()
    net = weights.load_dlr(folder=folder)
    cases = anchor_images()
    fn = network_denoiser(net)
    strength, gain = calibrate_strength(fn, cases, seed=seed)
    return weights.Calibration(
        strength=round(strength, 4),
        factor=ANCHOR_FACTOR,
        gain_at_strength=gain,
        gain_at_1=noise_gain(fn, cases, 1.0, factor=ANCHOR_FACTOR, seed=seed),
        images=tuple(c.name for c in cases),
        weights_sha256=weights.sha256(folder / weights.WEIGHTS_FILE),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lumbarlib.dlr.calibration", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="weights folder to calibrate and write into")
    args = parser.parse_args(argv)
    calibration = calibrate_shipped(args.out)
    folder = args.out if args.out is not None else shipped_data_dir()
    (folder / weights.CALIBRATION_FILE).write_text(json.dumps(asdict(calibration), indent=2) + "\n", encoding="utf-8")
    print(f"strength {calibration.strength:.3f} (noise gain {calibration.gain_at_strength:.3f}; at 1: "
          f"{calibration.gain_at_1:.3f}) written to {folder / weights.CALIBRATION_FILE}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
