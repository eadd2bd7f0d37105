"""Virtual readers: each measurement responds to the property it names, and the scoring is seeded."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import ndimage

from lumbarlib.readers.scores import CRITERIA, validate_scores
from lumbarlib.readers.virtual_readers import (
    FEATURES,
    FWHM_PER_SIGMA,
    ReaderModel,
    ReaderPanel,
    VirtualReader,
    feature_differences,
    feature_summary,
    measure_image,
    measure_images,
    score_study,
)
from lumbarlib.sim.labels import LABELS
from lumbarlib.study.design import SET_NAMES

SIGNAL = {
    "air": 0.0,
    "muscle": 0.3,
    "csf": 1.0,
    "cord": 0.5,
    "retroperitoneal_fat": 0.8,
    "nucleus_L4-L5": 0.9,
    "annulus_L4-L5": 0.35,
}


def tiny_phantom(n: int = 64, zoom: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Truth and labels: muscle body, a CSF canal with cord, a disc (nucleus in annulus), fat."""
    labels = np.full((n, n), LABELS["air"], np.int16)
    labels[6:-6, 6:-6] = LABELS["muscle"]
    labels[10:-10, 12:24] = LABELS["csf"]
    labels[14:-14, 16:20] = LABELS["cord"]
    labels[20:36, 32:52] = LABELS["annulus_L4-L5"]
    labels[24:32, 37:47] = LABELS["nucleus_L4-L5"]
    labels[42:-10, 32:52] = LABELS["retroperitoneal_fat"]
    labels = np.kron(labels, np.ones((zoom, zoom), np.int16))
    inverse = {v: k for k, v in LABELS.items()}
    truth = np.vectorize(lambda v: SIGNAL[inverse[v]])(labels).astype(float)
    return truth, labels


def test_the_truth_itself_has_no_noise_no_blur_and_full_detail():
    truth, labels = tiny_phantom()
    m = measure_image(truth, truth, labels, pixel_mm=(1.0, 1.0))
    assert m.noise_sd < 1e-6
    assert abs(m.edge_width_mm) < 0.01
    assert m.detail_transfer == pytest.approx(1.0)
    assert m.structured_error == pytest.approx(0.0, abs=1e-6)


def test_noise_level_scales_with_the_noise_added():
    truth, labels = tiny_phantom()
    rng = np.random.default_rng(0)
    white = rng.standard_normal(truth.shape)
    low = measure_image(truth + 0.02 * white, truth, labels, pixel_mm=(1.0, 1.0))
    high = measure_image(truth + 0.04 * white, truth, labels, pixel_mm=(1.0, 1.0))
    assert high.noise_sd / low.noise_sd == pytest.approx(2.0, rel=1e-9)
    assert low.noise_sd == pytest.approx(0.02, rel=0.1)
    # zero-mean noise neither blurs nor removes detail
    assert abs(low.edge_width_mm) < 0.3
    assert low.detail_transfer == pytest.approx(1.0, abs=0.05)


def test_blur_and_lost_texture_are_not_counted_as_noise():
    truth, labels = tiny_phantom(zoom=2)
    texture = ndimage.gaussian_filter(np.random.default_rng(4).standard_normal(truth.shape), 2.0)
    truth = truth + 0.05 * texture / texture.std() * (labels == LABELS["muscle"])
    smoothed = ndimage.gaussian_filter(truth, 1.5)
    noisy = truth + 0.02 * np.random.default_rng(5).standard_normal(truth.shape)
    assert (
        measure_image(smoothed, truth, labels, pixel_mm=(1.0, 1.0)).noise_sd
        < 0.2 * measure_image(noisy, truth, labels, pixel_mm=(1.0, 1.0)).noise_sd
    )


@pytest.mark.parametrize("pixel_mm", [(1.0, 1.0), (0.9375, 0.703)])
def test_edge_width_recovers_a_known_blur(pixel_mm):
    truth, labels = tiny_phantom()
    sigma_mm = 1.2
    blurred = ndimage.gaussian_filter(truth, (sigma_mm / pixel_mm[0], sigma_mm / pixel_mm[1]))
    noisy = blurred + 0.01 * np.random.default_rng(1).standard_normal(truth.shape)
    m = measure_image(noisy, truth, labels, pixel_mm=pixel_mm)
    assert m.edge_width_mm == pytest.approx(FWHM_PER_SIGMA * sigma_mm, rel=0.05)
    assert m.detail_transfer < 0.8


