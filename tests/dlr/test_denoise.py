"""The trained DLR: lowers the error on held-out brain, knee and lumbar images; keeps mean and shape."""

import numpy as np
import pytest
import torch

from lumbarlib.dlr.denoise import (
    acquisition_sigmas,
    denoise,
    denoise_in_strips,
    denoise_study,
    denoise_uncorrected,
)
from lumbarlib.dlr.evaluation import metrics_table
from lumbarlib.dlr.network import DLRNet
from lumbarlib.dlr.training_data import DomainImage, real_split
from lumbarlib.dlr.weights import calibrated_strength, load_dlr
from lumbarlib.sim.anatomy import typical_anatomy
from lumbarlib.sim.noise import add_rician_noise, estimate_sigma
from lumbarlib.sim.phantom import render_slice
from lumbarlib.study import mri_data
from lumbarlib.study.design import DLR_SETS

NOISE_LEVELS = (0.02, 0.05, 0.1)


@pytest.fixture(scope="module")
def net():
    return load_dlr()


def spine(matrix_scale: float) -> np.ndarray:
    """The typical volunteer's midsagittal noise-free slice, scaled to a maximum of 1 (a held-out body part)."""
    signal = np.abs(render_slice(typical_anatomy(), "mid", matrix_scale=matrix_scale).signal)
    return (signal / signal.max()).astype(np.float32)


@pytest.mark.skipif(not mri_data.available(), reason="the real MR images are not here")
def test_trained_network_lowers_the_error_on_held_out_real_images_and_the_spine(net):
    test = real_split()["test"]
    cases = [next(im for im in test if im.domain == d) for d in ("brain", "knee")]
    cases.append(DomainImage("lumbar", "lumbar mid", spine(0.5)))
    table = metrics_table(cases, NOISE_LEVELS, seed=0, net=net, sigma_known=True, show_pbar=False)
    assert len(table) == 3 * len(NOISE_LEVELS)
    assert set(table["domain"]) == {"brain", "knee", "lumbar"}
    assert (table["psnr_after_db"] > table["psnr_before_db"] + 1.0).all(), table
    assert (table["ssim_after"] > table["ssim_before"]).all(), table


def test_image_mean_is_preserved_on_a_noisy_phantom(net):
    truth = spine(0.4)
    noisy = add_rician_noise(truth, 0.05, np.random.default_rng(1))
    assert denoise(noisy, net=net).mean() == pytest.approx(noisy.mean(), rel=0.01)


@pytest.mark.parametrize("shape", [(33, 40), (48, 47)])
def test_shape_and_dtype_are_kept(net, shape):
    image = np.random.default_rng(2).uniform(0, 1, shape)
    out = denoise(image, sigma=0.1, net=net)
    assert out.shape == shape and out.dtype == np.float64
    assert denoise(image.astype(np.float32), sigma=0.1, net=net).dtype == np.float32


def test_a_flipped_or_transposed_view_is_denoised_like_a_copy():
    image = np.random.default_rng(7).uniform(0, 1, (20, 24)).astype(np.float32)
    net = DLRNet(n_blocks=1)
    view = image.T[::-1]
    np.testing.assert_array_equal(denoise(view, sigma=0.1, net=net), denoise(view.copy(), sigma=0.1, net=net))


def test_strength_defaults_to_the_shipped_calibration():
    image = np.random.default_rng(6).uniform(0, 1, (24, 24)).astype(np.float32)
    net = DLRNet(n_blocks=1)
    np.testing.assert_array_equal(
        denoise(image, sigma=0.1, net=net), denoise(image, sigma=0.1, strength=calibrated_strength(), net=net)
    )


def test_sigma_defaults_to_the_estimate_and_strength_controls_smoothing(net):
    truth = spine(0.3)
    noisy = add_rician_noise(truth, 0.05, np.random.default_rng(3)).astype(np.float32)
    np.testing.assert_array_equal(denoise(noisy, net=net), denoise(noisy, sigma=estimate_sigma(noisy), net=net))
    residual = [np.std(noisy - denoise(noisy, net=net, strength=s)) for s in (0.5, 1.0, 2.0)]
    assert residual[0] < residual[1] < residual[2]


def test_denoise_follows_weights_changed_after_a_first_call():
    # the folded inference form is cached per network: a training step must invalidate it
    net = DLRNet(n_blocks=2)
    image = np.random.default_rng(3).uniform(0, 1, (20, 24)).astype(np.float32)
    before = denoise(image, sigma=0.1, strength=1.0, net=net)
    with torch.no_grad():
        net.convs[0].weight.mul_(0.5)
    after = denoise(image, sigma=0.1, strength=1.0, net=net)
    with torch.no_grad():
        expected = net(torch.from_numpy(image)[None, None], 0.1)[0, 0].numpy()
    assert not np.allclose(before, after)
    np.testing.assert_allclose(after, expected, rtol=1e-4, atol=1e-5)


