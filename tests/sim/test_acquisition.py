"""Image formation: NEX averaging, Rayleigh air noise, noise-free fidelity, calibration."""

import math

import numpy as np
import pytest

from lumbarlib.sim.acquisition import (
    acquire_image,
    acquire_kspace,
    background_air_mask,
    calibrate_noise_sd,
    combine_coils,
    image_noise_sigma,
    rayleigh_sd_factor,
)
from lumbarlib.sim.coils import (
    NEIGHBOUR_CORRELATION,
    coil_maps,
    combined_noise_gain,
    noise_covariance,
    spine_array,
)
from lumbarlib.sim.kspace import ifft2c
from lumbarlib.sim.labels import LABELS
from lumbarlib.study.protocol import PROTOCOLS

SHAPE = (128, 128)


@pytest.fixture(scope="module")
def maps():
    return coil_maps(SHAPE, (300.0, 270.0)).maps


def test_nex_averaging_pure_noise_sd_ratio_is_sqrt2(maps):
    zero = np.zeros(SHAPE, np.float32)
    nex1 = acquire_image(zero, maps, PROTOCOLS["double-fast"], noise_sd=1.0, rng=np.random.default_rng(0))
    nex2 = acquire_image(zero, maps, PROTOCOLS["standard"], noise_sd=1.0, rng=np.random.default_rng(1))
    assert nex1.std() / nex2.std() == pytest.approx(math.sqrt(2), rel=0.03)


def test_air_sd_is_rayleigh_not_sigma(maps):
    zero = np.zeros(SHAPE, np.float32)
    image = acquire_image(zero, maps, PROTOCOLS["standard"], noise_sd=2.0, rng=np.random.default_rng(2))
    assert image.std() == pytest.approx(2.0 * rayleigh_sd_factor(2), rel=0.03)
    assert image.mean() == pytest.approx(2.0 / math.sqrt(2) * math.sqrt(math.pi) / 2, rel=0.03)


@pytest.mark.parametrize("name", ["standard", "double-fast"])
def test_the_known_image_sigma_is_the_one_the_air_shows(maps, name):
    # Rayleigh air of per-component sigma s: mean s * sqrt(pi / 2); the sigma the DLR is given must be that s
    protocol = PROTOCOLS[name]
    zero = np.zeros(SHAPE, np.float32)
    image = acquire_image(zero, maps, protocol, noise_sd=1.5, rng=np.random.default_rng(7))
    sigma = image_noise_sigma(1.5, protocol.nex)
    assert image.mean() == pytest.approx(sigma * math.sqrt(math.pi / 2), rel=0.02)
    with pytest.raises(ValueError, match="'nex' = 0"):
        image_noise_sigma(1.0, 0)


def test_noise_free_fully_sampled_acquisition_returns_the_signal(maps):
    rng = np.random.default_rng(3)
    signal = rng.random(SHAPE).astype(np.float32)
    for name in ("standard", "double-fast"):
        out = acquire_image(signal, maps, PROTOCOLS[name], noise_sd=0.0, rng=rng)
        np.testing.assert_allclose(out, signal, atol=1e-5)


def test_undersampled_kspace_is_zero_off_the_mask(maps):
    mask = np.zeros(SHAPE[0], bool)
    mask[::2] = True
    k = acquire_kspace(
        np.ones(SHAPE), maps, PROTOCOLS["triple-fast"], noise_sd=1.0, rng=np.random.default_rng(4), mask=mask
    )
    assert np.all(k[:, ~mask] == 0) and np.all(k[:, mask] != 0)


def test_noise_free_triple_fast_is_close_to_the_signal(maps):
    signal = np.zeros(SHAPE, np.float32)
    signal[40:90, 30:100] = 1.0
    out = acquire_image(
        signal, maps, PROTOCOLS["triple-fast"], noise_sd=0.0, rng=np.random.default_rng(5), cs_iterations=40
    )
    assert np.abs(out - signal).mean() < 0.05


def test_combination_recovers_coil_images(maps):
    signal = np.random.default_rng(6).random(SHAPE)
    np.testing.assert_allclose(combine_coils(maps * signal, maps), signal, atol=1e-5)
    with pytest.raises(ValueError, match="differ in shape"):
        combine_coils(maps[:2], maps)