def test_contrast_ignores_scale_and_follows_compression():
    truth, labels = tiny_phantom()
    base = measure_image(truth, truth, labels, pixel_mm=(1.0, 1.0)).contrast
    assert measure_image(2.0 * truth, truth, labels, pixel_mm=(1.0, 1.0)).contrast == pytest.approx(base)
    flat = 0.5 * truth + 0.5 * truth[labels != LABELS["air"]].mean()
    assert measure_image(flat, truth, labels, pixel_mm=(1.0, 1.0)).contrast < 0.75 * base


def test_streaks_raise_the_structured_error():
    truth, labels = tiny_phantom()
    noise = 0.02 * np.random.default_rng(2).standard_normal(truth.shape)
    streaks = 0.03 * np.sin(2 * np.pi * np.arange(truth.shape[1]) / 16)[None, :] * (labels != LABELS["air"])
    clean = measure_image(truth + noise, truth, labels, pixel_mm=(1.0, 1.0))
    streaked = measure_image(truth + noise + streaks, truth, labels, pixel_mm=(1.0, 1.0))
    assert streaked.structured_error > 3 * clean.structured_error


@pytest.fixture
def tiny_study(study_factory):
    """Two volunteers of the 48 x 48 tiny phantom, every set with its own noise SD."""
    truth, labels = tiny_phantom(48)
    noise_sd = {
        "standard": 0.02,
        "double-fast": 0.028,
        "dlr-double-fast": 0.01,
        "triple-fast": 0.035,
        "dlr-triple-fast": 0.012,
    }
    return study_factory(2, truth.shape, noise_sd=noise_sd, truth=truth, labels=labels, pixel_mm=(1.0, 1.0), seed=3)


def test_study_features_put_the_standard_at_zero_and_noise_first(tiny_study):
    measures = measure_images(tiny_study, show_pbar=False)
    assert len(measures) == 2 * 2 * len(SET_NAMES)
    features = feature_differences(measures)
    assert list(features.columns) == ["volunteer", "set", *FEATURES]
    standard = features[features["set"] == "standard"]
    assert np.allclose(standard[list(FEATURES)], 0.0)
    summary = feature_summary(features).set_index("feature")
    assert summary.index.tolist() == list(FEATURES)
    double_fast = features.loc[features["set"] == "double-fast", "snr"]
    assert summary.loc["snr", "double-fast mean"] == pytest.approx(double_fast.mean())
    snr = features.groupby("set")["snr"].mean()
    assert snr["dlr-double-fast"] > 0 > snr["double-fast"] > snr["triple-fast"]
    assert snr["double-fast"] == pytest.approx(np.log2(0.02 / 0.028), abs=0.1)


def test_feature_differences_follow_their_formulas():
    standard = {"noise_sd": 1.0, "edge_width_mm": 1.0, "contrast": 0.4, "detail_transfer": 0.9, "structured_error": 0.2}
    double_fast = {
        "noise_sd": 2.0,
        "edge_width_mm": 1.5,
        "contrast": 0.2,
        "detail_transfer": 0.8,
        "structured_error": 0.4,
    }
    measures = pd.DataFrame(
        [
            {"volunteer": 1, "slice": "mid", "set": name, **(double_fast if name == "double-fast" else standard)}
            for name in SET_NAMES
        ]
    )
    row = feature_differences(measures).set_index("set").loc["double-fast"]
    assert row["snr"] == pytest.approx(-1.0)
    assert row["sharpness"] == pytest.approx(-0.5)
    assert row["contrast"] == pytest.approx(-1.0)
    assert row["detail"] == pytest.approx(-0.1)
    assert row["artifact"] == pytest.approx(-1.0)


