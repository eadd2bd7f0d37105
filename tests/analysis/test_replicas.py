"""Pseudo-multiple replicas: analytic SNR of a single-coil image, the background's bias, bands, determinism."""

import math

import numpy as np
import pytest
from scipy import stats as sps

from lumbarlib.analysis import replicas, rois
from lumbarlib.study.protocol import PROTOCOLS

SIGNAL = 3.0  # magnitude of the object
NOISE_SD = 1.0  # complex noise SD per k-space sample (sigma^2 / 2 per component)


def single_coil_object(shape=(32, 48)):
    """Object of constant magnitude SIGNAL in the right half, air in the left half."""
    signal = np.zeros(shape, dtype=np.complex64)
    signal[:, shape[1] // 2 :] = SIGNAL * np.exp(0.4j)
    maps = np.ones((1, *shape), dtype=np.complex64)
    tissue = np.zeros(shape, dtype=bool)
    tissue[4:-4, shape[1] // 2 + 4 : -4] = True
    air = np.zeros(shape, dtype=bool)
    air[4:-4, 4 : shape[1] // 2 - 4] = True
    return signal, maps, {"air": air, "fat": tissue}


def rician_snr(signal: float, sigma_component: float) -> float:
    dist = sps.rice(signal / sigma_component, scale=sigma_component)
    return dist.mean() / dist.std()


@pytest.fixture(scope="module")
def single_coil():
    signal, maps, masks = single_coil_object()
    result = replicas.acquisition_replicas(
        signal,
        maps,
        PROTOCOLS["double-fast"],
        noise_sd=NOISE_SD,
        n_replicas=64,
        rng=np.random.default_rng(0),
        rois=masks,
        show_pbar=False,
    )
    assert list(result) == ["double-fast"]
    return result["double-fast"], masks


def test_replica_snr_matches_rician_analytic(single_coil):
    result, masks = single_coil
    # unitary FFT, one coil: image noise is complex Gaussian of SD NOISE_SD, NOISE_SD / sqrt(2) per component
    expected = rician_snr(SIGNAL, NOISE_SD / math.sqrt(2))
    assert result.roi_replica_snr(masks["fat"]) == pytest.approx(expected, rel=0.05)
    assert np.nanmedian(result.replica_snr_map[masks["fat"]]) == pytest.approx(expected, rel=0.05)


def test_paper_measure_overstates_by_the_rayleigh_factor(single_coil):
    """SI / SD_air divides by the Rayleigh SD 0.655 sigma instead of the tissue's ~sigma."""
    result, masks = single_coil
    mean_magnitude = sps.rice(SIGNAL / (NOISE_SD / math.sqrt(2)), scale=NOISE_SD / math.sqrt(2)).mean()
    rayleigh_sd = NOISE_SD / math.sqrt(2) * math.sqrt(2 - math.pi / 2)
    assert result.paper_snr["fat"] == pytest.approx(mean_magnitude / rayleigh_sd, rel=0.05)


def test_nex_averaging_raises_snr_by_sqrt_two():
    signal, maps, masks = single_coil_object()
    high = dict(signal=signal * 10, coil_maps=maps, noise_sd=NOISE_SD, n_replicas=32, show_pbar=False)
    one = replicas.acquisition_replicas(protocol=PROTOCOLS["double-fast"], rng=np.random.default_rng(1), **high)
    one = one["double-fast"]
    two = replicas.acquisition_replicas(protocol=PROTOCOLS["standard"], rng=np.random.default_rng(1), **high)
    two = two["standard"]
    ratio = two.roi_replica_snr(masks["fat"]) / one.roi_replica_snr(masks["fat"])
    assert ratio == pytest.approx(math.sqrt(2), rel=0.05)


def test_bands_acquire_only_their_columns_and_are_deterministic():
    signal, maps, masks = single_coil_object()
    bands = [slice(0, 12), slice(30, 48)]
    kwargs = dict(noise_sd=NOISE_SD, n_replicas=4, bands=bands, show_pbar=False)
    a = replicas.acquisition_replicas(signal, maps, PROTOCOLS["double-fast"], rng=np.random.default_rng(5), **kwargs)
    b = replicas.acquisition_replicas(signal, maps, PROTOCOLS["double-fast"], rng=np.random.default_rng(5), **kwargs)
    a, b = a["double-fast"], b["double-fast"]
    np.testing.assert_array_equal(a.mean, b.mean)
    assert np.isnan(a.mean[:, 12:30]).all() and not np.isnan(a.mean[:, bands[1]]).any()
    with pytest.raises(ValueError, match="outside the acquired column bands"):
        a.roi_replica_snr(masks["fat"] | masks["air"])


def test_processes_share_the_replicas():
    """A processed output is made from the very replicas of the raw one: here, exactly twice them."""
    signal, maps, masks = single_coil_object()
    out = replicas.acquisition_replicas(
        signal,
        maps,
        PROTOCOLS["double-fast"],
        noise_sd=NOISE_SD,
        n_replicas=5,
        rng=np.random.default_rng(2),
        show_pbar=False,
        rois=masks,
        processes={"raw": None, "doubled": lambda im: 2 * im},
    )
    np.testing.assert_allclose(out["doubled"].mean, 2 * out["raw"].mean)
    np.testing.assert_allclose(out["doubled"].sd, 2 * out["raw"].sd)
    assert out["doubled"].paper_snr["fat"] == pytest.approx(out["raw"].paper_snr["fat"])


def test_column_bands_merge_and_clip():
    pixel_mm = (1.0, 1.0)
    near = {
        "a": rois.OvalRoi("fat", "mid", (10.0, 20.0), (3.0, 3.0)),
        "b": rois.OvalRoi("csf", "mid", (10.0, 40.0), (3.0, 3.0)),
        "c": rois.OvalRoi("air", "mid", (10.0, 95.0), (3.0, 3.0)),
    }
    bands = replicas.column_bands(near, 100, pixel_mm, margin_px=10)
    assert bands == [slice(7, 54), slice(82, 100)]


def test_compare_snr_measures_gain_ratio(single_coil):
    result, masks = single_coil
    doubled = replicas.ReplicaStats(
        mean=2 * result.mean, sd=result.sd, n_replicas=result.n_replicas, paper_snr={"fat": 3 * result.paper_snr["fat"]}
    )
    table = replicas.compare_snr_measures({"double-fast": result, "dlr-double-fast": doubled}, {"fat": masks["fat"]})
    row = table[table.set == "dlr-double-fast"].iloc[0]
    assert row["replica_gain"] == pytest.approx(2.0)
    assert row["paper_gain"] == pytest.approx(3.0)
    assert row["gain_ratio"] == pytest.approx(1.5)
    assert np.isnan(table[table.set == "double-fast"]["gain_ratio"]).all()


def test_bad_input():
    signal, maps, masks = single_coil_object()
    with pytest.raises(ValueError, match="'n_replicas'"):
        replicas.acquisition_replicas(
            signal, maps, PROTOCOLS["standard"], noise_sd=1.0, n_replicas=1, rng=np.random.default_rng(0)
        )
    with pytest.raises(ValueError, match="background-air ROI"):
        replicas.acquisition_replicas(
            signal,
            maps,
            PROTOCOLS["standard"],
            noise_sd=1.0,
            n_replicas=2,
            rng=np.random.default_rng(0),
            rois={"fat": masks["fat"]},
        )
    with pytest.raises(ValueError, match="column bands"):
        replicas.acquisition_replicas(
            signal,
            maps,
            PROTOCOLS["standard"],
            noise_sd=1.0,
            n_replicas=2,
            rng=np.random.default_rng(0),
            bands=[slice(0, 4)],
        )
