"""Age-typical disc degeneration of healthy volunteers, drawn from published prevalence.

The paper's volunteers were ten healthy men aged 24 to 57 (mean 41)
:cite:`kashiwagi2022lumbar`. At those ages most asymptomatic people already show some
disc degeneration on MRI: Brinjikji et al. 2015 :cite:`brinjikji2015degeneration` pooled 33
studies of 3110 asymptomatic people and give, by decade, the share with disc signal loss,
disc height loss and disc bulge (:data:`PREVALENCE`). Schmorl nodes are seen in 19 % of
asymptomatic adults (Jensen et al. 1994 :cite:`jensen1994mri`), Modic endplate changes in
about 6 % of non-clinical populations (the median of Jensen et al. 2008's review
:cite:`jensen2008modic`).

:func:`draw_discs` turns a volunteer's age into a :class:`DiscState` per disc: the
Pfirrmann grade (II, the healthy adult disc with its intranuclear cleft; III with signal
loss; IV with signal and height loss, :cite:`pfirrmann2001grading`), a posterior bulge, a
Schmorl node, a type 2 (fatty) Modic change. The published numbers are per person; which
discs carry them follows :data:`LEVEL_SHARE`, a stated rule that puts degeneration chiefly at
L4-5 and L5-S1, where population studies find most of it :cite:`cheung2009prevalence`.
Rendering is :mod:`lumbarlib.sim.phantom`'s job.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lumbarlib.core.checks import check_range
from lumbarlib.sim.labels import DISCS

PREVALENCE_AGES: tuple[float, ...] = (20.0, 30.0, 40.0, 50.0)
"""Ages (years) of Brinjikji et al. 2015's age-specific estimates used here."""

PREVALENCE: dict[str, tuple[float, ...]] = {
    "signal_loss": (0.17, 0.33, 0.54, 0.73),
    "height_loss": (0.24, 0.34, 0.45, 0.56),
    "bulge": (0.30, 0.40, 0.50, 0.60),
}
"""Share of asymptomatic people with each finding at :data:`PREVALENCE_AGES` (Brinjikji 2015, Table 2)."""

SCHMORL_PREVALENCE = 0.19
"""Share of asymptomatic adults with a Schmorl node (Jensen et al. 1994, 98 people)."""

MODIC_PREVALENCE = 0.06
"""Share of non-clinical populations with a Modic change (median of Jensen et al. 2008's review)."""

LUMBAR_DISCS: tuple[str, ...] = ("T12-L1", "L1-L2", "L2-L3", "L3-L4", "L4-L5", "L5-S1")
"""Discs that can degenerate in the model (the lumbar ones; T11-T12 and the sacral S1-S2 stay as they are)."""

LEVEL_SHARE: dict[str, float] = {
    "T12-L1": 0.10,
    "L1-L2": 0.15,
    "L2-L3": 0.20,
    "L3-L4": 0.30,
    "L4-L5": 0.75,
    "L5-S1": 0.75,
}
"""Chance that a disc is degenerated, given that the person has disc signal loss at all.

A stated rule, not a measurement: population studies find degeneration most often at L4-5
and L5-S1 and least at the upper lumbar levels (Cheung et al. 2009). Someone drawn with
signal loss but no level gets it at L4-5 or L5-S1.
"""

SCHMORL_DISCS: tuple[str, ...] = ("T11-T12", "T12-L1", "L1-L2", "L2-L3")
"""Discs whose endplates can carry the Schmorl node (they cluster at the thoracolumbar junction)."""

NUCLEUS_LOSS: dict[int, float] = {2: 0.0, 3: 0.5, 4: 0.8}
"""Pfirrmann grade -> how far the nucleus signal moves from the healthy nucleus's to the annulus's.

Pfirrmann et al. 2001 describe grade III as intermediate grey with an unclear nucleus-annulus
boundary and grade IV as grey to black with the boundary lost: half and four fifths of the way
are the stated reading of those descriptions.
"""

HEIGHT_FACTOR: dict[int, float] = {2: 1.0, 3: 0.9, 4: 0.75}
"""Pfirrmann grade -> disc height relative to healthy (III: normal to slightly, IV: to moderately decreased)."""

BULGE_MM = (1.5, 3.5)
"""Range (mm) of a bulge's posterior convexity beyond the endplates' margin (a bulge is under 3-4 mm by definition)."""