def test_denoise_study_completes_the_two_dlr_sets():
    net = DLRNet(n_blocks=1)
    rng = np.random.default_rng(4)
    images = {name: rng.uniform(0, 1, (2, 2, 16, 20)).astype(np.float32) for name in ("standard", *DLR_SETS)}
    out = denoise_study(images, net=net, show_pbar=False)
    assert set(out) == set(DLR_SETS.values())
    for src, dst in DLR_SETS.items():
        assert out[dst].shape == images[src].shape and out[dst].dtype == np.float32
        np.testing.assert_array_equal(out[dst][1, 0], denoise(images[src][1, 0], net=net))


def test_denoise_study_gives_both_sets_the_known_sigma_of_their_acquisition():
    net = DLRNet(n_blocks=1)
    rng = np.random.default_rng(4)
    images = {name: rng.uniform(0, 1, (1, 2, 16, 20)).astype(np.float32) for name in DLR_SETS}
    sigmas = acquisition_sigmas(0.2)
    assert sigmas == {name: pytest.approx(0.2 / np.sqrt(2)) for name in DLR_SETS}  # NEX 1, per component
    out = denoise_study(images, sigmas=sigmas, strength=1.0, net=net, show_pbar=False)
    for src, dst in DLR_SETS.items():
        np.testing.assert_array_equal(
            out[dst][0, 1], denoise(images[src][0, 1], sigma=sigmas[src], strength=1.0, net=net)
        )
    with pytest.raises(ValueError, match="no sigma for set"):
        denoise_study(images, sigmas={"double-fast": 0.1}, net=net)


def test_denoise_study_runs_the_dlr_before_the_intensity_correction():
    net = DLRNet(n_blocks=1)
    rng = np.random.default_rng(5)
    raw = {name: rng.uniform(0, 1, (1, 2, 16, 20)).astype(np.float32) for name in DLR_SETS}
    correction = rng.uniform(1.0, 8.0, (2, 16, 20)).astype(np.float32)
    corrected = {name: raw[name] * correction[None] for name in DLR_SETS}
    out = denoise_study(corrected, sigmas={n: 0.1 for n in DLR_SETS}, correction=correction, net=net, show_pbar=False)
    for src, dst in DLR_SETS.items():
        expected = correction[1] * denoise(raw[src][0, 1], sigma=0.1, net=net)
        np.testing.assert_allclose(out[dst][0, 1], expected, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="correction"):
        denoise_study(corrected, correction=correction[0], net=net)


def test_bad_inputs_raise_before_any_work():
    net = DLRNet(n_blocks=1)
    with pytest.raises(ValueError, match="NaN"):
        denoise(np.full((16, 16), np.nan), net=net)
    with pytest.raises(ValueError, match="2-D"):
        denoise(np.zeros(16), net=net)
    with pytest.raises(ValueError, match="strength"):
        denoise(np.zeros((16, 16)), sigma=1.0, strength=-1.0, net=net)
    with pytest.raises(ValueError, match="sigma"):
        denoise(np.zeros((16, 16)), sigma=-1.0, net=net)
    with pytest.raises(ValueError, match="missing sets"):
        denoise_study({"standard": np.zeros((1, 2, 16, 16))}, net=net)


def test_radial_spectrum_of_white_noise_is_flat_and_of_a_cosine_peaks_at_its_frequency():
    from lumbarlib.dlr.evaluation import radial_power_spectrum

    noise = np.random.default_rng(7).standard_normal((128, 128))
    spectrum = radial_power_spectrum(noise, (1.0, 1.0), n_bins=8)
    np.testing.assert_allclose(spectrum.power, 1.0, rtol=0.25)  # orthonormal DFT: unit power
    xx = np.arange(128)[None, :] * np.ones((128, 1))
    wave = np.cos(2 * np.pi * 0.25 * xx)  # 0.25 cycles/pixel = 0.125 cycles/mm at 2 mm pixels
    peak = radial_power_spectrum(wave, (2.0, 2.0), n_bins=16)
    assert peak.frequency_per_mm[np.argmax(peak.power)] == pytest.approx(0.125, abs=0.25 / 16)


def test_largest_error_window_finds_the_artefact():
    from lumbarlib.dlr.evaluation import largest_error_window

    truth = np.zeros((40, 50))
    image = truth.copy()
    image[20:26, 31:37] = 1.0
    rows, cols = largest_error_window(image, truth, 6)
    assert (rows, cols) == (slice(20, 26), slice(31, 37))
    # a larger artefact outside the region searched is not found
    image[2:10, 2:10] = 2.0
    assert largest_error_window(image, truth, 6)[0].start < 10
    found = largest_error_window(image, truth, 6, region=(slice(15, 40), slice(25, 50)))
    assert found == (slice(20, 26), slice(31, 37))
    # a region smaller than the window is widened inside the image
    rows, cols = largest_error_window(image, truth, 6, region=(slice(21, 24), slice(45, 50)))
    assert rows.stop - rows.start == 6 and cols == slice(44, 50)


def test_study_metrics_rank_a_cleaner_set_higher():
    from lumbarlib.dlr.evaluation import study_metrics

    rng = np.random.default_rng(8)
    truth = np.tile(spine(0.2), (2, 2, 1, 1))
    sets = {
        "standard": truth + 0.02 * rng.standard_normal(truth.shape),
        "double-fast": truth + 0.05 * rng.standard_normal(truth.shape),
    }
    table = study_metrics(sets, truth).groupby("set")["psnr_db"].mean()
    assert table["standard"] > table["double-fast"] + 5


