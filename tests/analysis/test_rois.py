"""Oval ROIs: area on the anisotropic grid, placement inside each structure, bad input."""

import math

import numpy as np
import pytest

from lumbarlib.analysis import rois
from lumbarlib.sim import phantom
from lumbarlib.sim.anatomy import Anatomy, typical_anatomy
from lumbarlib.sim.cohort import draw_cohort
from lumbarlib.sim.labels import LABELS, SLICE_NAMES

PAPER_PIXEL_MM = (300.0 / 320, 270.0 / 384)


def render_labels(anatomy: Anatomy, matrix_scale: float) -> tuple[np.ndarray, tuple[float, float]]:
    slices = [phantom.render_slice(anatomy, name, matrix_scale=matrix_scale, oversample=1) for name in SLICE_NAMES]
    return np.stack([s.labels for s in slices]), slices[0].pixel_mm


# Volunteers at the edges of the anatomy ranges (narrow canal, thin discs, strong and flat lordosis),
# then the first volunteers of the study's cohort.
ANATOMIES = (
    typical_anatomy(),
    Anatomy(
        canal_ap_mm=12.0,
        disc_height_scale=0.7,
        lordosis_scale=1.5,
        conus_shift_mm=-15.0,
        body_ap_mm=170.0,
        back_fat_mm=6.0,
        position_mm=-12.0,
        texture_seed=3,
    ),
    Anatomy(
        canal_ap_mm=21.0,
        disc_height_scale=1.3,
        lordosis_scale=0.5,
        conus_shift_mm=20.0,
        body_ap_mm=250.0,
        back_fat_mm=40.0,
        position_mm=12.0,
        texture_seed=7,
    ),
)


COHORT = tuple(draw_cohort(4, seed=0))


@pytest.fixture(scope="module")
def paper_grid():
    return render_labels(typical_anatomy(), 1.0)


@pytest.mark.parametrize("aspect", [1 / 3, 0.5, 1.0, 2.0, 3.0])
def test_oval_area_on_anisotropic_grid(aspect):
    """A nominal 30 mm^2 oval covers 30 mm^2 of pixels within 10 % wherever its centre falls.

    (Thinner ovals, a few pixels wide, need the rescaling :func:`rois.place_roi` applies.)
    """
    a = math.sqrt(30.0 / (math.pi * aspect))
    rng = np.random.default_rng(1)
    for cy, cx in rng.uniform(50.0, 150.0, size=(20, 2)):
        roi = rois.OvalRoi("fat", "mid", (cy, cx), (a, aspect * a))
        assert roi.nominal_area_mm2 == pytest.approx(30.0)
        assert roi.area_mm2((320, 384), PAPER_PIXEL_MM) == pytest.approx(30.0, rel=0.10)


def test_placed_rois_have_the_paper_area(paper_grid):
    labels, pixel_mm = paper_grid
    placed = rois.place_rois(labels, pixel_mm)
    assert list(placed) == ["air", *rois.ROI_TISSUES]
    for roi in placed.values():
        assert roi.area_mm2(labels.shape[1:], pixel_mm) == pytest.approx(rois.ROI_AREA_MM2, rel=0.10)


@pytest.mark.parametrize(
    ("anatomy", "matrix_scale"),
    [*[(a, s) for a in ANATOMIES for s in (1.0, 0.5)], (ANATOMIES[1], 0.35), *[(a, 0.5) for a in COHORT]],
)
def test_every_roi_lies_inside_its_structure(anatomy, matrix_scale):
    volunteer = (ANATOMIES + COHORT).index(anatomy)
    labels, pixel_mm = render_labels(anatomy, matrix_scale)
    placed = rois.place_rois(labels, pixel_mm, volunteer=volunteer)
    for tissue, roi in placed.items():
        spec = rois.ROI_SPECS[tissue]
        slice_labels = labels[rois.SLICE_INDEX[spec.slice_name]]
        mask = roi.mask(slice_labels.shape, pixel_mm)
        inside = np.isin(slice_labels[mask], [LABELS[n] for n in spec.labels])
        assert inside.all(), f"volunteer {volunteer}: ROI {tissue} leaves {spec.labels}"
        assert roi.depth > 1.0
        assert roi.level == (spec.levels[0] if spec.levels else None) or roi.level in spec.levels
        if roi.level is not None:  # the centre lies within the level's vertebral body rows
            rows = np.flatnonzero((slice_labels == LABELS[f"vertebra_{roi.level}"]).any(axis=1))
            centre_row = roi.center_mm[0] / pixel_mm[0] - 0.5
            assert rows.min() <= centre_row <= rows.max()


