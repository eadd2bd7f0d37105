"""Training data: brain and knee only, held-out images disjoint from training, seeded Rician patches."""

import numpy as np
import pytest

from lumbarlib.dlr import training_data as td


@pytest.fixture(scope="module")
def images():
    return td.training_images(n_knees=1, slice_step=30)


def test_training_set_is_brain_and_knee_only(images):
    assert {im.domain for im in images} == {"brain", "knee"}
    assert all(im.image.dtype == np.float32 and im.image.ndim == 2 for im in images)


def test_brain_volumes_are_scaled_and_t2w_has_bright_csf():
    volumes = td.brain_volumes()
    assert set(volumes) == {"T1w", "T2w"}
    t1, t2 = volumes["T1w"], volumes["T2w"]
    brain = t1 > 0.05
    assert np.percentile(t1[brain], 99.5) == pytest.approx(1.0, rel=0.02)
    # ventricles: bright on T2w, dark on T1w relative to white matter (centre of the template)
    x, y, z = (s // 2 for s in t1.shape)
    assert t2[x - 10 : x + 10, y - 10 : y + 10, z : z + 20].max() > 0.8


def test_held_out_images_never_enter_training():
    assert td.HELD_OUT_KNEE_SEED not in td.TRAIN_KNEE_SEEDS
    held = td.held_out_images()
    assert {im.domain for im in held} == {"brain", "knee"}
    # brain: training slices come from template rows y >= split + gap, held-out ones from y < split
    full_y = td.brain_volumes()["T1w"].shape[1]
    sagittal = [im for im in held if "sagittal" in im.name][0]
    assert sagittal.image.shape[1] == td.BRAIN_SPLIT_Y
    train = [im for im in td.training_images(n_knees=1, slice_step=30) if "sagittal" in im.name]
    assert train[0].image.shape[1] == full_y - td.BRAIN_SPLIT_Y - td.BRAIN_SPLIT_GAP


def test_batches_are_seeded_shaped_and_rician(images):
    kwargs = dict(batch_size=6, patch_size=24, sigma_range=(0.01, 0.1))
    a = td.sample_batch(images, rng=np.random.default_rng(3), **kwargs)
    b = td.sample_batch(images, rng=np.random.default_rng(3), **kwargs)
    np.testing.assert_array_equal(a.noisy, b.noisy)
    assert a.noisy.shape == a.clean.shape == (6, 1, 24, 24)
    assert np.all((a.sigma >= 0.01) & (a.sigma <= 0.1))
    assert np.all(a.noisy >= 0)  # magnitude
    # where the truth is zero the noisy magnitude is Rayleigh: mean sigma * sqrt(pi / 2)
    air = a.clean[:, 0] == 0
    ratio = (a.noisy[:, 0] / a.sigma[:, None, None])[air]
    if ratio.size > 500:
        assert ratio.mean() == pytest.approx(np.sqrt(np.pi / 2), rel=0.1)


def test_bad_parameters_raise(images):
    with pytest.raises(ValueError, match="patch_size"):
        td.sample_batch(images, batch_size=1, patch_size=4096, sigma_range=(0.01, 0.1), rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="sigma_range"):
        td.sample_batch(images, batch_size=1, patch_size=16, sigma_range=(0.0, 0.1), rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="n_knees"):
        td.training_images(n_knees=0)
