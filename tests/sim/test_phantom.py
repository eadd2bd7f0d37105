"""The lumbar phantom: TSE physics, every ROI site of the paper present, anatomy in the right places."""

import numpy as np
import pytest
from scipy import ndimage

from lumbarlib.sim.anatomy import Anatomy, typical_anatomy
from lumbarlib.sim.cohort import draw_cohort
from lumbarlib.sim.labels import DISCS, LABELS, LEVELS, SLICE_NAMES
from lumbarlib.sim.phantom import render_slice, sub_slice_offsets
from lumbarlib.sim.tissues import TISSUE_PROPERTIES, Tissue, tse_signal
from lumbarlib.study.protocol import PROTOCOLS, Protocol

SCALE = 0.5  # quick grid: 160 x 192


@pytest.fixture(scope="module")
def slices():
    """Both slices of three volunteers at half matrix."""
    return [{name: render_slice(a, name, matrix_scale=SCALE) for name in SLICE_NAMES} for a in draw_cohort(3, seed=5)]


def _rows(labels, label):
    return np.flatnonzero((labels == LABELS[label]).any(axis=1))


def test_label_ids_are_unique_and_cover_the_contract():
    assert len(set(LABELS.values())) == len(LABELS)
    assert LABELS["air"] == 0
    for name in (
        "subcutaneous_fat",
        "retroperitoneal_fat",
        "muscle",
        "csf",
        "cord",
        "cauda_equina",
        "posterior_elements",
        "cortical_bone",
    ):
        assert name in LABELS
    assert all(f"vertebra_{lv}" in LABELS for lv in LEVELS)
    assert all(f"nucleus_{d}" in LABELS and f"annulus_{d}" in LABELS for d in DISCS)
    assert "nucleus_L1-L2" in LABELS


def test_tse_signal_limits_and_monotonicity():
    water = Tissue(1.0, 1000.0, 100.0, "test")
    long_tr = Protocol(
        "x", nex=1, cs_factor=1.0, paper_scan_time_s=1.0, tr_ms=1e7, te_ms=1e-6, etl=1, echo_spacing_ms=1e-6
    )
    assert tse_signal(water, long_tr) == pytest.approx(1.0, rel=1e-6)  # fully relaxed, TE -> 0: PD
    p = PROTOCOLS["standard"]
    expected = (1 - np.exp(-(3400 - 17 * 10.5) / 1000)) * np.exp(-84 / 100)
    assert tse_signal(water, p) == pytest.approx(expected)
    shorter_t2 = Tissue(1.0, 1000.0, 50.0, "test")
    assert tse_signal(shorter_t2, p) < tse_signal(water, p)


def test_t2_weighted_contrast_order():
    s = {name: tse_signal(t, PROTOCOLS["standard"]) for name, t in TISSUE_PROPERTIES.items()}
    assert s["csf"] > s["nucleus"] > s["cord"] > s["annulus"] > s["muscle"] > s["cortical_bone"]
    assert s["fat"] > 0.8 * s["csf"]  # fat is bright in TSE (J-coupling refocused)


def test_every_roi_site_of_the_paper_is_present(slices):
    for vol in slices:
        mid, para = vol["mid"].labels, vol["para"].labels
        assert (mid == LABELS["air"]).sum() > 500
        s1 = _rows(mid, "vertebra_S1")
        t12 = _rows(mid, "vertebra_T12")
        in_rows = lambda label, rows, mid=mid: (mid[rows] == LABELS[label]).sum()  # noqa: E731
        assert in_rows("retroperitoneal_fat", s1) > 40
        assert in_rows("csf", s1) > 20
        assert in_rows("cord", t12) > 40
        assert (mid == LABELS["vertebra_L2"]).sum() > 200
        assert (mid == LABELS["nucleus_L1-L2"]).sum() > 15
        assert (para == LABELS["muscle"]).sum() > 2000


def test_anatomy_is_where_it_belongs(slices):
    for vol in slices:
        mid, para = vol["mid"].labels, vol["para"].labels
        # vertebrae run top to bottom in order
        centres = [_rows(mid, f"vertebra_{lv}").mean() for lv in LEVELS if _rows(mid, f"vertebra_{lv}").size]
        assert np.all(np.diff(centres) > 0)
        # conus tip between the middle of T12 and the middle of L2
        tip = _rows(mid, "cord").max()
        assert _rows(mid, "vertebra_T12").mean() < tip < _rows(mid, "vertebra_L2").mean()
        # cauda equina below the conus; no CSF or cord in the paramedian slice, nerve roots there
        assert _rows(mid, "cauda_equina").max() > tip
        assert not np.isin(para, [LABELS["csf"], LABELS["cord"]]).any()
        assert (para == LABELS["nerve_root"]).any()
        # the spinal canal is posterior to the vertebral bodies (columns run anterior -> posterior)
        cols_csf = np.flatnonzero((mid == LABELS["csf"]).any(axis=0)).mean()
        cols_l3 = np.flatnonzero((mid == LABELS["vertebra_L3"]).any(axis=0)).mean()
        assert cols_csf > cols_l3


def test_signal_is_band_limited_truth_with_air_dark_and_csf_bright(slices):
    mid = slices[0]["mid"]
    s, lab = mid.signal, mid.labels
    assert s.dtype == np.float32 and lab.dtype == np.int16 and s.shape == lab.shape == (160, 192)
    assert abs(np.median(s[lab == LABELS["air"]])) < 0.01
    assert np.median(s[lab == LABELS["csf"]]) > 3 * np.median(s[lab == LABELS["muscle"]])


