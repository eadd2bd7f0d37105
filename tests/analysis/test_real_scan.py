"""Phantom against a real scan: the power spectrum's physics, the ROI helpers, the real scan's own ROIs."""

import numpy as np
import pytest

from lumbarlib.analysis.real_scan import (
    REAL_ROIS,
    band_power_ratio,
    compare_ratios,
    radial_power_spectrum,
    ratios_to_csf,
    real_midsagittal,
    real_tissue_means,
    spine_box,
    spine_box_centre,
)
from lumbarlib.study import mri_data


def test_white_noise_has_a_flat_spectrum_at_its_variance_times_the_pixel_area():
    rng = np.random.default_rng(0)
    pixel = (0.9, 0.7)
    spectrum = radial_power_spectrum(rng.normal(0.0, 2.0, (256, 256)), pixel)
    # the lowest rings hold few frequencies and the removed mean, spread by the window
    assert spectrum["power"].to_numpy()[3:] == pytest.approx(4.0 * 0.9 * 0.7, rel=0.15)


def test_a_stripe_pattern_peaks_at_its_frequency_and_blur_lowers_the_high_frequencies():
    pixel = (1.0, 1.0)
    rows = np.arange(128)[:, None] * np.ones((1, 128))
    stripes = np.cos(2 * np.pi * 0.2 * rows)
    spectrum = radial_power_spectrum(stripes, pixel, n_bins=25)
    peak = spectrum.loc[spectrum["power"].idxmax(), "frequency_per_mm"]
    assert peak == pytest.approx(0.2, abs=0.02)
    rng = np.random.default_rng(1)
    noise = rng.normal(size=(128, 128))
    kernel = np.ones(3) / 3
    blurred = np.apply_along_axis(np.convolve, 1, noise, kernel, mode="same")
    a, b = radial_power_spectrum(noise, pixel), radial_power_spectrum(blurred, pixel)
    assert b["power"].iloc[-1] < 0.2 * a["power"].iloc[-1]
    assert b["power"].iloc[0] > 0.5 * a["power"].iloc[0]


def test_helpers_refuse_bad_input_and_measure_what_they_say():
    # each ROI reads its own tissue: an image whose value is the row index gives each ROI's centre row
    rows = np.repeat(np.arange(201, dtype=float)[:, None] + 0.5, 257, axis=1)
    means = real_tissue_means(rows, (1.0, 1.0))
    assert means == pytest.approx({t: roi[0] for t, roi in REAL_ROIS.items()}, abs=0.01)
    with pytest.raises(ValueError, match="reaches outside the image"):
        real_tissue_means(np.zeros((50, 50)), (1.0, 1.0))
    with pytest.raises(ValueError, match="csf"):
        ratios_to_csf({"disc": 1.0})
    assert ratios_to_csf({"csf": 2.0, "disc": 1.0}) == {"disc": 0.5}
    with pytest.raises(ValueError, match="leaves the image"):
        spine_box(np.zeros((50, 50)), (1.0, 1.0), (10.0, 10.0))
    with pytest.raises(ValueError, match="'patch'"):
        radial_power_spectrum(np.zeros(10), (1.0, 1.0))
    flat = radial_power_spectrum(np.random.default_rng(2).normal(size=(64, 64)), (1.0, 1.0))
    louder = flat.assign(power=4.0 * flat["power"])
    assert band_power_ratio(louder, flat, (0.1, 0.4)) == pytest.approx(4.0)
    with pytest.raises(ValueError, match="'band'"):
        band_power_ratio(flat, flat, (0.3, 0.9))
    table = compare_ratios({"disc": 0.4}, {"disc": 0.5}, {"disc": 0.3})
    assert table.loc[0, "phantom / real"] == pytest.approx(0.8)


@pytest.mark.skipif(not mri_data.available(), reason="real MR images not in the data folder")
def test_the_real_scans_rois_sit_in_plausible_tissue():
    volume = mri_data.lumbar_volume()
    image = real_midsagittal(volume.image)
    pixel = tuple(volume.spacing_mm[1:])
    means = real_tissue_means(image, pixel)
    assert set(means) == set(REAL_ROIS)
    # CSF is the brightest tissue of a T2-weighted image, and every ROI holds signal
    assert all(means["csf"] > v for t, v in means.items() if t != "csf")
    background = image[:20, :20].mean()
    assert all(v > 3 * background for v in means.values())
    assert spine_box(image, pixel, spine_box_centre(REAL_ROIS["vertebra"][:2])).shape == (96, 64)
