"""MR properties of the phantom's tissues at 1.5 T and the T2-weighted TSE signal they give.

Each tissue has a proton density and 1.5 T relaxation times from the literature (the
source is kept beside each value); :func:`tse_signal` turns them into the signal of the
protocol of the paper's Table 1 :cite:`kashiwagi2022lumbar`, including the incidental
magnetisation transfer of a multi-slice TSE (:data:`MT_LOSS`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from lumbarlib.study.protocol import Protocol


@dataclass(frozen=True)
class Tissue:
    """MR properties of one tissue at 1.5 T.

    Attributes
    ----------
    pd : float
        Proton density relative to pure water.
    t1_ms, t2_ms : float
        Longitudinal and (apparent, in a TSE echo train) transverse relaxation times.
    source : str
        Where the numbers come from.
    mt_loss : float
        Fraction of the signal lost to incidental magnetisation transfer in a multi-slice
        TSE (0 to 1; see :data:`MT_LOSS`).
    """

    pd: float
    t1_ms: float
    t2_ms: float
    source: str
    mt_loss: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.mt_loss < 1.0:
            raise ValueError(f"mt_loss = {self.mt_loss!r}: must be in [0, 1)")


MT_WHITE_MATTER_LOSS = 0.20
"""Signal lost to incidental magnetisation transfer by white-matter-like tissue in a multi-slice spin-echo train.

Radunsky et al. 2019 :cite:`radunsky2019mt` measured in vivo, in brain, an MT ratio of
18.9 % from increasing the number of slices and 21.2 % from the inter-slice gap of a
multi-slice multi-echo spin echo against a single slice: the off-resonant refocusing
pulses of the other slices saturate the macromolecular pool, which exchanges with free
water :cite:`dixon1990incidental`. 0.20 is the middle of their range.
"""

MT_LOSS: dict[str, float] = {
    # white-matter-like tissue: the measured value
    "cord": MT_WHITE_MATTER_LOSS,
    "nerve": MT_WHITE_MATTER_LOSS,
    # skeletal muscle and collagen-rich tissue have macromolecular pools of the order of white
    # matter's (their MT ratios are alike, Henkelman et al. 2001): the same loss
    "muscle": MT_WHITE_MATTER_LOSS,
    "annulus": MT_WHITE_MATTER_LOSS,
    "ligament": MT_WHITE_MATTER_LOSS,
    # water-rich tissue with a smaller macromolecular fraction (proteoglycan gel of the nucleus,
    # red-marrow water, parenchyma, skin): half of it, a stated rule rather than a measurement
    "nucleus": MT_WHITE_MATTER_LOSS / 2,
    "marrow_water": MT_WHITE_MATTER_LOSS / 2,
    "liver": MT_WHITE_MATTER_LOSS / 2,
    "viscera": MT_WHITE_MATTER_LOSS / 2,
    "skin": MT_WHITE_MATTER_LOSS / 2,
    # fat, CSF, free fluid and blood have no macromolecular pool in exchange with their protons: 0
}
"""Fraction of each tissue's signal lost to incidental magnetisation transfer (absent: 0)."""