@dataclass(frozen=True)
class DiscState:
    """What age has done to one disc.

    Attributes
    ----------
    grade : int
        Pfirrmann grade: 2 (healthy adult), 3 (signal loss) or 4 (signal and height loss).
    bulge_mm : float
        Posterior bulge beyond the endplates' margin (0: none).
    schmorl : int
        Schmorl node into the endplate above (-1) or below (+1) the disc; 0: none.
    modic : bool
        Type 2 (fatty) Modic change in the marrow on both sides of the disc.
    """

    grade: int = 2
    bulge_mm: float = 0.0
    schmorl: int = 0
    modic: bool = False

    def __post_init__(self) -> None:
        if self.grade not in NUCLEUS_LOSS:
            raise ValueError(f"grade = {self.grade!r}: must be one of {tuple(NUCLEUS_LOSS)}")
        check_range("bulge_mm", self.bulge_mm, 0.0, BULGE_MM[1])
        if self.schmorl not in (-1, 0, 1):
            raise ValueError(f"schmorl = {self.schmorl!r}: must be -1 (endplate above), 0 (none) or +1 (below)")

    @property
    def nucleus_loss(self) -> float:
        """Fraction of the way from healthy nucleus signal to annulus signal (:data:`NUCLEUS_LOSS`)."""
        return NUCLEUS_LOSS[self.grade]

    @property
    def height_factor(self) -> float:
        """Disc height relative to healthy (:data:`HEIGHT_FACTOR`)."""
        return HEIGHT_FACTOR[self.grade]

    def describe(self, *, grade: bool = True) -> str:
        """Short text of the findings ('' for a healthy disc), for the cohort table; ``grade=False`` omits the grade."""
        parts = [] if self.grade == 2 or not grade else [f"Pfirrmann {'III' if self.grade == 3 else 'IV'}"]
        if self.bulge_mm:
            parts.append(f"bulge {self.bulge_mm:.1f} mm")
        if self.schmorl:
            parts.append("Schmorl node " + ("above" if self.schmorl < 0 else "below"))
        if self.modic:
            parts.append("Modic 2")
        return ", ".join(parts)


HEALTHY = DiscState()
"""The healthy adult disc (Pfirrmann II)."""


def prevalence(finding: str, age_years: float) -> float:
    """Share of asymptomatic people of ``age_years`` with ``finding`` (:data:`PREVALENCE`).

    Linear between the decades of Brinjikji et al. 2015 and continued linearly beyond them
    with the nearest decade's slope (the cohort's ages, 24-57, go 7 years past the last one).
    """
    if finding not in PREVALENCE:
        raise ValueError(f"finding = {finding!r}: must be one of {tuple(PREVALENCE)}")
    check_range("age_years", age_years, 18.0, 90.0)
    ages, values = np.array(PREVALENCE_AGES), np.array(PREVALENCE[finding])
    i = int(np.clip(np.searchsorted(ages, age_years) - 1, 0, len(ages) - 2))
    slope = (values[i + 1] - values[i]) / (ages[i + 1] - ages[i])
    return float(np.clip(values[i] + slope * (age_years - ages[i]), 0.0, 1.0))


def draw_discs(rng: np.random.Generator, age_years: float) -> dict[str, DiscState]:
    """Each disc's state for a volunteer of ``age_years``, drawn from the published prevalence.

    The draws, in order: signal loss (per person, :func:`prevalence`), its levels
    (:data:`LEVEL_SHARE`), height loss given signal loss (the ratio of the two prevalences,
    which makes the lowest degenerated disc grade IV), a bulge (at the lowest degenerated disc,
    else L4-5 or L5-S1), a Schmorl node, a Modic change (at the lowest degenerated disc, which
    it presupposes; L5-S1 becomes grade III if none is).

    Returns
    -------
    dict of str to DiscState
        Keyed by :data:`lumbarlib.sim.labels.DISCS`; discs not listed are healthy.
    """
    grades = dict.fromkeys(DISCS, 2)
    signal_loss = prevalence("signal_loss", age_years)
    if rng.random() < signal_loss:
        hit = [d for d in LUMBAR_DISCS if rng.random() < LEVEL_SHARE[d]]
        for disc in hit or [("L4-L5", "L5-S1")[int(rng.integers(2))]]:
            grades[disc] = 3
        if rng.random() < min(1.0, prevalence("height_loss", age_years) / signal_loss):
            grades[_lowest_degenerated(grades)] = 4
    bulge = {}
    if rng.random() < prevalence("bulge", age_years):
        site = _lowest_degenerated(grades) or ("L4-L5", "L5-S1")[int(rng.integers(2))]
        bulge[site] = float(rng.uniform(*BULGE_MM))
    schmorl = {}
    if rng.random() < SCHMORL_PREVALENCE:
        schmorl[SCHMORL_DISCS[int(rng.integers(len(SCHMORL_DISCS)))]] = int(rng.choice((-1, 1)))
    modic = None
    if rng.random() < MODIC_PREVALENCE:
        modic = _lowest_degenerated(grades) or "L5-S1"
        grades[modic] = max(grades[modic], 3)
    return {
        d: DiscState(grade=grades[d], bulge_mm=bulge.get(d, 0.0), schmorl=schmorl.get(d, 0), modic=d == modic)
        for d in DISCS
    }


def _lowest_degenerated(grades: dict[str, int]) -> str | None:
    """The most caudal disc of grade III or worse (None if there is none)."""
    worse = [d for d in LUMBAR_DISCS if grades[d] > 2]
    return worse[-1] if worse else None


def describe_discs(discs: dict[str, DiscState], *, grade: bool = True) -> str:
    """One line of a volunteer's disc findings, caudal levels last ('none' if there are none).

    ``grade=False`` lists only bulges, Schmorl nodes and Modic changes.
    """
    found = [f"{d}: {s.describe(grade=grade)}" for d, s in discs.items() if s.describe(grade=grade)]
    return "; ".join(found) if found else "none"


def grade_of(discs: dict[str, DiscState], disc: str) -> int:
    """Pfirrmann grade of ``disc`` (2 when it is not listed)."""
    return discs.get(disc, HEALTHY).grade
