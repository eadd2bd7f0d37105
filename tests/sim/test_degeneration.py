"""Disc degeneration: the published prevalence reproduced by the draws, and each finding rendered where it belongs."""

import numpy as np
import pytest

from lumbarlib.sim.anatomy import Anatomy, build_spine
from lumbarlib.sim.degeneration import (
    LUMBAR_DISCS,
    MODIC_PREVALENCE,
    PREVALENCE,
    SCHMORL_PREVALENCE,
    DiscState,
    describe_discs,
    draw_discs,
    prevalence,
)
from lumbarlib.sim.labels import DISCS, LABELS, LEVELS
from lumbarlib.sim.phantom import render_slice


def test_prevalence_is_the_published_table_at_the_decades_and_continues_its_slope():
    for finding, values in PREVALENCE.items():
        for age, value in zip((20, 30, 40, 50), values):
            assert prevalence(finding, age) == pytest.approx(value)
    assert prevalence("signal_loss", 45) == pytest.approx((0.54 + 0.73) / 2)
    assert prevalence("signal_loss", 57) == pytest.approx(0.73 + 0.7 * 0.19)
    with pytest.raises(ValueError, match="'finding' = 'hernia'|finding = 'hernia'"):
        prevalence("hernia", 40)
    with pytest.raises(ValueError, match="'age_years' = 12"):
        prevalence("bulge", 12)


def test_draws_reproduce_the_per_person_prevalence_at_40():
    rng = np.random.default_rng(0)
    people = [draw_discs(rng, 40.0) for _ in range(4000)]
    signal_loss = np.mean([any(s.grade > 2 for s in p.values()) for p in people])
    # Modic changes presuppose a degenerated disc and add a few without signal loss
    assert 0.54 - 0.025 < signal_loss < 0.54 + MODIC_PREVALENCE + 0.025
    assert np.mean([any(s.grade == 4 for s in p.values()) for p in people]) == pytest.approx(0.45, abs=0.025)
    assert np.mean([any(s.bulge_mm > 0 for s in p.values()) for p in people]) == pytest.approx(0.50, abs=0.025)
    assert np.mean([any(s.schmorl for s in p.values()) for p in people]) == pytest.approx(SCHMORL_PREVALENCE, abs=0.02)
    assert np.mean([any(s.modic for s in p.values()) for p in people]) == pytest.approx(MODIC_PREVALENCE, abs=0.012)
    per_level = {d: np.mean([p[d].grade > 2 for p in people]) for d in LUMBAR_DISCS}
    assert max(per_level, key=per_level.get) in ("L4-L5", "L5-S1")
    assert per_level["L5-S1"] > 3 * per_level["L1-L2"]
    assert all(p["T11-T12"].grade == 2 and p["S1-S2"].grade == 2 for p in people)


def test_disc_state_refuses_bad_values_and_describes_itself():
    with pytest.raises(ValueError, match="grade = 5"):
        DiscState(grade=5)
    with pytest.raises(ValueError, match="'bulge_mm' = 9"):
        DiscState(bulge_mm=9.0)
    with pytest.raises(ValueError, match="schmorl = 2"):
        DiscState(schmorl=2)
    with pytest.raises(ValueError, match="discs key"):
        Anatomy(discs={"L6-S1": DiscState()})
    assert describe_discs({"L4-L5": DiscState(grade=4, bulge_mm=2.0)}) == "L4-L5: Pfirrmann IV, bulge 2.0 mm"
    assert describe_discs({}) == "none"
    assert describe_discs({"L5-S1": DiscState(grade=3, modic=True)}, grade=False) == "L5-S1: Modic 2"


def _gap(spine, disc):
    upper, lower = (LEVELS.index(x) for x in disc.split("-"))
    return np.linalg.norm(spine[lower].corner(-1, +1) - spine[upper].corner(+1, +1))


def test_a_grade_iv_disc_is_lower_and_darker_and_a_bulge_reaches_into_the_canal():
    healthy = Anatomy()
    worn = Anatomy(discs={"L4-L5": DiscState(grade=4, bulge_mm=3.0)})
    assert _gap(build_spine(worn), "L4-L5") == pytest.approx(0.75 * _gap(build_spine(healthy), "L4-L5"), rel=0.02)
    assert _gap(build_spine(worn), "L3-L4") == pytest.approx(_gap(build_spine(healthy), "L3-L4"))
    a, b = render_slice(healthy, "mid"), render_slice(worn, "mid")
    nucleus = LABELS["nucleus_L4-L5"]
    assert b.signal[b.labels == nucleus].mean() < 0.6 * a.signal[a.labels == nucleus].mean()
    other = LABELS["nucleus_L2-L3"]
    assert b.signal[b.labels == other].mean() == pytest.approx(a.signal[a.labels == other].mean(), rel=0.02)
    # the bulge: the annulus reaches about 3 mm (4 columns of 0.70 mm) further into the canal
    annulus = LABELS["annulus_L4-L5"]
    back = [np.flatnonzero((r.labels == annulus).any(axis=0)).max() for r in (a, b)]
    assert back[1] - back[0] >= 3


def test_schmorl_node_and_modic_change_sit_in_the_endplates_of_their_disc():
    node = Anatomy(discs={"T12-L1": DiscState(schmorl=+1)})  # into the upper endplate of L1
    r = render_slice(node, "mid")
    rows_l1 = np.flatnonzero((r.labels == LABELS["vertebra_L1"]).any(axis=1))
    in_l1 = r.labels[rows_l1[0] + 2 : rows_l1[-1]] == LABELS["annulus_T12-L1"]
    assert in_l1.sum() > 10
    plain = render_slice(Anatomy(), "mid")
    modic = render_slice(Anatomy(discs={"L5-S1": DiscState(grade=3, modic=True)}), "mid")
    for level in ("L5", "S1"):
        marrow = LABELS[f"vertebra_{level}"]
        assert modic.signal[modic.labels == marrow].mean() > 1.05 * plain.signal[plain.labels == marrow].mean()
    marrow = LABELS["vertebra_L3"]
    assert modic.signal[modic.labels == marrow].mean() == pytest.approx(
        plain.signal[plain.labels == marrow].mean(), rel=1e-3
    )


def test_every_disc_is_keyed_and_healthy_unless_drawn_otherwise():
    discs = draw_discs(np.random.default_rng(1), 24.0)
    assert tuple(discs) == DISCS
    assert Anatomy().disc("L4-L5") == DiscState()
