"""Compressed-sensing sampling: a 1-D variable-density random phase-encode mask.

The triple-fast protocol keeps 55 % of the phase-encode lines (reduction factor 1.8)
:cite:`kashiwagi2022lumbar`. In 2-D Cartesian TSE each echo is a whole readout line,
so undersampling can only drop phase-encode lines: the mask is one-dimensional, over
the rows (superior-inferior). Following :cite:`lustig2007sparse`, the centre of k-space
(contrast, most of the energy) is fully sampled and the outer lines are drawn at random
with a density that falls towards the edges, which turns aliasing into incoherent,
noise-like streaks along the phase direction.

Written here because the installed libraries give 2-D Poisson-disc masks
(``sigpy.mri.poisson``) but not 1-D line masks with an exact line count.
"""

from __future__ import annotations

import numpy as np

from lumbarlib.core.checks import check_range
from lumbarlib.study.protocol import MAX_CS_FACTOR


def phase_encode_mask(
    n_lines: int,
    cs_factor: float,
    *,
    rng: np.random.Generator,
    center_fraction: float = 0.08,
    density_power: float = 2.0,
) -> np.ndarray:
    r"""Boolean mask over the phase-encode lines keeping ``round(n_lines / cs_factor)`` of them.

    The central ``center_fraction`` of the lines is always kept; the rest of the budget is
    drawn without replacement with probability proportional to
    :math:`(1 - |k| / k_{max})^{p}` (:math:`p` = ``density_power``), so low frequencies
    are sampled more densely.

    Parameters
    ----------
    n_lines : int
        Phase-encode lines of the full matrix (>= 4).
    cs_factor : float
        Reduction factor R >= 1 (1 keeps every line).
    rng : numpy.random.Generator
        The only source of randomness (the global state is never touched).
    center_fraction : float
        Fraction of the lines, around k = 0, always sampled (0 to 1/R).
    density_power : float
        Steepness of the variable density (>= 0; 0 is uniform).

    Returns
    -------
    ndarray of bool, shape (n_lines,)
        True where a line is acquired; index ``n_lines // 2`` is k = 0.
    """
    check_range("n_lines", n_lines, 4, None, integer=True)
    check_range("cs_factor", cs_factor, 1.0, MAX_CS_FACTOR)
    check_range("center_fraction", center_fraction, 0.0, 1.0 / cs_factor)
    check_range("density_power", density_power, 0.0)
    n_keep = int(round(n_lines / cs_factor))
    mask = np.zeros(n_lines, dtype=bool)
    centre = n_lines // 2
    n_centre = min(n_keep, int(round(center_fraction * n_lines)))
    lo = centre - n_centre // 2
    mask[lo : lo + n_centre] = True
    remaining = n_keep - n_centre
    if remaining > 0:
        k = np.abs(np.arange(n_lines) - centre) / (n_lines / 2)
        weight = np.clip(1.0 - k, 1e-3, None) ** density_power
        weight[mask] = 0.0
        chosen = rng.choice(n_lines, size=remaining, replace=False, p=weight / weight.sum())
        mask[chosen] = True
    return mask


def centre_block(mask: np.ndarray) -> slice:
    """The contiguous run of sampled lines around k = 0 (index ``n // 2``)."""
    centre = len(mask) // 2
    if not mask[centre]:
        return slice(centre, centre)
    lo = centre
    while lo > 0 and mask[lo - 1]:
        lo -= 1
    hi = centre
    while hi + 1 < len(mask) and mask[hi + 1]:
        hi += 1
    return slice(lo, hi + 1)