def test_roi_in_a_rectangle_is_centred_and_roomy():
    labels = np.zeros((2, 60, 80), dtype=np.int16)
    labels[0, 10:41, 20:61] = LABELS["vertebra_L2"]  # 31 x 41 pixels of 1 mm
    roi = rois.place_roi("vertebra", labels[0], (1.0, 1.0))
    assert roi.center_mm == pytest.approx((25.5, 40.5))
    assert roi.semi_axes_mm[0] == pytest.approx(roi.semi_axes_mm[1], rel=0.1)  # round when roomy
    assert roi.depth >= rois.COMFORT_DEPTH


def test_thin_structure_gets_an_elongated_roi():
    labels = np.zeros((60, 80), dtype=np.int16)
    labels[5:55, 30:36] = LABELS["vertebra_L2"]  # 50 mm tall, 6 mm wide
    roi = rois.place_roi("vertebra", labels, (1.0, 1.0))
    assert roi.semi_axes_mm[0] > 2 * roi.semi_axes_mm[1]
    assert np.all(labels[roi.mask(labels.shape, (1.0, 1.0))] == LABELS["vertebra_L2"])


def test_manual_override_is_used(paper_grid):
    labels, pixel_mm = paper_grid
    hand = rois.OvalRoi("air", "mid", (20.0, 20.0), (3.0, 3.2))
    placed = rois.place_rois(labels, pixel_mm, overrides={"air": hand})
    assert placed["air"] is hand


def test_manual_roi_outside_the_image_is_refused(paper_grid):
    labels, pixel_mm = paper_grid
    outside = rois.OvalRoi("air", "mid", (2.0, 100.0), (3.0, 3.0))
    with pytest.raises(ValueError, match="reaches outside the image"):
        rois.place_rois(labels, pixel_mm, overrides={"air": outside})


def test_missing_label_names_label_and_volunteer(paper_grid):
    labels, pixel_mm = paper_grid
    labels = labels.copy()
    labels[labels == LABELS["cord"]] = LABELS["csf"]
    with pytest.raises(ValueError, match=r"'cord' is missing in volunteer 4, slice 'mid'"):
        rois.place_rois(labels, pixel_mm, volunteer=4)


def test_structure_too_small_is_refused():
    labels = np.zeros((40, 40), dtype=np.int16)
    labels[10:13, 10:13] = LABELS["vertebra_L2"]
    with pytest.raises(ValueError, match="no 30 mm\\^2 oval fits"):
        rois.place_roi("vertebra", labels, (1.0, 1.0))


def test_bad_arguments():
    with pytest.raises(ValueError, match="'area_mm2'"):
        rois.place_roi("fat", np.zeros((10, 10), dtype=np.int16), (1.0, 1.0), area_mm2=-1.0)
    with pytest.raises(ValueError, match="tissue 'bone'"):
        rois.place_roi("bone", np.zeros((10, 10), dtype=np.int16), (1.0, 1.0))
    with pytest.raises(ValueError, match="slice 'axial'"):
        rois.OvalRoi("fat", "axial", (10.0, 10.0), (2.0, 2.0))


@pytest.mark.parametrize("pixel_mm", [(0.0, 1.0), (1.0, -0.5), (float("nan"), 1.0)])
def test_a_bad_pixel_size_is_named_not_called_outside_the_image(pixel_mm):
    roi = rois.OvalRoi("fat", "mid", (10.0, 10.0), (2.0, 3.0))
    with pytest.raises(ValueError, match=r"'pixel_mm\[\d\]'"):
        roi.mask((40, 40), pixel_mm)