def test_calibration_reaches_the_target_snr(maps):
    labels = np.zeros((2,) + SHAPE, np.int16)
    labels[:, :, 60:] = LABELS["muscle"]
    labels[:, 50:70, 70:90] = LABELS["retroperitoneal_fat"]
    labels[:, 30:80, 95:120] = LABELS["vertebra_S1"]
    truth = np.where(labels == LABELS["air"], 0.0, 1.0).astype(np.float32)
    truth[1] *= 2.0
    cal = calibrate_noise_sd(truth, labels, maps, rng=np.random.default_rng(7), target_snr=50.0)
    assert cal.expected_snr.mean() == pytest.approx(50.0)
    assert cal.air_sd_per_unit_noise == pytest.approx(rayleigh_sd_factor(2), rel=0.03)
    image = acquire_image(truth[0], maps, PROTOCOLS["standard"], noise_sd=cal.noise_sd, rng=np.random.default_rng(8))
    air = background_air_mask(labels[0])
    fat = labels[0] == LABELS["retroperitoneal_fat"]
    assert image[fat].mean() / image[air].std() == pytest.approx(cal.expected_snr[0], rel=0.05)


def test_bad_input(maps):
    zero = np.zeros(SHAPE, np.float32)
    with pytest.raises(ValueError, match="'noise_sd' = -1"):
        acquire_image(zero, maps, PROTOCOLS["standard"], noise_sd=-1, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="does not match coil maps"):
        acquire_image(np.zeros((10, 10)), maps, PROTOCOLS["standard"], noise_sd=1, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="boolean array"):
        acquire_image(
            zero, maps, PROTOCOLS["triple-fast"], noise_sd=1, rng=np.random.default_rng(0), mask=np.ones(5, bool)
        )


def test_the_measured_coil_noise_covariance_equals_the_specified_one(maps):
    covariance = noise_covariance(spine_array())
    kspace = acquire_kspace(
        np.zeros(SHAPE, np.float32),
        maps,
        PROTOCOLS["double-fast"],
        noise_sd=1.0,
        rng=np.random.default_rng(11),
        noise_covariance=covariance,
    )
    samples = kspace.reshape(kspace.shape[0], -1)
    measured = samples @ samples.conj().T / samples.shape[1]
    np.testing.assert_allclose(measured, covariance, atol=0.03)  # 16384 samples per coil: SE about 0.008
    assert covariance[0, 1] == pytest.approx(NEIGHBOUR_CORRELATION)


def test_prewhitening_keeps_the_signal_and_beats_ignoring_the_correlation(maps):
    covariance = noise_covariance(spine_array(), 0.24)
    signal = np.ones(SHAPE, np.float32)
    protocol = PROTOCOLS["double-fast"]
    clean = acquire_image(
        signal, maps, protocol, noise_sd=0.0, rng=np.random.default_rng(0), noise_covariance=covariance
    )
    np.testing.assert_allclose(clean, signal, rtol=1e-4)
    whitened = acquire_image(
        signal, maps, protocol, noise_sd=0.05, rng=np.random.default_rng(1), noise_covariance=covariance
    )
    kspace = acquire_kspace(
        signal, maps, protocol, noise_sd=0.05, rng=np.random.default_rng(1), noise_covariance=covariance
    )
    ignored = np.abs(combine_coils(ifft2c(kspace), maps))  # the same data combined as if the noise were white
    assert np.std(whitened - signal) < np.std(ignored - signal)
    triple = acquire_image(
        signal, maps, PROTOCOLS["triple-fast"], noise_sd=0.0, rng=np.random.default_rng(2), noise_covariance=covariance
    )
    assert np.abs(triple - signal)[20:-20, 20:-20].mean() < 0.05  # the CS solver converges with whitened maps


def test_with_correlated_noise_the_known_sigma_carries_the_combinations_noise_gain(maps):
    covariance = noise_covariance(spine_array())
    gain = combined_noise_gain(maps, covariance)
    assert gain.min() > 0.9 and np.median(gain) > 1.05  # correlated noise costs SNR
    np.testing.assert_allclose(combined_noise_gain(maps, None), 1.0)
    image = acquire_image(
        np.zeros(SHAPE, np.float32),
        maps,
        PROTOCOLS["double-fast"],
        noise_sd=1.5,
        rng=np.random.default_rng(9),
        noise_covariance=covariance,
    )
    rayleigh_mean = np.mean([image_noise_sigma(1.5, 1, g) for g in gain.ravel()[::7]]) * math.sqrt(math.pi / 2)
    assert image.mean() == pytest.approx(rayleigh_mean, rel=0.02)
