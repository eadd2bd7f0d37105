"""Anatomy invariants of the phantom over whole cohorts of several seeds: order, canal, conus, discs, ROI sites."""

import numpy as np
import pytest
from scipy import ndimage

from lumbarlib.analysis.rois import ROI_SPECS, place_rois
from lumbarlib.sim.cohort import draw_cohort
from lumbarlib.sim.labels import DISCS, LABELS, LEVELS, SLICE_NAMES
from lumbarlib.sim.phantom import render_slice

SEEDS = (2022, 7, 31)
BOWEL = [LABELS[n] for n in ("viscera", "bowel_fluid", "bowel_gas")]
SAC = [LABELS[n] for n in ("csf", "cord", "cauda_equina")]


@pytest.fixture(scope="module")
def cohorts():
    """Labels (2, ny, nx) and pixel size of every volunteer of three ten-volunteer cohorts, at paper size."""
    out = []
    for seed in SEEDS:
        for i, anat in enumerate(draw_cohort(10, seed)):
            rendered = [render_slice(anat, name) for name in SLICE_NAMES]
            out.append(
                (f"seed {seed}, volunteer {i + 1}", np.stack([r.labels for r in rendered]), rendered[0].pixel_mm)
            )
    return out


def _rows(labels, name):
    return np.flatnonzero((labels == LABELS[name]).any(axis=1))


def test_vertebrae_t11_to_s2_in_order_with_a_disc_between_every_pair(cohorts):
    for who, labels, _ in cohorts:
        mid = labels[0]
        centres = [_rows(mid, f"vertebra_{lv}").mean() for lv in LEVELS]
        assert np.all(np.diff(centres) > 0), who
        for upper, lower, disc in zip(LEVELS[:-1], LEVELS[1:], DISCS):
            disc_rows = np.flatnonzero(np.isin(mid, [LABELS[f"nucleus_{disc}"], LABELS[f"annulus_{disc}"]]).any(axis=1))
            assert disc_rows.size, f"{who}: no disc {disc}"
            assert centres[LEVELS.index(upper)] < np.median(disc_rows) < centres[LEVELS.index(lower)], f"{who}: {disc}"


def test_the_thecal_sac_is_one_continuous_canal_from_t11_past_the_middle_of_s1(cohorts):
    for who, labels, _ in cohorts:
        mid = labels[0]
        parts, n = ndimage.label(np.isin(mid, SAC))
        sizes = ndimage.sum(np.ones_like(parts), parts, index=range(1, n + 1))
        main = parts == 1 + int(np.argmax(sizes))
        rows = np.flatnonzero(main.any(axis=1))
        assert rows[0] <= _rows(mid, "vertebra_T11")[0] + 2, who
        assert rows[-1] >= _rows(mid, "vertebra_S1").mean(), who
        assert np.all(np.diff(rows) == 1), f"{who}: the sac is interrupted"


def test_the_conus_ends_between_t12_l1_and_the_bottom_of_l2(cohorts):
    for who, labels, _ in cohorts:
        mid = labels[0]
        tip = _rows(mid, "cord").max()
        t12_l1 = np.flatnonzero(np.isin(mid, [LABELS["nucleus_T12-L1"], LABELS["annulus_T12-L1"]]).any(axis=1))
        assert t12_l1.min() <= tip <= _rows(mid, "vertebra_L2").max(), who


def test_no_bowel_behind_the_vertebral_bodies_and_no_cord_in_front_of_them(cohorts):
    marrow = [LABELS[f"vertebra_{lv}"] for lv in LEVELS]
    for who, labels, _ in cohorts:
        for k, slice_labels in enumerate(labels):
            for r in range(slice_labels.shape[0]):
                row = slice_labels[r]
                bone = np.flatnonzero(np.isin(row, marrow))
                if not bone.size:
                    continue
                bowel = np.flatnonzero(np.isin(row, BOWEL))
                assert not bowel.size or bowel.max() < bone.min(), f"{who}, {SLICE_NAMES[k]} row {r}: bowel behind bone"
                cord = np.flatnonzero(row == LABELS["cord"])
                assert not cord.size or cord.min() > bone.max(), f"{who}, row {r}: cord in front of the body"


def test_every_roi_of_the_paper_lies_well_inside_its_structure_for_every_volunteer(cohorts):
    for who, labels, pixel_mm in cohorts:
        rois = place_rois(labels, pixel_mm)
        for tissue, roi in rois.items():
            spec = ROI_SPECS[tissue]
            mask = roi.mask(labels.shape[1:], pixel_mm)
            inside = np.isin(labels[SLICE_NAMES.index(spec.slice_name)][mask], [LABELS[n] for n in spec.labels])
            assert mask.sum() >= 10, f"{who}: {tissue} ROI has {mask.sum()} pixels"
            assert inside.mean() == 1.0, f"{who}: {tissue} ROI {inside.mean():.0%} inside"
            assert roi.depth >= 1.0, f"{who}: {tissue} ROI depth {roi.depth:.2f}"
