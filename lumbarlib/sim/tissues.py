"""MR properties of the phantom's tissues at 1.5 T and the T2-weighted TSE signal they give.

Each tissue has a proton density and 1.5 T relaxation times from the literature (the
source is kept beside each value); :func:`tse_signal` turns them into the signal of the
protocol of the paper's Table 1 :cite:`kashiwagi2022lumbar`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

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
    """

    pd: float
    t1_ms: float
    t2_ms: float
    source: str


TISSUE_PROPERTIES: dict[str, Tissue] = {
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
    # Paravertebral muscle at 1.5 T: T1 856 ms, T2 27 ms (de Bazelaire et al. 2004).
    "muscle": Tissue(0.80, 856.0, 27.0, "de Bazelaire 2004"),
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
"""Proton densities and 1.5 T relaxation times used by the phantom; see each entry's source."""


def tse_signal(tissue: Tissue, protocol: Protocol) -> float:
    r"""Steady-state signal of a tissue in a T2-weighted turbo spin echo.

    .. math::
        S = \rho \left(1 - e^{-(TR - \mathrm{ETL}\,\Delta TE)/T_1}\right) e^{-TE_{eff}/T_2}

    The echo train saturates the longitudinal magnetisation, which then recovers only in
    the time left after the train (:math:`TR - \mathrm{ETL}\,\Delta TE = 3221.5` ms
    here); the k-space centre is sampled at the effective echo time. Refocusing pulses
    are taken as ideal (no stimulated echoes) and the T2 decay along the echo train
    (a mild blur along the phase direction) is not modelled.

    Parameters
    ----------
    tissue : Tissue
        Proton density and relaxation times.
    protocol : Protocol
        TR, TE, ETL and echo spacing.

    Returns
    -------
    float
        Signal relative to fully relaxed pure water at TE = 0.
    """
    recovery_ms = protocol.tr_ms - protocol.etl * protocol.echo_spacing_ms
    return tissue.pd * (1.0 - math.exp(-recovery_ms / tissue.t1_ms)) * math.exp(-protocol.te_ms / tissue.t2_ms)