_RELAXATION: dict[str, Tissue] = {
    # de Bazelaire et al. 2004, Radiology 230:652, Table (1.5 T column): subcutaneous fat
    # T1 343 ms, T2 58 ms with multi-echo spin echo. In a TSE train with 10.5 ms echo
    # spacing, J-coupling of the fat protons is refocused (Henkelman et al. 1992), so fat
    # decays with a much longer apparent T2: about 140 ms in FSE at echo trains like this
    # one (Pai et al. 2008: 41-143 ms depending on echo-train length). We use 140 ms.
    "fat": Tissue(0.90, 343.0, 140.0, "de Bazelaire 2004 (T1); Henkelman 1992, Pai 2008 (TSE T2)"),
    # CSF: T2 about 1.9 s (Spijkerman et al. 2018); T1 about 4.3 s, close to free water
    # and nearly field-independent (Lu et al. 2005).
    "csf": Tissue(1.00, 4300.0, 1900.0, "Lu 2005 (T1); Spijkerman 2018 (T2)"),
    # Spinal cord at 1.5 T: T1 745 ms, T2 74 ms (Stanisz et al. 2005); PD of white matter.
    "cord": Tissue(0.70, 745.0, 74.0, "Stanisz 2005"),
    # Skeletal muscle at 1.5 T: T1 856 ms (de Bazelaire et al. 2004); T2 is 27 +- 8 ms there and
    # 44 +- 6 ms in Stanisz et al. 2005: the mean of the two published 1.5 T values, 35 ms.
    "muscle": Tissue(0.80, 856.0, 35.0, "de Bazelaire 2004 (T1); mean of de Bazelaire 2004 and Stanisz 2005 (T2)"),
    # Water compartment of red marrow: the whole-marrow L4 values of de Bazelaire 2004
    # (T1 549, T2 49 ms) mix fat and water; the water fraction is given a muscle-like T1 and
    # the measured T2. The fat fraction comes from the volunteer (Anatomy.marrow_fat_fraction).
    "marrow_water": Tissue(0.85, 900.0, 49.0, "de Bazelaire 2004 (T2)"),
    # Nucleus pulposus and annulus fibrosus: T2 of about 90 and 45 ms, within the ranges
    # Marinelli et al. 2009 report for non-degenerated discs.
    "nucleus": Tissue(0.85, 1100.0, 90.0, "Marinelli 2009"),
    "annulus": Tissue(0.70, 900.0, 45.0, "Marinelli 2009"),
    # Nerve roots behave like cord (white-matter-like tissue).
    "nerve": Tissue(0.70, 745.0, 74.0, "Stanisz 2005 (cord)"),
    # Ligament, dura, fascia, cortex: collagen with very short T2.
    "ligament": Tissue(0.60, 1000.0, 12.0, "short-T2 collagen"),
    "cortical_bone": Tissue(0.05, 1000.0, 1.0, "no visible signal"),
    # Liver at 1.5 T: T1 576 ms, T2 46 ms (Stanisz et al. 2005).
    "liver": Tissue(0.80, 576.0, 46.0, "Stanisz 2005"),
    # Bowel wall and content: intermediate; bowel fluid water-like.
    "viscera": Tissue(0.80, 900.0, 60.0, "intermediate soft tissue"),
    "bowel_fluid": Tissue(0.95, 3000.0, 700.0, "water-like fluid"),
    # Slow venous blood (basivertebral vein) is bright on T2; fast arterial flow is void.
    "venous_blood": Tissue(0.90, 1440.0, 250.0, "Stanisz 2005 (blood T1, T2 at 1.5 T)"),
    "flow_void": Tissue(0.90, 1440.0, 8.0, "flowing blood leaves the slice between 90 and 180 degree pulses"),
    "skin": Tissue(0.70, 800.0, 35.0, "intermediate soft tissue"),
}
TISSUE_PROPERTIES: dict[str, Tissue] = {
    name: replace(t, mt_loss=MT_LOSS.get(name, 0.0)) for name, t in _RELAXATION.items()
}
"""Proton densities, 1.5 T relaxation times and MT losses used by the phantom; see each entry's source."""


def tse_signal(tissue: Tissue, protocol: Protocol, *, magnetisation_transfer: bool = True) -> float:
    r"""Steady-state signal of a tissue in a T2-weighted turbo spin echo.

    .. math::
        S = \rho \left(1 - e^{-(TR - \mathrm{ETL}\,\Delta TE)/T_1}\right) e^{-TE_{eff}/T_2}

    The echo train saturates the longitudinal magnetisation, which then recovers only in
    the time left after the train (:math:`TR - \mathrm{ETL}\,\Delta TE = 3221.5` ms
    here); the k-space centre is sampled at the effective echo time. With
    ``magnetisation_transfer`` the signal is multiplied by :math:`1 - \mathrm{MT}`, the
    tissue's incidental MT loss in a multi-slice train (:data:`MT_LOSS`). Refocusing pulses
    are taken as ideal (no stimulated echoes) and the T2 decay along the echo train
    (a mild blur along the phase direction) is not modelled.

    Parameters
    ----------
    tissue : Tissue
        Proton density and relaxation times.
    protocol : Protocol
        TR, TE, ETL and echo spacing.
    magnetisation_transfer : bool
        Apply the tissue's MT loss (False: a single-slice acquisition).

    Returns
    -------
    float
        Signal relative to fully relaxed pure water at TE = 0.
    """
    recovery_ms = protocol.tr_ms - protocol.etl * protocol.echo_spacing_ms
    mt = 1.0 - tissue.mt_loss if magnetisation_transfer else 1.0
    return mt * tissue.pd * (1.0 - math.exp(-recovery_ms / tissue.t1_ms)) * math.exp(-protocol.te_ms / tissue.t2_ms)