def test_a_reader_cuts_latent_values_at_their_thresholds():
    reader = VirtualReader("virtual-1", bias=0.0, equivalent=0.5, obvious=1.5, noise_sd=0.0)
    rng = np.random.default_rng(0)
    assert reader.score(np.array([-2.0, -1.0, 0.0, 0.49, 1.0, 2.0]), rng).tolist() == [1, 2, 3, 3, 4, 5]
    biased = VirtualReader("virtual-2", bias=1.0, equivalent=0.5, obvious=1.5, noise_sd=0.0)
    assert biased.score(np.array([0.0]), rng).tolist() == [4]


def test_overall_is_the_weighted_mean_of_the_other_criteria():
    model = ReaderModel(overall_weights=(1, 0, 0, 0, 1))
    features = pd.DataFrame({"snr": [1.0], "sharpness": [0.0], "contrast": [0.0], "detail": [0.0], "artifact": [2.0]})
    latent = model.latent(features).iloc[0]
    assert list(latent.index) == list(CRITERIA)
    assert latent["perceived_snr"] == pytest.approx(model.snr_per_doubling)
    assert latent["sharpness"] == pytest.approx(model.noise_masking)
    assert latent["overall_quality"] == pytest.approx((latent["perceived_snr"] + latent["artifact"]) / 2)


def zero_features(n_volunteers: int = 4) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"volunteer": v, "set": s, **dict.fromkeys(FEATURES, 0.0)}
            for v in range(1, n_volunteers + 1)
            for s in SET_NAMES
        ]
    )


def test_no_difference_and_no_reader_noise_gives_all_equivalent():
    panel = ReaderPanel(n_readers=3, bias_sd=0.0, noise_sd=0.0)
    out = score_study(zero_features(), model=ReaderModel(), panel=panel, seed=0)
    assert (out.scores["score"] == 3).all()
    assert len(out.scores) == 3 * 4 * len(SET_NAMES) * len(CRITERIA)
    assert out.scores["reader"].unique().tolist() == ["virtual-1", "virtual-2", "virtual-3"]
    validate_scores(out.scores)


def test_scores_are_seeded_and_leave_the_global_state_alone():
    features = zero_features().assign(snr=np.linspace(-1.5, 1.5, 4 * len(SET_NAMES)))
    state = np.random.get_state()[1].copy()
    first = score_study(features, model=ReaderModel(), panel=ReaderPanel(), seed=7).scores
    again = score_study(features, model=ReaderModel(), panel=ReaderPanel(), seed=7).scores
    other = score_study(features, model=ReaderModel(), panel=ReaderPanel(), seed=8).scores
    assert np.array_equal(np.random.get_state()[1], state)
    pd.testing.assert_frame_equal(first, again)
    assert not first["score"].equals(other["score"])
    snr = first[first["criterion"] == "perceived_snr"].merge(features, on=["volunteer", "set"])
    for _, part in snr.groupby("reader"):
        assert np.corrcoef(part["snr"], part["score"])[0, 1] > 0.8


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda: ReaderPanel(n_readers=0), "n_readers"),
        (lambda: ReaderPanel(noise_sd=-1.0), "noise_sd"),
        (lambda: ReaderPanel(equivalent=2.0, obvious=1.0), "obvious"),
        (lambda: ReaderModel(snr_per_doubling=-1.0), "snr_per_doubling"),
        (lambda: ReaderModel(overall_weights=(1, 1)), "overall_weights"),
        (lambda: score_study(zero_features(), model=ReaderModel(), panel=ReaderPanel(), seed=-1), "seed"),
    ],
)
def test_bad_parameters_are_named(make, name):
    with pytest.raises(ValueError, match=name):
        make()


@pytest.mark.parametrize(
    ("weights", "problem"),
    [
        ((np.nan, 0.2, 0.15, 0.1, 0.15), "'overall_weights\\[0\\]' = nan"),
        ((0.4, 0.2, np.inf, 0.1, 0.15), "'overall_weights\\[2\\]' = inf"),
        ((0.4, -0.2, 0.15, 0.1, 0.15), "'overall_weights\\[1\\]' = -0.2"),
        ((0.0, 0.0, 0.0, 0.0, 0.0), "positive sum"),
        ((0.5, 0.5), "must be 5 numbers"),
    ],
)
def test_reader_weights_that_are_not_five_finite_numbers_are_refused(weights, problem):
    with pytest.raises(ValueError, match=problem):
        ReaderModel(overall_weights=weights)
