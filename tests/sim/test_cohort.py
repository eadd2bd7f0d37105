"""The virtual cohort: drawn from one seed, reproducible, and simulated end to end."""

import numpy as np
import pytest

from lumbarlib.analysis.rois import place_roi
from lumbarlib.sim.acquisition import background_air_mask, deepest_air, fat_s1_mask
from lumbarlib.sim.anatomy import Anatomy
from lumbarlib.sim.cohort import ScannerModel, cohort_table, draw_cohort, simulate_cohort
from lumbarlib.sim.degeneration import LUMBAR_DISCS, DiscState
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


def test_calibrated_standard_fat_snr_is_near_the_paper():
    # half the matrix: an air ROI holds about 12 pixels; the SD is read over the volunteers' ROIs together
    sim = simulate_cohort(3, seed=3, matrix_scale=0.5, cs_iterations=3, show_pbar=False)
    study = sim.study
    shape = study.truth.shape[-2:]
    assert np.mean(sim.calibration.expected_snr) == pytest.approx(111.3, rel=1e-6)
    fat, air = [], []
    for i in range(study.n_volunteers):
        image, labels = study.images["standard"][i, 0], study.labels[i, 0]
        fat.append(image[fat_s1_mask(labels)].mean())
        air.append(image[place_roi("air", labels, study.pixel_mm).mask(shape, study.pixel_mm)])
    assert np.mean(fat) / np.concatenate(air).std() == pytest.approx(111.3, rel=0.2)


def test_bad_input():
    with pytest.raises(ValueError, match="'n_volunteers' = 0"):
        draw_cohort(0, 1)
    with pytest.raises(ValueError, match="'cs_iterations' = 0"):
        simulate_cohort(1, 0, cs_iterations=0)


def test_scanner_model_switches_one_mechanism_at_a_time():
    names = ScannerModel.mechanisms()
    assert set(names) == {
        "magnetisation_transfer",
        "intensity_normalisation",
        "echo_train_t2",
        "coil_noise_correlation",
        "chemical_shift",
        "respiratory_motion",
    }
    assert ScannerModel.only(None) == ScannerModel(**dict.fromkeys(names, False))
    assert ScannerModel() == ScannerModel(**{n: n != "respiratory_motion" for n in names})  # motion: measured only
    one = ScannerModel.only("intensity_normalisation")
    assert [getattr(one, n) for n in names] == [n == "intensity_normalisation" for n in names]
    with pytest.raises(ValueError, match="mechanism"):
        ScannerModel.only("motion")


def test_intensity_normalisation_removes_the_shading_from_the_truth_and_keeps_it_in_the_noise():
    kwargs = dict(n_volunteers=1, seed=3, matrix_scale=0.25, cs_iterations=3, show_pbar=False)
    plain = simulate_cohort(**kwargs, scanner=ScannerModel.only(None))
    normalised = simulate_cohort(**kwargs, scanner=ScannerModel.only("intensity_normalisation"))
    assert plain.study.correction is None
    correction = normalised.study.correction
    shading = np.stack([normalised.maps[name].shading for name in ("mid", "para")])
    np.testing.assert_allclose(correction, 1.0 / shading, rtol=1e-6)
    np.testing.assert_allclose(normalised.study.truth, plain.study.truth * correction[None], rtol=1e-5, atol=1e-7)
    # the standard fat SNR is calibrated on the corrected images as on the plain ones, with the air
    # read where the calibration reads it: anterior air whose correction is within 10 % of the
    # correction at the deepest air (the correction multiplies the air's noise unevenly)
    for sim in (plain, normalised):
        labels = sim.study.labels[0, 0]
        fat = fat_s1_mask(labels)
        gain = np.ones(labels.shape) if sim.study.correction is None else sim.study.correction[0]
        at_roi = gain[deepest_air(labels, sim.study.pixel_mm)].mean()
        air = background_air_mask(labels) & (np.abs(gain / at_roi - 1.0) < 0.1)
        image = sim.study.images["standard"][0, 0]
        assert image[fat].mean() / image[air].std() == pytest.approx(sim.calibration.expected_snr[0], rel=0.25)


def test_cohort_table_lists_each_volunteers_age_features_and_disc_grades():
    worn = Anatomy(age_years=52.0, discs={"L4-L5": DiscState(grade=4, bulge_mm=2.0), "L5-S1": DiscState(modic=True)})
    table = cohort_table([Anatomy(), worn])
    assert list(table["volunteer"]) == [1, 2] and list(table["age (y)"]) == [41.0, 52.0]
    assert list(table.loc[1, list(LUMBAR_DISCS)]) == ["II", "II", "II", "II", "IV", "II"]
    assert table.loc[1, "other findings"] == "L4-L5: bulge 2.0 mm; L5-S1: Modic 2"
    assert table.loc[0, "other findings"] == "none"
    assert table.loc[1, "muscle fat"] == pytest.approx(worn.muscle_fat_fraction)
