"""The study's image sets: validated shapes, lossless save/load, added DLR sets."""

import dataclasses

import numpy as np
import pytest

from lumbarlib.study.design import ACQUIRED_SETS, SET_NAMES
from lumbarlib.study.imagesets import StudyImages, load_study


@pytest.fixture
def study(study_factory):
    """Two volunteers of the three acquired sets on an 8 x 10 grid."""
    return study_factory(2, (8, 10), sets=ACQUIRED_SETS, noise_sd=0.01)


def test_set_names_follow_the_paper():
    assert SET_NAMES == ("standard", "double-fast", "dlr-double-fast", "triple-fast", "dlr-triple-fast")
    assert set(ACQUIRED_SETS) < set(SET_NAMES)


def test_save_load_round_trip(tmp_path, study):
    study.save(tmp_path / "s.npz")
    back = StudyImages.load(tmp_path / "s.npz")
    assert back.pixel_mm == study.pixel_mm and back.set_names == study.set_names
    np.testing.assert_array_equal(back.truth, study.truth)
    np.testing.assert_array_equal(back.labels, study.labels)
    for name in study.images:
        np.testing.assert_array_equal(back.images[name], study.images[name])
    assert back.noise_sd is None


def test_noise_sd_survives_save_load_and_added_sets(tmp_path, study):
    study = dataclasses.replace(study, noise_sd=0.0123)
    study.save(tmp_path / "s.npz")
    back = StudyImages.load(tmp_path / "s.npz")
    assert back.noise_sd == 0.0123
    assert back.with_sets({"dlr-double-fast": back.truth}).noise_sd == 0.0123


def test_noise_gain_and_correction_survive_save_load_and_added_sets(tmp_path, study):
    correction = np.linspace(1.0, 30.0, study.truth[0].size, dtype=np.float32).reshape(study.truth.shape[1:])
    study = dataclasses.replace(study, noise_gain=1.2, correction=correction)
    study.save(tmp_path / "s.npz")
    back = StudyImages.load(tmp_path / "s.npz").with_sets({"dlr-double-fast": study.truth})
    assert back.noise_gain == 1.2
    np.testing.assert_array_equal(back.correction, correction)
    np.testing.assert_allclose(back.uncorrected("dlr-double-fast"), study.truth / correction[None], rtol=1e-6)
    np.testing.assert_array_equal(
        StudyImages.load(tmp_path / "s.npz").uncorrected("standard"), study.images["standard"] / correction[None]
    )
    with pytest.raises(ValueError, match="not a set"):
        back.uncorrected("fast")
    with pytest.raises(ValueError, match="correction must be positive"):
        dataclasses.replace(study, correction=-correction)
    with pytest.raises(ValueError, match="noise_gain = 0"):
        dataclasses.replace(study, noise_gain=0.0)


def test_with_sets_adds_dlr_sets_in_paper_order(study):
    more = study.with_sets({"dlr-double-fast": study.truth, "dlr-triple-fast": study.truth})
    assert more.set_names == SET_NAMES
    assert study.set_names == ACQUIRED_SETS


def test_validation(study):
    with pytest.raises(ValueError, match="image set 'fast'"):
        StudyImages(images={"fast": study.truth}, truth=study.truth, labels=study.labels, pixel_mm=(1, 1))
    with pytest.raises(ValueError, match="has shape"):
        StudyImages(images={"standard": study.truth[:1]}, truth=study.truth, labels=study.labels, pixel_mm=(1, 1))
    with pytest.raises(ValueError, match="labels shape"):
        StudyImages(images={}, truth=study.truth, labels=study.labels[:1], pixel_mm=(1, 1))
    with pytest.raises(ValueError, match="pixel_mm"):
        StudyImages(images={}, truth=study.truth, labels=study.labels, pixel_mm=(0, 1))
    with pytest.raises(ValueError, match="noise_sd = -1"):
        StudyImages(images={}, truth=study.truth, labels=study.labels, pixel_mm=(1, 1), noise_sd=-1.0)


def test_missing_file_names_the_notebook(tmp_path):
    with pytest.raises(FileNotFoundError, match="05_denoising"):
        load_study(tmp_path / "study_images.npz")
    with pytest.raises(FileNotFoundError, match="02_simulation"):
        load_study(tmp_path / "acquired_images.npz")
