"""Training data: real brain and knee only, split by subject, Noisier2Noise targets, seeded Rician patches."""

import numpy as np
import pytest

from lumbarlib.dlr import training_data as td
from lumbarlib.study import mri_data

needs_data = pytest.mark.skipif(not mri_data.available(), reason="the real MR images are not here")


def synthetic(domain: str, sigma0: float, seed: int, shape=(64, 64)) -> td.DomainImage:
    """A disc of tissue on air with its own Gaussian noise ``sigma0`` (a stand-in for a real slice)."""
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    disc = (np.hypot(yy - shape[0] / 2, xx - shape[1] / 2) < shape[0] / 3).astype(float)
    noise = np.random.default_rng(seed).normal(0, sigma0, shape)
    return td.DomainImage(domain, f"{domain} {seed}", (disc + noise).clip(0).astype(np.float32), f"s{seed}", sigma0)


@pytest.fixture(scope="module")
def images():
    return (synthetic("brain", 0.01, 0), synthetic("knee", 0.03, 1), synthetic("knee", 0.0, 2))


@needs_data
def test_real_split_keeps_subjects_apart_and_the_lumbar_scan_out():
    split = td.real_split()
    subjects = {part: {im.subject for im in split[part] if im.domain == "knee"} for part in td.PARTS}
    assert not subjects["train"] & subjects["validation"] and not subjects["train"] & subjects["test"]
    assert not subjects["validation"] & subjects["test"]
    assert sum(map(len, subjects.values())) == len(mri_data.KNEE_FILES)
    assert {im.domain for part in split.values() for im in part} == {"brain", "knee"}
    assert not any("lumbar" in im.name for part in split.values() for im in part)
    # the one brain volunteer: head positions never shared between parts; the ENLIVE head only in test
    for part, wanted in (("train", td.BRAIN_TRAIN_POSITIONS), ("validation", (td.BRAIN_VALIDATION_POSITION,))):
        positions = {td._position(im.name.split(" ", 1)[1]) for im in split[part] if im.domain == "brain"}
        assert positions == set(wanted)
    assert [im.subject for part in ("train", "validation") for im in split[part]].count(mri_data.HEAD_SUBJECT) == 0
    assert any(im.subject == mri_data.HEAD_SUBJECT for im in split["test"])
    image = split["train"][0].image
    assert image.dtype == np.float32 and np.percentile(image, td.SCALE_PERCENTILE) == pytest.approx(1.0, rel=1e-3)
    assert all(0 < im.sigma0 <= td.MAX_OWN_NOISE for part in split.values() for im in part)
    assert min(len([im for im in split[part] if im.domain == d]) for part in td.PARTS for d in ("brain", "knee")) >= 3


def test_noisier2noise_target_is_unbiased_and_regresses_to_the_clean_posterior_mean():
    # Gaussian scalar model: x ~ N(0, tau^2), y = x + n0, z = y + n1: E[x | z] = tau^2 / (tau^2 + s0^2 + s1^2) z
    rng = np.random.default_rng(0)
    tau, s0, s1, n = 1.0, 0.6, 0.4, 400_000
    x = rng.normal(0, tau, n)
    y = x + rng.normal(0, s0, n)
    z = y + rng.normal(0, s1, n)
    t = td.noisier2noise_target(z, y, np.full(n, s1), np.full(n, s0))
    assert np.mean(t - x) == pytest.approx(0.0, abs=0.02)
    slope = np.dot(z, t) / np.dot(z, z)
    assert slope == pytest.approx(tau**2 / (tau**2 + s0**2 + s1**2), abs=0.01)
    # the plain noisy target would teach E[y | z] instead, a clearly larger slope
    assert np.dot(z, y) / np.dot(z, z) > slope + 0.1
    np.testing.assert_array_equal(td.noisier2noise_target(z, y, np.full(n, s1), np.zeros(n)), y)


def test_batches_are_seeded_shaped_and_rician(images):
    kwargs = dict(batch_size=32, patch_size=24, sigma_range=(0.01, 0.1))
    a = td.sample_batch(images, rng=np.random.default_rng(3), **kwargs)
    b = td.sample_batch(images, rng=np.random.default_rng(3), **kwargs)
    np.testing.assert_array_equal(a.noisy, b.noisy)
    assert a.noisy.shape == a.clean.shape == (32, 1, 24, 24)
    assert np.all(a.noisy >= 0)  # magnitude
    # total noise: the added part (never below half the target's own, nor the range) and the target's own
    added = np.sqrt(a.sigma.astype(float) ** 2 - a.sigma0.astype(float) ** 2)
    floor = np.maximum(0.01, td.MIN_NOISE_RATIO * a.sigma0) * (1 - 1e-5)
    assert np.all((added >= floor) & (added <= 0.1 * (1 + 1e-5)))


def test_intensity_augmentation_scales_signal_and_own_noise_together():
    flat = td.DomainImage("knee", "flat", np.ones((32, 32), np.float32), "s", 0.02)
    batch = td.sample_batch([flat], batch_size=64, patch_size=16, sigma_range=(0.01, 0.1), rng=np.random.default_rng(5))
    gain = batch.sigma0 / 0.02
    np.testing.assert_allclose(batch.clean.reshape(64, -1).max(axis=1), gain, rtol=1e-5)
    np.testing.assert_allclose(batch.clean.reshape(64, -1).min(axis=1), gain, rtol=1e-5)
    low, high = td.INTENSITY_RANGE
    assert gain.min() >= low * (1 - 1e-5) and gain.max() <= high * (1 + 1e-5)
    assert gain.max() / gain.min() > 1.5  # spread over the range, not one value


def test_air_of_a_noise_free_image_is_rayleigh(images):
    batch = td.sample_batch(
        images[2:], batch_size=16, patch_size=48, sigma_range=(0.02, 0.05), rng=np.random.default_rng(1)
    )
    air = batch.clean[:, 0] == 0
    ratio = (batch.noisy[:, 0] / batch.sigma[:, None, None])[air]
    assert ratio.size > 500
    assert ratio.mean() == pytest.approx(np.sqrt(np.pi / 2), rel=0.05)


def test_bad_parameters_raise(images):
    with pytest.raises(ValueError, match="patch_size"):
        td.sample_batch(images, batch_size=1, patch_size=4096, sigma_range=(0.01, 0.1), rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="sigma_range"):
        td.sample_batch(images, batch_size=1, patch_size=16, sigma_range=(0.1, 0.01), rng=np.random.default_rng(0))
