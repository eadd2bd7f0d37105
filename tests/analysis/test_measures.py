"""SI, SD, SNR and CNR of ROIs: known signal and noise, the paper's CNR identity, the tidy table."""

import math

import numpy as np
import pytest

from lumbarlib.analysis import measures, rois
from lumbarlib.study.imagesets import StudyImages

PIXEL_MM = (1.0, 1.0)
SHAPE = (120, 120)
SIGNALS = {"fat": 110.0, "csf": 140.0, "vertebra": 60.0, "disc": 46.0, "cord": 49.0, "muscle": 17.0}
CENTRES = {
    "air": (20.0, 20.0),
    "fat": (20.0, 60.0),
    "csf": (20.0, 100.0),
    "vertebra": (60.0, 20.0),
    "disc": (60.0, 60.0),
    "cord": (60.0, 100.0),
    "muscle": (100.0, 60.0),
}


def synthetic_rois(semi_axis_mm: float = 8.0) -> dict[str, rois.OvalRoi]:
    return {
        t: rois.OvalRoi(t, rois.ROI_SPECS[t].slice_name, c, (semi_axis_mm, semi_axis_mm)) for t, c in CENTRES.items()
    }


def synthetic_image(roi_set: dict[str, rois.OvalRoi], sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Two slices, each tissue's ROI filled with its signal, plus real Gaussian noise of SD sigma."""
    clean = np.zeros((2, *SHAPE))
    for tissue, roi in roi_set.items():
        if tissue != "air":
            clean[rois.SLICE_INDEX[roi.slice_name]][roi.mask(SHAPE, PIXEL_MM)] = SIGNALS[tissue]
    return clean + sigma * rng.standard_normal(clean.shape)


def test_snr_of_known_signal_and_noise():
    rng = np.random.default_rng(0)
    big = synthetic_rois(semi_axis_mm=18.0)  # ~1000 pixels: the SD is known to ~2 %
    sigma = 2.5
    image = synthetic_image(big, sigma, rng)
    measured = measures.measure_volunteer(image, big, PIXEL_MM)
    for tissue, signal in SIGNALS.items():
        assert measured[tissue].si == pytest.approx(signal, rel=0.01)
        assert measures.snr_air(measured[tissue].si, measured["air"].sd) == pytest.approx(signal / sigma, rel=0.05)


def test_magnitude_background_understates_the_noise():
    """Single-coil magnitude air is Rayleigh: SD = sigma sqrt(2 - pi/2) = 0.655 sigma (Gudbjartsson 1995)."""
    rng = np.random.default_rng(1)
    sigma = 3.0
    air = np.abs(sigma * (rng.standard_normal(SHAPE) + 1j * rng.standard_normal(SHAPE)))
    stats = measures.roi_stats(air, np.ones(SHAPE, dtype=bool))
    assert stats.sd == pytest.approx(sigma * math.sqrt(2 - math.pi / 2), rel=0.03)
    assert stats.si == pytest.approx(sigma * math.sqrt(math.pi / 2), rel=0.03)


def test_roi_stats_is_mean_and_sample_sd():
    image = np.arange(12.0).reshape(3, 4)
    mask = np.zeros((3, 4), dtype=bool)
    mask[1, :] = True
    stats = measures.roi_stats(image, mask)
    assert (stats.si, stats.n_pixels) == (5.5, 4)
    assert stats.sd == pytest.approx(np.std([4, 5, 6, 7], ddof=1))


def make_study(n_volunteers: int = 3) -> tuple[StudyImages, list]:
    rng = np.random.default_rng(2)
    roi_set = synthetic_rois()
    images = {
        name: np.stack([synthetic_image(roi_set, sigma, rng) for _ in range(n_volunteers)])
        for name, sigma in (("standard", 2.0), ("double-fast", 2.8), ("dlr-double-fast", 1.5))
    }
    truth = np.zeros((n_volunteers, 2, *SHAPE), dtype=np.float32)
    study = StudyImages(images=images, truth=truth, labels=truth.astype(np.int16), pixel_mm=PIXEL_MM)
    return study, [roi_set] * n_volunteers


def test_cnr_is_snr_minus_muscle_snr():
    study, roi_sets = make_study()
    tidy = measures.measure_study(study, roi_sets)
    assert list(tidy.columns) == list(measures.COLUMNS)
    assert len(tidy) == 3 * 3 * 7
    for _, part in tidy.groupby(["volunteer", "set"]):
        part = part.set_index("tissue")
        for tissue in rois.ROI_TISSUES:
            assert part.loc[tissue, "CNR"] == pytest.approx(
                part.loc[tissue, "SNR"] - part.loc["muscle", "SNR"], rel=1e-12, abs=1e-12
            )
            assert part.loc[tissue, "SNR"] == pytest.approx(part.loc[tissue, "SI"] / part.loc["air", "SD"])
        assert np.isnan(part.loc["air", "SNR"]) and part.loc["muscle", "CNR"] == 0.0


def test_long_measures_leaves_out_air_and_muscle_cnr():
    study, roi_sets = make_study(n_volunteers=2)
    long = measures.long_measures(measures.measure_study(study, roi_sets))
    assert set(long.measure) == {"SNR", "CNR"}
    assert "air" not in set(long.tissue)
    assert "muscle" not in set(long[long.measure == "CNR"].tissue)
    assert len(long) == 2 * 3 * (6 + 5)


def test_bad_input():
    study, roi_sets = make_study(n_volunteers=2)
    with pytest.raises(ValueError, match="4 ROI sets for 2 volunteers"):
        measures.measure_study(study, roi_sets * 2)
    incomplete = {t: r for t, r in roi_sets[0].items() if t != "air"}
    with pytest.raises(ValueError, match=r"ROIs missing for \['air'\]"):
        measures.measure_volunteer(study.images["standard"][0], incomplete, PIXEL_MM)
    with pytest.raises(ValueError, match="shape"):
        measures.roi_stats(np.zeros((4, 4)), np.ones((3, 3), dtype=bool))


def test_nan_pixels_in_an_roi_are_named():
    image = np.ones((8, 8))
    image[2, 2] = np.nan
    mask = np.zeros((8, 8), bool)
    mask[1:4, 1:4] = True
    with pytest.raises(ValueError, match="'image': 1 of the ROI's 9 pixels are NaN or infinite"):
        measures.roi_stats(image, mask)


def test_relative_bars_draw_one_bar_per_set_and_tissue_with_the_paper_on_them():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    relative = pd.DataFrame(
        {
            "tissue": ["fat", "fat", "csf", "csf"],
            "set": ["double-fast", "triple-fast"] * 2,
            "ratio": [0.7, 0.6, 0.8, 0.5],
        }
    )
    paper = relative.assign(ratio=relative["ratio"] + 0.1)
    fig, ax = plt.subplots()
    measures.plot_relative_bars(ax, relative, "tissue", ylabel="SNR / SNR(1)", title="t", overlay=paper)
    # bars run from the standard's 1 to each ratio, on a log axis
    assert all(p.get_y() == 1.0 for p in ax.patches)
    assert sorted(round(p.get_y() + p.get_height(), 6) for p in ax.patches) == [0.5, 0.6, 0.7, 0.8]
    assert ax.get_yscale() == "log"
    markers = [line for line in ax.lines if line.get_marker() == "_"]
    assert sorted(np.round(np.concatenate([m.get_ydata() for m in markers]), 6)) == [0.6, 0.7, 0.8, 0.9]
    assert any(list(line.get_ydata()) == [1.0, 1.0] for line in ax.lines)  # the standard's level
    plt.close(fig)
    with pytest.raises(ValueError, match="lacks column 'ratio'"):
        measures.plot_relative_bars(ax, relative.drop(columns="ratio"), "tissue", ylabel="", title="")
    with pytest.raises(ValueError, match="must be positive"):
        measures.plot_relative_bars(ax, relative.assign(ratio=0.0), "tissue", ylabel="", title="")