def test_same_anatomy_same_arrays_and_global_state_untouched():
    state = np.random.get_state()[1].copy()
    a = render_slice(typical_anatomy(), "mid", matrix_scale=0.25)
    b = render_slice(typical_anatomy(), "mid", matrix_scale=0.25)
    np.testing.assert_array_equal(a.signal, b.signal)
    np.testing.assert_array_equal(a.labels, b.labels)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_bad_input():
    with pytest.raises(ValueError, match="'slice_name' = 'axial'"):
        render_slice(typical_anatomy(), "axial")
    with pytest.raises(ValueError, match="'matrix_scale' = 0"):
        render_slice(typical_anatomy(), "mid", matrix_scale=0)
    with pytest.raises(ValueError, match="'body_ap_mm' = 400"):
        Anatomy(body_ap_mm=400)


def test_magnetisation_transfer_off_gives_the_single_slice_signal():
    p = PROTOCOLS["standard"]
    for tissue in TISSUE_PROPERTIES.values():
        single = tse_signal(tissue, p, magnetisation_transfer=False)
        assert tse_signal(tissue, p) == pytest.approx((1.0 - tissue.mt_loss) * single)
    # fluid and fat have no macromolecular pool: unchanged; cord and muscle lose the measured fraction
    for name in ("csf", "fat", "bowel_fluid", "venous_blood"):
        assert TISSUE_PROPERTIES[name].mt_loss == 0.0
    assert TISSUE_PROPERTIES["cord"].mt_loss == pytest.approx(0.20)
    assert 0.0 < TISSUE_PROPERTIES["nucleus"].mt_loss < TISSUE_PROPERTIES["annulus"].mt_loss


def test_magnetisation_transfer_darkens_cord_but_not_csf_in_the_rendered_slice():
    on = render_slice(typical_anatomy(), "mid")
    off = render_slice(typical_anatomy(), "mid", magnetisation_transfer=False)
    np.testing.assert_array_equal(on.labels, off.labels)
    inner = lambda name: ndimage.binary_erosion(on.labels == LABELS[name], iterations=1)  # noqa: E731
    # the CSF beside the cord at T11-T12, above the cauda equina, whose roots (MT) other planes blend into it
    csf = inner("csf")
    csf[_rows(on.labels, "vertebra_T12")[-1] :] = False
    assert csf.sum() > 20
    assert on.signal[csf].mean() == pytest.approx(off.signal[csf].mean(), rel=0.02)
    ratio = on.signal[inner("cord")].mean() / off.signal[inner("cord")].mean()
    assert 0.75 < ratio < 0.85


def test_a_bad_mt_loss_is_refused():
    with pytest.raises(ValueError, match="mt_loss"):
        Tissue(1.0, 1000.0, 100.0, "test", mt_loss=1.0)


def test_sub_slice_planes_sample_the_slab_at_the_centres_of_equal_parts():
    np.testing.assert_allclose(sub_slice_offsets(3.0, 3), [-1.0, 0.0, 1.0])
    np.testing.assert_allclose(sub_slice_offsets(3.0, 1), [0.0])
    offsets = sub_slice_offsets(3.0, 6)
    assert offsets.mean() == pytest.approx(0.0, abs=1e-12) and np.all(np.abs(offsets) < 1.5)
    with pytest.raises(ValueError, match="'sub_slices' = 9"):
        render_slice(typical_anatomy(), "mid", sub_slices=9)


def test_through_plane_partial_volume_touches_only_the_3d_structures_and_keeps_the_middle_planes_labels():
    one = render_slice(typical_anatomy(), "mid", sub_slices=1)
    three = render_slice(typical_anatomy(), "mid", sub_slices=3)
    np.testing.assert_array_equal(one.labels, three.labels)
    # the vertebral bodies are the same in every plane (up to the ringing of the band-limited difference
    # next to them, about 1 %)
    marrow = ndimage.binary_erosion(one.labels == LABELS["vertebra_L3"], iterations=3)
    change = np.abs(three.signal[marrow] - one.signal[marrow])
    assert change.max() < 0.02 * one.signal[marrow].mean() and change.mean() < 0.005 * one.signal[marrow].mean()
    # the aorta, a cylinder of radius 10 mm centred 8 mm left of the midline: the middle plane cuts a
    # 12 mm chord, the planes 1 mm either side 8.7 and 14.3 mm, so the slice's vessel changes
    row = int(np.median(np.flatnonzero((one.labels == LABELS["vertebra_L2"]).any(axis=1))))
    width_mm = (one.labels[row] == LABELS["vessel"]).sum() * one.pixel_mm[1]
    assert width_mm == pytest.approx(2 * np.sqrt(10.0**2 - 8.0**2), abs=2 * one.pixel_mm[1])
    vessel = ndimage.binary_dilation(one.labels == LABELS["vessel"], iterations=6)
    assert np.abs(three.signal[vessel] - one.signal[vessel]).max() > 0.05


def test_spine_region_boxes_the_column_and_the_canal_and_not_the_bowel(slices):
    from lumbarlib.sim.labels import spine_region

    for volunteer in slices:
        labels = volunteer["mid"].labels
        rows, cols = spine_region(labels)
        inside = np.zeros(labels.shape, dtype=bool)
        inside[rows, cols] = True
        column = np.isin(labels, [LABELS[f"vertebra_{level}"] for level in LEVELS] + [LABELS["csf"]])
        assert not column[~inside].any()  # every body and the CSF lie in the box
        bowel = np.isin(labels, [LABELS["bowel_fluid"], LABELS["bowel_gas"]])
        assert bowel[inside].sum() < 0.1 * bowel.sum()
    with pytest.raises(ValueError, match="no vertebral body"):
        spine_region(np.zeros((4, 4), dtype=int))