@pytest.mark.parametrize(
    ("image", "kwargs", "problem"),
    [
        (np.full((16, 16), 3e38, np.float32), {"sigma": 1.0}, "pixel magnitude 3e+38 exceeds 1e+30"),
        (np.ones((16, 16)) * (1 + 1j), {"sigma": 0.1}, "is complex; the DLR takes a magnitude image"),
        (np.full((16, 16), "a"), {"sigma": 0.1}, "must be a numeric image"),
        (np.ones((16, 16)), {"sigma": 1e30, "strength": 10.0}, "'sigma' = 1e+30 and 'strength' = 10.0"),
        (np.ones((16, 16)), {"sigma": 1e31}, "'sigma' = 1e+31: must be a number >= 0 and <= 1e+30"),
        (np.ones((16, 16)), {"sigma": float("nan")}, "'sigma' = nan"),
        (np.ones((16, 16)), {"strength": -1.0, "sigma": 0.1}, "'strength' = -1.0"),
        (np.ones((4, 16)), {"sigma": 0.1}, "both sides must be >= 8 pixels"),
        (np.ones((2, 16, 16)), {"sigma": 0.1}, "must be a 2-D image"),
    ],
)
def test_bad_images_and_thresholds_are_named_before_any_work(image, kwargs, problem):
    with pytest.raises(ValueError, match=problem.replace("(", r"\(").replace("+", r"\+")):
        denoise(image, net=DLRNet().eval(), **kwargs)


def test_a_constant_image_comes_back_unchanged_with_no_noise_to_estimate():
    image = np.zeros((24, 24))
    assert estimate_sigma(image) == 0.0
    np.testing.assert_array_equal(denoise(image, net=DLRNet().eval()), image)
    flat = np.full((24, 24), 7.5, np.float32)
    np.testing.assert_allclose(denoise(flat, net=DLRNet().eval()), flat, rtol=1e-6)


def test_strips_give_the_whole_image_result():
    net = load_dlr()
    truth = render_slice(typical_anatomy(), "mid", matrix_scale=0.4).signal
    noisy = add_rician_noise(truth, 0.03 * float(truth.max()), np.random.default_rng(5))
    whole = denoise(noisy, sigma=0.03 * float(truth.max()), net=net)
    strips = denoise_in_strips(noisy, sigma=0.03 * float(truth.max()), net=net, rows=24, show_pbar=False)
    assert strips.dtype == whole.dtype
    np.testing.assert_allclose(strips, whole, rtol=0, atol=1e-5 * float(np.abs(whole).max()))
    with pytest.raises(ValueError, match="'rows' = 4"):
        denoise_in_strips(noisy, sigma=0.01, net=net, rows=4)


def test_denoise_uncorrected_is_the_dlr_on_the_coils_scale_and_plain_without_a_correction():
    net = DLRNet(n_blocks=1)
    rng = np.random.default_rng(6)
    raw = rng.uniform(0, 1, (16, 20)).astype(np.float32)
    correction = rng.uniform(1.0, 8.0, (16, 20)).astype(np.float32)
    out = denoise_uncorrected(raw * correction, correction, sigma=0.1, net=net)
    np.testing.assert_allclose(out, correction * denoise(raw, sigma=0.1, net=net), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(denoise_uncorrected(raw, None, sigma=0.1, net=net), denoise(raw, sigma=0.1, net=net))
    with pytest.raises(ValueError, match="correction"):
        denoise_uncorrected(raw, correction[:4], sigma=0.1, net=net)


def test_residue_peaks_find_structured_error_and_not_noise():
    from lumbarlib.dlr.evaluation import residue_peaks

    rng = np.random.default_rng(4)
    truth = np.zeros((80, 80))
    image = truth + 0.3 * rng.standard_normal(truth.shape)  # noise larger than the residue per pixel
    image[20:23, 10:60] += 0.25  # a faint streak, coherent along its length
    image[60:63, 40:70] -= 0.2  # a fainter one of the other sign
    window = (slice(0, 80), slice(0, 80))
    peaks = residue_peaks(image, truth, window, n=3, smooth_px=2.0, min_separation_px=10)
    on_first = [18 <= r <= 25 and 8 <= c <= 62 for r, c in peaks]
    on_second = [58 <= r <= 65 and 38 <= c <= 72 for r, c in peaks]
    assert len(peaks) == 3 and all(a or b for a, b in zip(on_first, on_second)), peaks
    assert any(on_first) and any(on_second)
    # inside a window, in the whole image's pixels
    inner = residue_peaks(image, truth, (slice(50, 80), slice(30, 80)), n=1, smooth_px=2.0)
    assert 58 <= inner[0][0] <= 65 and 38 <= inner[0][1] <= 72
    with pytest.raises(ValueError, match="'n' = 0"):
        residue_peaks(image, truth, window, n=0)
