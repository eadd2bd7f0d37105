"""The quantitative chapter's static slider: the DLR strength against the study's ROI SNR."""

from __future__ import annotations

import json
import re

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from lumbarlib.analysis.rois import place_rois
from lumbarlib.dlr.network import DLRNet
from lumbarlib.sim.cohort import simulate_cohort
from lumbarlib.ui.study_slider import (
    mean_ratio_at,
    strength_for_gain,
    strength_sweep,
    study_at_strength,
    study_strength_slider_static,
    sweep_table,
)


@pytest.fixture(scope="module")
def small_study():
    """Two volunteers at 0.3 of the paper's matrix, the three acquired sets."""
    return simulate_cohort(2, 5, matrix_scale=0.3, cs_iterations=3, show_pbar=False).study


@pytest.fixture(scope="module")
def rois(small_study):
    return [place_rois(small_study.labels[v], small_study.pixel_mm, volunteer=v + 1) for v in range(2)]


def test_identity_network_at_strength_zero_changes_no_snr(small_study, rois):
    # the untrained network (identity convolutions) at strength 0 returns its input: gain 1
    result = study_at_strength(small_study, 0.0, rois=rois, volunteer=2, net=DLRNet().eval())
    assert result.gains == pytest.approx({"double-fast": 1.0, "triple-fast": 1.0}, rel=1e-4)
    ratios = result.relative.set_index(["tissue", "set"])["ratio"]
    for tissue in result.relative["tissue"].unique():
        assert ratios[(tissue, "dlr-double-fast")] == pytest.approx(ratios[(tissue, "double-fast")], rel=1e-4)
    assert set(result.images) == {"dlr-double-fast", "dlr-triple-fast"}
    np.testing.assert_allclose(
        result.images["dlr-double-fast"], small_study.images["double-fast"][1, 0], rtol=1e-4, atol=1e-6
    )


def test_sweep_slider_starts_at_the_start_strength_and_the_gain_grows_with_strength(small_study):
    sweep = strength_sweep([2.0, 0.0, 1.0, 1.0], study=small_study, volunteer=1, net=DLRNet().eval(), show_pbar=False)
    assert [r.strength for r in sweep] == [0.0, 1.0, 2.0]
    gains = [r.gains["double-fast"] for r in sweep]
    assert gains[0] == pytest.approx(1.0, abs=1e-3)
    assert gains[0] < gains[1] < gains[2]
    # the strength of a gain between two of the sweep's lies between them, linearly interpolated
    target = 0.5 * (gains[1] + gains[2])
    assert strength_for_gain(sweep, target) == pytest.approx(1.5)
    assert strength_for_gain(sweep, 10 * gains[2]) is None
    fragment = study_strength_slider_static(sweep, study=small_study, start=1.0, volunteer=1, dpi=30).data
    data = json.loads(re.search(r'class="lss-data">(.*?)</script>', fragment).group(1).replace("<\\/", "</"))
    assert data["labels"] == [["0", "1", "2"]]
    assert 'data-frame="1"' in fragment  # starts at the start strength
    assert len(set(data["frames"])) == 3
    shown = [float(re.search(r"\(3\)/\(2\) ([\d.]+)", c).group(1)) for c in data["captions"]]
    assert shown == pytest.approx(gains, abs=0.006)
    assert all("paper 1.67 and 1.77" in c for c in data["captions"])
    table = sweep_table(sweep)
    assert list(table["strength"]) == [0.0, 1.0, 2.0]
    assert list(table["(3)/(2)"]) == pytest.approx(gains)
    with pytest.raises(ValueError, match=re.escape("'start' = 0.5")):
        study_strength_slider_static(sweep, study=small_study, start=0.5)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"strengths": []}, "'strengths': needs at least one value"),
        ({"strengths": [0.5, -1.0]}, "'strengths' = -1.0"),
    ],
)
def test_bad_input_is_refused_before_the_study_is_loaded(kwargs, match):
    with pytest.raises(ValueError, match=re.escape(match)):
        strength_sweep(**kwargs)


def test_volunteer_outside_the_study_is_refused(small_study):
    with pytest.raises(ValueError, match=re.escape("'volunteer' = 3")):
        strength_sweep([0.5], study=small_study, volunteer=3)


def test_mean_ratio_at_interpolates_between_the_sweep_strengths(small_study):
    sweep = strength_sweep([0.0, 2.0], study=small_study, volunteer=1, net=DLRNet().eval(), show_pbar=False)
    ends = [float(r.relative.loc[r.relative["set"] == "dlr-triple-fast", "ratio"].mean()) for r in sweep]
    assert mean_ratio_at(sweep, 0.5) == pytest.approx(0.75 * ends[0] + 0.25 * ends[1])
    with pytest.raises(ValueError, match=re.escape("'strength' = 3.0")):
        mean_ratio_at(sweep, 3.0)
    with pytest.raises(ValueError, match="'set_name' = 'standard'"):
        mean_ratio_at(sweep, 1.0, "standard")
