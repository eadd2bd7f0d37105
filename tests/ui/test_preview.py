"""The live preview: tile geometry, acquisition physics, ROI measures, blitted redraw, widgets without a front end.

One tiny cohort (one volunteer, 0.3 of the paper's matrix) is simulated for the whole
file; the DLR is the untrained network (identity convolutions), which at strength 0 is
exactly the identity, so the wiring can be checked against the input itself.
"""

from __future__ import annotations

import base64
import dataclasses
import io

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import torch
from PIL import Image

from lumbarlib.analysis.measures import RoiStats
from lumbarlib.analysis.rois import OvalRoi, place_roi
from lumbarlib.core.checks import ParameterError
from lumbarlib.dlr.network import DLRNet
from lumbarlib.sim.cohort import simulate_cohort
from lumbarlib.sim.coils import combined_noise_gain
from lumbarlib.ui.plotting import PANEL_METADATA
from lumbarlib.ui.preview import (
    CNR_PAIRS,
    Explorer,
    RoiSummary,
    Settings,
    acquire_tile,
    coarse_preview,
    make_tile,
    measure_tile,
    shift_roi,
    tile_origin,
    tile_window,
)
from lumbarlib.ui.preview_figure import PreviewFigure
from lumbarlib.ui.preview_widgets import PreviewWidget, preview_widget

SEED = 0
SIZE = 64


@pytest.fixture(scope="module")
def cohort():
    return simulate_cohort(1, SEED, matrix_scale=0.3, cs_iterations=3, show_pbar=False)


@pytest.fixture(scope="module")
def explorer(cohort):
    torch.manual_seed(0)  # DLRNet() draws nothing at random, but keep torch's state fixed anyway
    return Explorer(cohort.study, seed=SEED, cs_iterations=3, size=SIZE, net=DLRNet().eval())


def test_explorer_takes_the_noise_sd_the_study_was_acquired_with(cohort, explorer):
    assert cohort.study.noise_sd == cohort.calibration.noise_sd
    assert explorer.noise_sd == cohort.calibration.noise_sd


def test_explorer_redoes_the_cohort_noise_calibration_exactly_for_a_study_without_it(cohort):
    study = dataclasses.replace(cohort.study, noise_sd=None)
    assert Explorer(study, seed=SEED, net=DLRNet().eval()).noise_sd == cohort.calibration.noise_sd


def test_tile_is_a_crop_of_the_study_with_the_same_rois(cohort, explorer):
    study, tile = cohort.study, explorer.tile(1)
    r, c = tile.origin
    assert tile_window(study, 1, SIZE) == (slice(r, r + SIZE), slice(c, c + SIZE))
    assert tile.signal.shape == (SIZE, SIZE) and tile.volunteer == 1
    np.testing.assert_array_equal(tile.signal, study.truth[0, 0, r : r + SIZE, c : c + SIZE])
    np.testing.assert_array_equal(tile.coil_maps, explorer.coil_maps[:, r : r + SIZE, c : c + SIZE])
    assert tile.rois, "no ROI in the tile"
    for tissue, roi in tile.rois.items():
        full = place_roi(tissue, study.labels[0, 0], study.pixel_mm).mask(study.truth.shape[-2:], study.pixel_mm)
        np.testing.assert_array_equal(roi.mask(tile.signal.shape, tile.pixel_mm), full[r : r + SIZE, c : c + SIZE])


def test_shift_roi_moves_the_mask_with_the_crop():
    pixel = (0.9, 0.7)
    roi = OvalRoi("disc", "mid", (20.0, 15.0), (3.0, 4.0))
    full = roi.mask((60, 60), pixel)
    moved = shift_roi(roi, (5, 7), pixel).mask((40, 40), pixel)
    np.testing.assert_array_equal(moved, full[5:45, 7:47])


def test_tile_origin_centres_on_the_rois_and_stays_inside():
    pixel = (1.0, 1.0)
    rois = [OvalRoi("a", "mid", (50.5, 50.5), (2.0, 2.0))]
    assert tile_origin(rois, (200, 200), pixel, 20) == (40, 40)
    corner = [OvalRoi("a", "mid", (2.0, 198.0), (1.0, 1.0))]
    assert tile_origin(corner, (200, 200), pixel, 20) == (0, 180)


