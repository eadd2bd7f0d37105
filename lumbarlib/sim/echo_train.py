"""T2 decay along the echo train: every phase-encode line is acquired at its own echo time.

A turbo spin echo acquires ``ETL`` = 17 phase-encode lines per excitation, one per echo,
10.5 ms apart (Table 1 of :cite:`kashiwagi2022lumbar`); the line through the k-space centre
is acquired at the effective echo time (84 ms, echo 8), which sets the contrast. Lines
farther out are acquired earlier or later, so each tissue's k-space is multiplied along the
phase-encode direction by :math:`e^{-(TE(k_y) - TE_{eff})/T_2}`: short-T2 tissue is blurred
and rings along the phase direction, long-T2 fluid is not :cite:`constable1992contrast`.
With compressed sensing the same echo train covers fewer lines, so the echo time of a line
depends on the sampling pattern.

The view order is linear: the acquired lines, in k-space order, form one block per echo,
rotated so that the centre line falls on the effective echo (echo 8 of 17 is not the middle
one, so the outermost block takes the last echo). Refocusing is taken as ideal (no stimulated
echoes).
Each pixel decays with the T2 of its label. Labels whose own signal at the effective TE is
below :data:`MIN_OWN_SIGNAL` of their echo-1 signal (ligament, cortical bone, flow voids)
hold at that TE only their neighbours' partial volume, which the weighting would amplify up
to :math:`e^{73.5/T_2}`-fold; they are left unweighted.
Written here because no installed library simulates TSE view ordering on an image.
"""

from __future__ import annotations

import numpy as np

from lumbarlib.sim.kspace import fft2c, ifft2c
from lumbarlib.sim.labels import LABELS
from lumbarlib.sim.tissues import TISSUE_PROPERTIES
from lumbarlib.study.protocol import Protocol

LABEL_TISSUE: dict[str, str | None] = {
    "air": None,
    "bowel_gas": None,
    "subcutaneous_fat": "fat",
    "retroperitoneal_fat": "fat",
    "epidural_fat": "fat",
    "visceral_fat": "fat",
    "muscle_fat": "fat",
    "muscle": "muscle",
    "csf": "csf",
    "cord": "cord",
    "cauda_equina": "nerve",
    "nerve_root": "nerve",
    # marrow mixes fat and water; its water T2 is the shorter one and blurs the most
    "posterior_elements": "marrow_water",
    "cortical_bone": "cortical_bone",
    "ligament": "ligament",
    "vessel": "flow_void",
    "basivertebral_vein": "venous_blood",
    "viscera": "viscera",
    "bowel_fluid": "bowel_fluid",
    "liver": "liver",
    "skin": "skin",
}
"""The tissue whose T2 a label's pixels decay with (None: no signal); vertebrae, nuclei and annuli by prefix."""


MIN_OWN_SIGNAL = 0.01
"""Labels whose signal at the effective TE is below this fraction of their first echo's are not weighted."""


def label_t2_ms(name: str) -> float:
    """The T2 (ms) the pixels of a label decay with along the echo train (infinite for air and gas)."""
    for prefix, tissue in (("vertebra_", "marrow_water"), ("nucleus_", "nucleus"), ("annulus_", "annulus")):
        if name.startswith(prefix):
            return TISSUE_PROPERTIES[tissue].t2_ms
    if name not in LABEL_TISSUE:
        raise ValueError(f"label {name!r} has no tissue for its T2; known: {sorted(LABEL_TISSUE)}")
    tissue = LABEL_TISSUE[name]
    return float("inf") if tissue is None else TISSUE_PROPERTIES[tissue].t2_ms


