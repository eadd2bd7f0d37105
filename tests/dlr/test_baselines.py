"""Baseline denoisers and their comparison metrics: each lowers noise, bad names refused, metrics behave."""

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter

from lumbarlib.dlr import baselines
from lumbarlib.dlr.comparison import choose_parameters, comparison_table, edge_ratio, si_over_air_sd, tissue_and_air
from lumbarlib.dlr.network import DLRNet
from lumbarlib.dlr.training_data import DomainImage
from lumbarlib.sim.noise import add_rician_noise, psnr_ssim


@pytest.fixture(scope="module")
def phantom():
    yy, xx = np.mgrid[:64, :64]
    image = 0.5 * (np.hypot(yy - 32, xx - 32) < 22) + 0.5 * (np.hypot(yy - 28, xx - 36) < 8)
    return gaussian_filter(image, 0.7)


@pytest.mark.parametrize("method", [m for m in baselines.methods() if m != "dlr"])
def test_every_baseline_lowers_the_error(method, phantom):
    noisy = add_rician_noise(phantom, 0.05, np.random.default_rng(0))
    k = baselines.PARAMETER_GRIDS[method][len(baselines.PARAMETER_GRIDS[method]) // 2]
    out = baselines.apply_method(method, noisy, 0.05, k)
    assert out.shape == phantom.shape
    assert psnr_ssim(phantom, out, data_range=1.0)[0] > psnr_ssim(phantom, noisy, data_range=1.0)[0] + 1


def test_bm3d_is_offered_only_where_it_is_installed(monkeypatch):
    monkeypatch.setattr(baselines.importlib.util, "find_spec", lambda name: None)
    assert "bm3d" not in baselines.methods() and "nlm" in baselines.methods()
    with pytest.raises(ValueError, match="'method' = 'bm3d'"):
        baselines.apply_method("bm3d", np.zeros((16, 16)), 0.1, 1.0)


@pytest.mark.parametrize(("kwargs", "match"), [({"method": "median"}, "'method'"), ({"sigma": 0.0}, "'sigma'"),
                                               ({"k": -1.0}, "'k'")])  # fmt: skip
def test_bad_parameters_are_named(kwargs, match):
    args = {"method": "tv", "image": np.zeros((16, 16)), "sigma": 0.1, "k": 1.0} | kwargs
    with pytest.raises(ValueError, match=match):
        baselines.apply_method(**args)


def test_edge_ratio_is_one_for_the_reference_and_falls_with_blur(phantom):
    assert edge_ratio(phantom, phantom) == pytest.approx(1.0)
    assert edge_ratio(gaussian_filter(phantom, 2.0), phantom) < 0.7


def test_si_over_air_sd_is_the_tissue_mean_over_the_air_sd(phantom):
    rng = np.random.default_rng(1)
    image = phantom + rng.normal(0, 0.02, phantom.shape)
    expected = 0.5 / 0.02  # the big disc's signal over the noise SD (the small one adds 0.5 on a few pixels)
    assert si_over_air_sd(image, phantom) == pytest.approx(expected, rel=0.15)
    noisy_reference = phantom + np.abs(rng.normal(0, 0.08, phantom.shape))  # air far from zero, as in an RSS image
    tissue, air = tissue_and_air(noisy_reference)
    assert air.sum() > 200 and not (air & (phantom > 0.1)).any() and tissue[32, 32]
    with pytest.raises(ValueError, match="no air"):
        si_over_air_sd(np.ones((16, 16)), np.ones((16, 16)))


def test_comparison_table_and_parameter_choice_on_a_tiny_case(phantom):
    case = DomainImage("knee", "phantom", phantom.astype(np.float32), "s", 0.005)
    chosen = choose_parameters([case], 0.05, ("tv", "untrained"), seed=0, show_pbar=False)
    assert chosen["tv"] in baselines.PARAMETER_GRIDS["tv"]
    table = comparison_table([case], (0.03, 0.06), chosen, seed=0, net=DLRNet().eval(), show_pbar=False)
    assert len(table) == 4 and set(table["method"]) == {"tv", "untrained"}
    assert (table["psnr_db"] > table["psnr_noisy_db"]).all() and (table["noise_gain"] > 1).all()