def test_noise_free_fully_sampled_acquisition_returns_the_object(explorer):
    tile = explorer.tile(1)
    clean = acquire_tile(tile, Settings(noise_factor=0.0), seed=SEED, cs_iterations=3)
    np.testing.assert_allclose(clean, np.abs(tile.signal), rtol=1e-4, atol=1e-6 * tile.signal.max())


def test_noise_sd_scales_with_noise_level_and_falls_as_one_over_root_nex(explorer):
    tile = explorer.tile(1)
    tissue = tile.signal > 20 * tile.noise_sd  # magnitude noise is Gaussian there

    def noise_sd(settings: Settings) -> float:
        # the noise before the intensity correction, which multiplies it pixel by pixel
        error = (acquire_tile(tile, settings, seed=SEED, cs_iterations=3) - tile.signal) / tile.gain
        return float(error[tissue].std())

    one = noise_sd(Settings(nex=1))
    assert noise_sd(Settings(nex=1, noise_factor=2.0)) / one == pytest.approx(2.0, rel=0.1)
    assert noise_sd(Settings(nex=4)) / one == pytest.approx(0.5, rel=0.1)
    # the study's noise with unit-RSS maps and the orthonormal FFT: SD per real part sigma / sqrt(2),
    # times the prewhitened combination's gain where the coils' noise is correlated
    gain = float(np.median(combined_noise_gain(tile.coil_maps, tile.noise_covariance)[tissue]))
    assert one == pytest.approx(gain * tile.noise_sd / np.sqrt(2.0), rel=0.1)


def test_same_settings_same_image_and_global_random_state_untouched(explorer):
    tile = explorer.tile(1)
    state = np.random.get_state()[1].copy()
    a = acquire_tile(tile, Settings(cs_factor=1.8), seed=SEED, cs_iterations=3)
    b = acquire_tile(tile, Settings(cs_factor=1.8), seed=SEED, cs_iterations=3)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_roi_summary_formulas():
    stats = {"vertebra": RoiStats(si=10.0, sd=2.0, n_pixels=30), "disc": RoiStats(si=16.0, sd=4.0, n_pixels=30)}
    summary = RoiSummary(stats)
    assert summary.si_over_sd == {"vertebra": 5.0, "disc": 4.0}
    assert ("disc", "vertebra") in CNR_PAIRS
    assert summary.cnr == {("disc", "vertebra"): pytest.approx(6.0 / np.sqrt(10.0))}


def test_measure_tile_is_mean_and_sample_sd_in_each_roi(explorer):
    tile = explorer.tile(1)
    image = np.random.default_rng(1).normal(5.0, 1.0, tile.signal.shape)
    measured = measure_tile(image, tile)
    for tissue, mask in tile.masks().items():
        assert measured.stats[tissue].si == pytest.approx(image[mask].mean())
        assert measured.stats[tissue].sd == pytest.approx(image[mask].std(ddof=1))
    with pytest.raises(ValueError, match="differs from the tile"):
        measure_tile(image[:-1], tile)


def test_strength_zero_of_the_untrained_dlr_is_the_identity(explorer):
    preview = explorer.preview(Settings(strength=0.0))
    np.testing.assert_allclose(preview.denoised, preview.noisy, atol=1e-5 * preview.noisy.max())
    for tissue in preview.before.stats:
        assert preview.after.si_over_sd[tissue] == pytest.approx(preview.before.si_over_sd[tissue], rel=1e-3)


def test_more_strength_flattens_the_rois(explorer):
    weak, strong = (explorer.preview(Settings(strength=s)) for s in (0.5, 2.0))
    for tissue in weak.before.stats:
        assert strong.after.stats[tissue].sd < weak.after.stats[tissue].sd
    np.testing.assert_array_equal(weak.noisy, strong.noisy)  # the strength does not re-acquire


def test_settings_refuse_bad_values_by_name():
    with pytest.raises(ParameterError, match="'nex' = 0"):
        Settings(nex=0)
    with pytest.raises(ParameterError, match="'cs_factor' = 0.5"):
        Settings(cs_factor=0.5)
    with pytest.raises(ParameterError, match="'strength' = -1"):
        Settings(strength=-1)


def test_explorer_refuses_an_unknown_volunteer(explorer):
    with pytest.raises(ParameterError, match="'volunteer' = 2"):
        explorer.preview(Settings(volunteer=2))
    with pytest.raises(ParameterError, match="'volunteer' = 0"):
        Settings(volunteer=0)


