"""The virtual cohort: drawn from one seed, reproducible, and simulated end to end."""

import numpy as np
import pytest

from lumbarlib.sim.acquisition import background_air_mask, fat_s1_mask
from lumbarlib.sim.cohort import draw_cohort, simulate_cohort
from lumbarlib.study.design import ACQUIRED_SETS


def test_same_seed_same_cohort_and_prefix_stable():
    assert draw_cohort(4, 7) == draw_cohort(4, 7)
    assert draw_cohort(6, 7)[:4] == draw_cohort(4, 7)
    assert draw_cohort(4, 7) != draw_cohort(4, 8)


def test_volunteers_vary_within_plausible_ranges():
    cohort = draw_cohort(10, 0)
    body = np.array([a.body_ap_mm for a in cohort])
    assert body.std() > 3 and 180 <= body.min() and body.max() <= 245
    assert len({a.texture_seed for a in cohort}) == 10


@pytest.fixture(scope="module")
def tiny():
    return simulate_cohort(2, seed=3, matrix_scale=0.25, cs_iterations=3, show_pbar=False)


def test_simulation_shapes_and_sets(tiny):
    study = tiny.study
    assert set(study.images) == set(ACQUIRED_SETS)
    assert study.truth.shape == (2, 2, 80, 96)
    assert study.pixel_mm == pytest.approx((300 / 80, 270 / 96))
    assert tiny.mask.mean() == pytest.approx(0.55, abs=0.01)


def test_simulation_is_reproducible_and_leaves_the_global_state_alone(tiny):
    state = np.random.get_state()[1].copy()
    again = simulate_cohort(2, seed=3, matrix_scale=0.25, cs_iterations=3, show_pbar=False)
    for name in ACQUIRED_SETS:
        np.testing.assert_array_equal(again.study.images[name], tiny.study.images[name])
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_calibrated_standard_fat_snr_is_near_the_paper(tiny):
    study = tiny.study
    snr = []
    for i in range(study.n_volunteers):
        image, labels = study.images["standard"][i, 0], study.labels[i, 0]
        snr.append(image[fat_s1_mask(labels)].mean() / image[background_air_mask(labels, 3)].std())
    assert np.mean(tiny.calibration.expected_snr) == pytest.approx(111.3, rel=1e-6)
    assert np.mean(snr) == pytest.approx(111.3, rel=0.2)


def test_bad_input():
    with pytest.raises(ValueError, match="'n_volunteers' = 0"):
        draw_cohort(0, 1)
    with pytest.raises(ValueError, match="'cs_iterations' = 0"):
        simulate_cohort(1, 0, cs_iterations=0)