def line_echo_times(n_lines: int, protocol: Protocol, mask: np.ndarray | None = None) -> np.ndarray:
    """Echo time (ms) of every phase-encode line under the linear view order.

    Every shot (TR) acquires one line per echo, so the acquired lines, in k-space order, form
    ``ETL`` equal blocks, one per echo. The blocks follow the echoes in k-space order, and the
    order is rotated so that the block holding the centre line is the effective echo (echo 8 of
    17 here): the blocks below it take the earlier echoes, and the outermost block on the
    negative side, left over, the last echo.

    Parameters
    ----------
    n_lines : int
        Phase-encode lines of the matrix; index ``n_lines // 2`` is k = 0.
    protocol : Protocol
        Effective TE, echo-train length and echo spacing.
    mask : ndarray of bool (n_lines,), optional
        Acquired lines (default: all); a line not acquired gets the time of the nearest
        acquired line below it (it is never used).

    Returns
    -------
    ndarray, float64, shape (n_lines,)
        Echo time of each line; the centre line has the effective TE.
    """
    mask = np.ones(n_lines, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    if mask.shape != (n_lines,) or not mask[n_lines // 2]:
        raise ValueError(f"parameter 'mask': must be ({n_lines},) booleans with the centre line acquired")
    effective = protocol.te_ms / protocol.echo_spacing_ms
    if not float(effective).is_integer() or not 1 <= effective <= protocol.etl:
        raise ValueError(f"effective TE {protocol.te_ms} ms is not one of the {protocol.etl} echoes")
    lines = np.flatnonzero(mask)
    block = np.arange(lines.size) * protocol.etl // lines.size
    centre_block = block[np.searchsorted(lines, n_lines // 2)]
    echo = (block - centre_block + int(effective) - 1) % protocol.etl + 1
    nearest_below = np.clip(np.searchsorted(lines, np.arange(n_lines), side="right") - 1, 0, lines.size - 1)
    return echo[nearest_below] * protocol.echo_spacing_ms


def t2_weighting(signal: np.ndarray, labels: np.ndarray, echo_ms: np.ndarray, te_eff_ms: float) -> np.ndarray:
    """The image as the echo train acquires it: each label's k-space weighted by its T2 decay along the lines.

    Serves the TSE of Table 1 :cite:`kashiwagi2022lumbar`. The pixels of each label are
    transformed on their own and their k-space rows multiplied by
    :math:`e^{-(TE(k_y) - TE_{eff})/T_2}` (rows are the phase-encode direction), so the
    centre row, and with it every column's mean, is unchanged.

    Parameters
    ----------
    signal : ndarray (ny, nx)
        The object at the effective echo time (real or complex).
    labels : ndarray of int (ny, nx)
        Its labels (:data:`lumbarlib.sim.labels.LABELS`).
    echo_ms : ndarray (ny,)
        Echo time of every line (:func:`line_echo_times`).
    te_eff_ms : float
        Effective echo time.

    Returns
    -------
    ndarray, complex64, shape (ny, nx)
    """
    signal = np.asarray(signal)
    if signal.shape != np.shape(labels) or np.shape(echo_ms) != (signal.shape[0],):
        raise ValueError(
            f"signal {signal.shape}, labels {np.shape(labels)} and echo times {np.shape(echo_ms)} do not match"
        )
    delay = (np.asarray(echo_ms, dtype=np.float64) - te_eff_ms)[:, None]
    names = {value: name for name, value in LABELS.items()}
    by_t2: dict[float, list[int]] = {}
    for label in np.unique(labels):
        by_t2.setdefault(label_t2_ms(names[int(label)]), []).append(int(label))
    kspace = np.zeros(signal.shape, dtype=np.complex128)
    shortest = float(np.min(echo_ms))
    for t2, group in by_t2.items():
        part = np.where(np.isin(labels, group), signal, 0)
        flat = np.isinf(t2) or np.exp(-(te_eff_ms - shortest) / t2) < MIN_OWN_SIGNAL
        kspace += fft2c(part) * (1.0 if flat else np.exp(-delay / t2))
    return ifft2c(kspace).astype(np.complex64)
