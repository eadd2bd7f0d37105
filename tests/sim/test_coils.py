"""The spine array: Biot-Savart sensitivities, unit-RSS maps, depth fall-off, noise covariance, compression."""

import numpy as np
import pytest

from lumbarlib.sim.coils import (
    CoilArray,
    biot_savart_sensitivity,
    coil_maps,
    noise_covariance,
    spine_array,
    svd_compression,
)


def test_single_loop_on_its_axis_matches_the_analytic_field():
    # B on the axis of a loop of radius a at distance d: 2 pi a^2 / (a^2 + d^2)^(3/2) (units mu0 I / 4 pi)
    a = 40.0
    loop = CoilArray(plane_x_mm=100.0, rows_z_mm=(50.0,), columns_y_mm=(0.0,), radius_mm=a)
    d = np.array([5.0, 20.0, 60.0, 150.0])
    b = biot_savart_sensitivity(loop, np.full(d.shape, 50.0), 100.0 - d, 0.0, n_segments=256)[0]
    np.testing.assert_allclose(np.abs(b), 2 * np.pi * a**2 / (a**2 + d**2) ** 1.5, rtol=1e-3)
    np.testing.assert_allclose(b.imag, 0.0, atol=1e-9)  # on the axis the field is along the axis (x)


def test_field_is_symmetric_about_the_loop_centre():
    loop = CoilArray(plane_x_mm=100.0, rows_z_mm=(50.0,), columns_y_mm=(0.0,), radius_mm=30.0)
    up = biot_savart_sensitivity(loop, np.array([30.0]), np.array([60.0]), 0.0)[0]
    down = biot_savart_sensitivity(loop, np.array([70.0]), np.array([60.0]), 0.0)[0]
    assert abs(up) == pytest.approx(abs(down), rel=1e-9)


def test_maps_have_unit_rss_and_shading_falls_with_depth():
    maps = coil_maps((40, 48), (300.0, 270.0))
    assert maps.n_coils == 32
    np.testing.assert_allclose((np.abs(maps.maps) ** 2).sum(0), 1.0, atol=1e-5)
    profile = maps.shading[20, :]  # columns run anterior -> posterior, the coil is posterior
    assert np.all(np.diff(profile) > 0)
    assert profile[5] < 0.2 * profile[-6]


def test_paramedian_slice_differs_from_midline():
    mid = coil_maps((24, 24), (300.0, 270.0), 0.0)
    para = coil_maps((24, 24), (300.0, 270.0), 22.0)
    assert not np.allclose(mid.maps, para.maps)


def test_noise_covariance_is_positive_definite_with_neighbour_correlation():
    cov = noise_covariance(spine_array(), 0.2)
    assert cov.shape == (32, 32)
    np.testing.assert_allclose(np.diag(cov), 1.0)
    assert cov[0, 1] == 0.2 and cov[0, 4] == 0.2 and cov[0, 5] == 0.0
    assert np.linalg.eigvalsh(cov).min() > 0
    with pytest.raises(ValueError, match="'neighbour_correlation'"):
        noise_covariance(spine_array(), 0.3)


def test_svd_compression_is_orthonormal_and_lossless_at_full_size():
    maps = coil_maps((24, 24), (300.0, 270.0)).maps
    comp = svd_compression(maps, 6)
    np.testing.assert_allclose(comp.matrix @ comp.matrix.conj().T, np.eye(6), atol=1e-5)
    assert 0.9 < comp.energy < 1.0
    full = svd_compression(maps, 32)
    assert full.energy == pytest.approx(1.0, abs=1e-6)
    np.testing.assert_allclose((np.abs(full.apply(maps)) ** 2).sum(0), 1.0, atol=1e-4)
    with pytest.raises(ValueError, match="'n_virtual' = 40"):
        svd_compression(maps, 40)
