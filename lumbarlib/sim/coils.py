"""The 32-element posterior spine coil: sensitivity maps from the Biot-Savart law, noise covariance, coil compression.

The paper used a 32-element phased-array spine coil under the supine patient
:cite:`kashiwagi2022lumbar`. Its elements are modelled as flat circular loops in one
plane just behind the table top, 8 rows along the spine by 4 columns across it.
By reciprocity, a loop's receive sensitivity at a point is the transverse magnetic field
the loop would make there carrying unit current :cite:`roemer1990nmr`, computed here
with the Biot-Savart law (quasi-static: at 64 MHz the wavelength in tissue, about
50 cm, is long against the 10-20 cm depths that matter). The main field runs
superior-inferior (along the bore), so the transverse components are anterior-posterior
(``x``) and left-right (``y``), and the sensitivity is :math:`B_x - i B_y`.

Sensitivity falls off steeply with distance from the loops, so anterior tissue is darker,
as the paper's discussion says. The combined image of all coils (see
:func:`lumbarlib.sim.acquisition.combine_coils`) carries that shading; this module returns
the maps normalised to unit root-sum-of-squares together with the shading itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.interpolate import CubicSpline

from lumbarlib.core.checks import check_range

TABLE_TO_COIL_MM = 25.0
"""Depth of the loop plane below the table top (mattress pad and coil housing)."""


@dataclass(frozen=True)
class CoilArray:
    """Geometry of a planar array of circular receive loops.

    Attributes
    ----------
    plane_x_mm : float
        Column coordinate (mm from the anterior edge of the FOV) of the loop plane.
    rows_z_mm : tuple of float
        Superior-inferior centres of the loop rows (mm from the top of the FOV).
    columns_y_mm : tuple of float
        Left-right centres of the loop columns (mm, positive to the patient's right).
    radius_mm : float
        Loop radius.
    """

    plane_x_mm: float
    rows_z_mm: tuple[float, ...]
    columns_y_mm: tuple[float, ...]
    radius_mm: float

    @property
    def n_coils(self) -> int:
        """Number of elements."""
        return len(self.rows_z_mm) * len(self.columns_y_mm)

    def centres(self) -> np.ndarray:
        """(n_coils, 3) loop centres (z, x, y) in mm, row-major (rows along the spine)."""
        return np.array([(z, self.plane_x_mm, y) for z in self.rows_z_mm for y in self.columns_y_mm])


def spine_array(table_x_mm: float = 263.0, fov_centre_z_mm: float = 150.0) -> CoilArray:
    """The 32-element spine array: 8 rows x 4 columns of 150 mm loops, 110 mm apart along the spine, 100 mm across.

    Neighbouring loops overlap, as in phased arrays, to reduce their mutual inductance
    :cite:`roemer1990nmr`; the 8 rows span 88 cm of table, of which the 30 cm FOV sees
    about four.
    """
    rows = tuple(fov_centre_z_mm + 110.0 * (i - 3.5) for i in range(8))
    cols = tuple(100.0 * (j - 1.5) for j in range(4))
    return CoilArray(plane_x_mm=table_x_mm + TABLE_TO_COIL_MM, rows_z_mm=rows, columns_y_mm=cols, radius_mm=75.0)


def biot_savart_sensitivity(
    array: CoilArray, z_mm: np.ndarray, x_mm: np.ndarray, y_mm: float, n_segments: int = 48
) -> np.ndarray:
    r"""Complex receive sensitivity :math:`B_x - i B_y` of every loop at points of a sagittal plane.

    .. math::
        \mathbf B(\mathbf r) = \frac{\mu_0 I}{4\pi} \oint \frac{d\mathbf l \times (\mathbf r - \mathbf r')}
                                                            {|\mathbf r - \mathbf r'|^3}

    summed over ``n_segments`` straight pieces of each loop (units: :math:`\mu_0 I/4\pi = 1`,
    lengths in mm). Written out because no installed library gives the field of a loop
    at arbitrary points (sigpy's ``birdcage_maps`` models a volume coil).

    Parameters
    ----------
    array : CoilArray
        Loop geometry.
    z_mm, x_mm : ndarray
        Coordinates of the points (any matching shape).
    y_mm : float
        Left-right position of the sagittal plane.
    n_segments : int
        Pieces per loop.

    Returns
    -------
    ndarray, complex128, shape (n_coils, *z_mm.shape)
    """
    z, x = np.broadcast_arrays(np.asarray(z_mm, float), np.asarray(x_mm, float))
    pts = np.stack([z.ravel(), x.ravel(), np.full(z.size, float(y_mm))], axis=-1)  # (P, 3) as (z, x, y)
    phi = np.linspace(0.0, 2.0 * np.pi, n_segments, endpoint=False) + np.pi / n_segments
    dphi = 2.0 * np.pi / n_segments
    out = np.empty((array.n_coils, z.size), dtype=np.complex128)
    for c, centre in enumerate(array.centres()):
        # loop in the plane x = const: points centre + a (cos phi e_y + sin phi e_z)
        seg = np.stack(
            [
                centre[0] + array.radius_mm * np.sin(phi),
                np.full_like(phi, centre[1]),
                centre[2] + array.radius_mm * np.cos(phi),
            ],
            axis=-1,
        )
        dl = (
            np.stack([array.radius_mm * np.cos(phi), np.zeros_like(phi), -array.radius_mm * np.sin(phi)], axis=-1)
            * dphi
        )
        rz, rx, ry = (pts[:, None, k] - seg[None, :, k] for k in range(3))  # (P, S) each
        inv3 = (rz * rz + rx * rx + ry * ry) ** -1.5
        # (dl x r) in the right-handed order (z, x, y): x- and y-components; dl has no x part
        bx = ((dl[:, 2] * rz - dl[:, 0] * ry) * inv3).sum(axis=1)
        by = ((dl[:, 0] * rx) * inv3).sum(axis=1)
        out[c] = bx - 1j * by
    return out.reshape((array.n_coils,) + z.shape)


@dataclass(frozen=True)
class CoilMaps:
    """Sensitivities of the array on one slice.

    Attributes
    ----------
    maps : ndarray
        complex64 (n_coils, ny, nx), normalised so that :math:`\\sum_c |S_c|^2 = 1` at every pixel.
    shading : ndarray
        float32 (ny, nx): root-sum-of-squares of the raw sensitivities relative to its value
        on the table top at the centre of the FOV in the midsagittal plane; the combined
        image is the object times this shading.
    """

    maps: np.ndarray
    shading: np.ndarray

    @property
    def n_coils(self) -> int:
        """Number of coils."""
        return int(self.maps.shape[0])


def coil_maps(
    shape: tuple[int, int],
    fov_mm: tuple[float, float],
    slice_offset_mm: float = 0.0,
    array: CoilArray | None = None,
    grid_mm: float = 6.0,
) -> CoilMaps:
    """Sensitivity maps of the spine array on a sagittal slice, normalised for root-sum-of-squares.

    The field is evaluated on a ``grid_mm`` grid and interpolated (cubic splines) to the image;
    it is smooth on that scale everywhere in the FOV, which lies at least one table
    thickness from the wires.

    Parameters
    ----------
    shape : (int, int)
        Image matrix (rows superior-inferior, columns anterior-posterior).
    fov_mm : (float, float)
        Field of view (rows, columns) in mm.
    slice_offset_mm : float
        Left-right position of the slice (0 = midsagittal, positive = right).
    array : CoilArray, optional
        Coil geometry (default :func:`spine_array`).
    grid_mm : float
        Spacing of the field evaluation.

    Returns
    -------
    CoilMaps
    """
    check_range("grid_mm", grid_mm, 0.0, 20.0, low_inclusive=False)
    array = array or spine_array()
    ny, nx = shape
    zc = np.arange(-grid_mm, fov_mm[0] + 2 * grid_mm, grid_mm)
    xc = np.arange(-grid_mm, fov_mm[1] + 2 * grid_mm, grid_mm)
    gz, gx = np.meshgrid(zc, xc, indexing="ij")
    coarse = biot_savart_sensitivity(array, gz, gx, slice_offset_mm)
    z = (np.arange(ny) + 0.5) * fov_mm[0] / ny
    x = (np.arange(nx) + 0.5) * fov_mm[1] / nx
    # separable cubic interpolation: coarse grid -> image rows, then -> image columns
    fine = _cubic_resample(_cubic_resample(coarse, zc, z, axis=1), xc, x, axis=2)
    rss = np.sqrt((np.abs(fine) ** 2).sum(axis=0))
    reference = np.sqrt(
        (
            np.abs(
                biot_savart_sensitivity(
                    array, np.array([fov_mm[0] / 2]), np.array([array.plane_x_mm - TABLE_TO_COIL_MM]), 0.0
                )
            )
            ** 2
        ).sum()
    )
    return CoilMaps(maps=(fine / rss).astype(np.complex64), shading=(rss / reference).astype(np.float32))


def _cubic_resample(values: np.ndarray, grid: np.ndarray, points: np.ndarray, axis: int) -> np.ndarray:
    """Cubic-spline interpolation of ``values`` sampled on ``grid`` to ``points`` along one axis."""
    return CubicSpline(grid, values, axis=axis)(points)


NEIGHBOUR_CORRELATION = 0.2
"""Noise correlation of adjacent elements: the middle of the 0.1-0.3 typical of phased arrays :cite:`roemer1990nmr`."""


def noise_covariance(array: CoilArray, neighbour_correlation: float = NEIGHBOUR_CORRELATION) -> np.ndarray:
    """Receiver noise covariance (unit variance per coil) with a correlation between adjacent elements.

    Overlapping or adjacent loops share part of the sample noise; a correlation of
    0.1-0.3 between neighbours is typical of phased arrays :cite:`roemer1990nmr`. The
    default is :data:`NEIGHBOUR_CORRELATION`; 0 gives uncorrelated noise.

    Raises
    ------
    ValueError
        If the correlation would not give a positive-definite matrix (``|c| >= 0.25``).
    """
    check_range("neighbour_correlation", neighbour_correlation, -0.2499, 0.2499)
    nr, nc = len(array.rows_z_mm), len(array.columns_y_mm)
    cov = np.eye(array.n_coils)
    for i in range(nr):
        for j in range(nc):
            a = i * nc + j
            for di, dj in ((0, 1), (1, 0)):
                if i + di < nr and j + dj < nc:
                    b = (i + di) * nc + j + dj
                    cov[a, b] = cov[b, a] = neighbour_correlation
    return cov


def prewhitener(covariance: np.ndarray) -> np.ndarray:
    r"""The matrix :math:`L^{-1}` (with :math:`\Psi = L L^H`) that makes noise of covariance :math:`\Psi` white.

    Scanners prewhiten the coil data with the noise covariance measured in a noise scan
    before combining or reconstructing :cite:`pruessmann2001advances`; applied to the data and
    the sensitivities alike, it turns the sensitivity-weighted combination into Roemer's
    optimum for correlated noise :cite:`roemer1990nmr`.

    Raises
    ------
    ValueError
        If the covariance is not square, Hermitian and positive definite.
    """
    covariance = np.asarray(covariance)
    if covariance.ndim != 2 or covariance.shape[0] != covariance.shape[1]:
        raise ValueError(f"parameter 'covariance': must be a square matrix, got shape {covariance.shape}")
    if not np.allclose(covariance, covariance.conj().T):
        raise ValueError("parameter 'covariance': must be Hermitian")
    try:
        chol = np.linalg.cholesky(covariance)
    except np.linalg.LinAlgError as err:
        raise ValueError("parameter 'covariance': must be positive definite") from err
    return np.linalg.inv(chol).astype(np.complex64)


def combined_noise_gain(maps: np.ndarray, covariance: np.ndarray | None) -> np.ndarray:
    r"""Noise SD of the prewhitened optimal combination per unit k-space noise SD, pixel by pixel.

    For unit root-sum-of-squares maps :math:`S` and noise covariance :math:`\Psi` the
    combination's noise SD is :math:`(S^H \Psi^{-1} S)^{-1/2}` :cite:`roemer1990nmr`: 1
    everywhere for uncorrelated noise (``covariance`` None), above 1 where correlated noise
    costs SNR.
    """
    if covariance is None:
        return np.ones(maps.shape[1:], dtype=np.float32)
    whitened = np.tensordot(prewhitener(covariance), maps, axes=(1, 0))
    return (1.0 / np.sqrt(np.sum(np.abs(whitened) ** 2, axis=0))).astype(np.float32)


@dataclass(frozen=True)
class Compression:
    """An SVD coil compression: ``virtual = matrix @ physical`` over the coil axis.

    Attributes
    ----------
    matrix : ndarray
        complex64 (n_virtual, n_coils) with orthonormal rows (so white noise stays white).
    energy : float
        Fraction of the sensitivity energy the virtual coils keep.
    """

    matrix: np.ndarray
    energy: float

    def apply(self, array: np.ndarray) -> np.ndarray:
        """Compress the coil axis (axis 0) of k-space, images or maps."""
        return np.tensordot(self.matrix, array, axes=(1, 0)).astype(array.dtype, copy=False)


def svd_compression(maps: np.ndarray, n_virtual: int) -> Compression:
    """Coil compression to ``n_virtual`` virtual coils from the SVD of the sensitivity maps.

    The principal components of the sensitivities span the signal every coil receives;
    projecting data and maps on the first ``n_virtual`` of them keeps most of the signal
    at a fraction of the reconstruction cost (the scanner does the same from calibration
    data; the maps are known exactly here).

    Parameters
    ----------
    maps : ndarray (n_coils, ny, nx)
        Sensitivity maps.
    n_virtual : int
        Number of virtual coils (1 to n_coils).
    """
    check_range("n_virtual", n_virtual, 1, maps.shape[0], integer=True)
    # left singular vectors of the maps = eigenvectors of their coil-by-coil Gram matrix; the
    # maps are smooth, so every 4th pixel estimates it as well as all of them
    flat = maps.reshape(maps.shape[0], -1)[:, ::4]
    gram = flat @ flat.conj().T
    eigval, eigvec = np.linalg.eigh(gram)
    order = np.argsort(eigval)[::-1]
    eigval, eigvec = eigval[order].clip(0.0), eigvec[:, order]
    energy = float(eigval[:n_virtual].sum() / eigval.sum())
    return Compression(matrix=eigvec[:, :n_virtual].conj().T.astype(np.complex64), energy=energy)