def test_make_tile_refuses_mismatched_coil_maps(cohort, explorer):
    with pytest.raises(ValueError, match="coil maps"):
        make_tile(cohort.study, 1, explorer.coil_maps[:, :-1], explorer.noise_sd)


def test_blitted_update_draws_what_a_full_redraw_draws(explorer):
    preview = explorer.preview(Settings(strength=1.0))
    figure = PreviewFigure(explorer.tile(1))
    rendered = figure.render(preview).astype(int)
    full = np.asarray(Image.open(io.BytesIO(figure.png(preview))).convert("RGB"), dtype=int)
    assert rendered.shape == full.shape
    title_rows = full.shape[0] // 12  # the full render's title names the settings; the fast one's does not
    fast, full = rendered[title_rows:], full[title_rows:]
    # the overlay layer is blended in float and rounded once: at most a grey level off at its antialiased edges
    assert np.mean(np.abs(fast - full) > 1) < 0.001
    live = np.asarray(Image.open(io.BytesIO(figure.update(preview))).convert("RGB"), dtype=int)
    assert live.shape == rendered.shape and np.mean(np.abs(live - rendered)) < 2.0  # JPEG at quality 95


def test_widget_recomputes_on_slider_change_and_leaves_a_png_without_front_end(explorer):
    widget = PreviewWidget(explorer, Settings(), ("strength", "noise_factor"))
    image, table = widget.image.value, widget.stats.value
    widget.controls["strength"].value = 2.0
    assert widget.settings == dataclasses.replace(widget.settings, strength=2.0)
    assert widget.image.value != image and widget.stats.value != table
    image = widget.image.value
    widget.controls["noise_factor"].value = 2.0
    assert widget.preview.settings.noise_factor == 2.0 and widget.image.value != image
    bundle, metadata = widget._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    png = Image.open(io.BytesIO(base64.b64decode(bundle["image/png"])))
    assert png.size[0] > 300 and png.size[1] > 100
    assert metadata == {"image/png": {PANEL_METADATA: 3}}  # input, output, difference
    with pytest.raises(ParameterError, match="'controls' = 'gain'"):
        PreviewWidget(explorer, Settings(), ("gain",))


def test_preview_widget_checks_its_arguments_before_any_work(cohort):
    with pytest.raises(ParameterError, match="'controls' = 'gain'"):
        preview_widget(("gain",), study=cohort.study)
    with pytest.raises(ParameterError, match="'volunteer' = 5"):
        preview_widget(study=cohort.study, volunteer=5)
    with pytest.raises(ParameterError, match="'strength' = -0.5"):
        preview_widget(study=cohort.study, strength=-0.5)


def test_coarse_frame_is_the_binned_tile_denoised_and_repeated(explorer):
    settings = Settings(strength=0.0)  # the untrained DLR at strength 0 is the identity
    noisy, sigma = explorer.acquired(settings)
    tile = explorer.tile(1)
    coarse = coarse_preview(tile, noisy, settings, sigma=sigma, net=explorer.net)
    raw = noisy / tile.gain
    binned = raw.reshape(SIZE // 2, 2, SIZE // 2, 2).mean(axis=(1, 3))
    expected = np.repeat(np.repeat(binned, 2, axis=0), 2, axis=1) * tile.gain
    np.testing.assert_allclose(coarse.denoised, expected, rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(coarse.noisy, noisy)
    np.testing.assert_allclose(coarse.difference, noisy - coarse.denoised)


def test_a_strength_change_shows_a_coarse_frame_first_then_the_full_tile(explorer):
    widget = PreviewWidget(explorer, Settings(), ("strength", "noise_factor"))
    shown = []
    widget.image.observe(lambda change: shown.append(change["new"]), names="value")
    widget.controls["strength"].value = 2.0
    assert len(shown) == 2  # coarse, then full
    full = PreviewFigure(explorer.tile(1), dpi=80).update(explorer.preview(widget.settings))
    assert shown[-1] == full and shown[0] != full
    assert widget.first_frame_ms <= widget.last_latency_ms
    shown.clear()
    widget.controls["noise_factor"].value = 1.5  # a new acquisition: no coarse frame to show first
    assert len(shown) == 1 and widget.first_frame_ms == widget.last_latency_ms
