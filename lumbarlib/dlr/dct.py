"""The fixed 7x7 DCT of the DLR's feature-extraction and image-generation layers (paper Fig. 1).

The DLR splits every 7x7 neighbourhood of the image into 49 orthonormal DCT-II
components (paper, "DLR method"; Isogawa et al. 2018). Applied at every pixel this is a
convolution with 49 fixed 7x7 kernels (analysis); the image comes back by the transposed
convolution (synthesis) divided by 49, because every pixel lies in 49 overlapping
windows and each window alone reconstructs it exactly.

Borders: the image is reflect-padded by ``2 * (size // 2)`` pixels before analysis, so
the coefficient maps cover every window that touches an image pixel, and the synthesis
crops the same margin. Analysis followed by synthesis is then the identity up to float
rounding, edges included; zero padding would not be (the windows hanging over the edge
would see a step to zero that shrinkage later distorts).

The 1-D DCT-II matrix comes from :func:`scipy.fft.dct`; only the separable product, the
sliding-window bookkeeping and the padding are written here, because no library offers
the overlapping (stride-1) block DCT as a differentiable PyTorch operator. The synthesis
uses the separability of the basis (:func:`synthesis`): written as one convolution with a
single output channel it is the slowest layer oneDNN runs per floating-point operation.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.fft
import torch
import torch.nn.functional as F

DCT_SIZE = 7
N_COMPONENTS = DCT_SIZE * DCT_SIZE
ALL = range(N_COMPONENTS)
DC = range(1)  # the zero-frequency component
HIGH = range(1, N_COMPONENTS)  # the 48 others


def dct_basis(size: int = DCT_SIZE) -> np.ndarray:
    """The orthonormal 2-D DCT-II basis functions of a ``size`` x ``size`` block.

    Parameters
    ----------
    size : int
        Block side (7 in the paper).

    Returns
    -------
    ndarray, shape (size * size, size, size), float64
        ``basis[k]`` is the basis image of vertical frequency ``k // size`` and horizontal
        frequency ``k % size``; ``basis[0]`` is the constant (zero-frequency, DC) function.
        Flattened, the rows form an orthogonal matrix.
    """
    d1 = dct_matrix(size)
    return np.einsum("ui,vj->uvij", d1, d1).reshape(size * size, size, size)


def dct_matrix(size: int = DCT_SIZE) -> np.ndarray:
    """The orthonormal 1-D DCT-II matrix: row ``u`` is the basis vector of frequency ``u``."""
    if not isinstance(size, (int, np.integer)) or size < 2:
        raise ValueError(f"parameter 'size' = {size!r}: must be an integer >= 2")
    return scipy.fft.dct(np.eye(size), norm="ortho", axis=0)


def basis_tensor(size: int = DCT_SIZE, *, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """:func:`dct_basis` as convolution weights, shape ``(size * size, 1, size, size)``."""
    return torch.from_numpy(dct_basis(size)).to(dtype).unsqueeze(1)


def margin(size: int = DCT_SIZE) -> int:
    """Reflect padding added before analysis (and cropped after synthesis): ``2 * (size // 2)``."""
    return 2 * (size // 2)


def analysis(image: torch.Tensor, basis: torch.Tensor) -> torch.Tensor:
    """Sliding-window DCT of a batch of images (feature-extraction layer, paper Fig. 1).

    Parameters
    ----------
    image : Tensor, shape (n, 1, ny, nx)
        Images, ``ny`` and ``nx`` at least the block size.
    basis : Tensor, shape (k * k, 1, k, k)
        From :func:`basis_tensor`.

    Returns
    -------
    Tensor, shape (n, k * k, ny + 2 * (k // 2), nx + 2 * (k // 2))
        Channel 0 is the zero-frequency (DC) component.
    """
    k = basis.shape[-1]
    if image.ndim != 4 or image.shape[1] != 1:
        raise ValueError(f"image must have shape (n, 1, ny, nx), got {tuple(image.shape)}")
    if min(image.shape[-2:]) < k:
        raise ValueError(f"image of shape {tuple(image.shape[-2:])}: both sides must be >= {k} pixels")
    pad = margin(k)
    return F.conv2d(F.pad(image, (pad, pad, pad, pad), mode="reflect"), basis)


def synthesis(
    coefficients: torch.Tensor,
    components: range | list[int] = ALL,
    weights: torch.Tensor | None = None,
) -> torch.Tensor:
    """Inverse of :func:`analysis` (image-generation layer, paper Fig. 1).

    The transposed convolution adds every window's reconstruction back in place; each
    image pixel receives ``k * k`` of them, hence the division. Only the image pixels
    are kept, and for those every contributing window lies inside the coefficient grid:

    .. math::

        x[y, x] = \\frac{1}{k^2} \\sum_c w_c \\sum_{i, j} d_{u_c}(k-1-i)\\, d_{v_c}(k-1-j)\\,
        C_c[y + i, x + j],

    with ``d`` the 1-D DCT matrix and ``(u_c, v_c)`` the frequencies of component ``c``.
    Computed separably: one matrix product contracts the channels and the horizontal
    basis vectors, ``k`` shifted sums run along the rows, a second small product applies
    the vertical basis vectors and ``k`` shifted sums run down the columns. Equal to the
    valid convolution with the flipped basis images (``tests/dlr/test_dct.py``) in 40 % of
    its time on a 320 x 384 slice (12 ms against 31 ms here) and 30 % on a 128 x 128 tile.

    Parameters
    ----------
    coefficients : Tensor, shape (n, c, my, mx)
        DCT components as returned by :func:`analysis` (possibly processed), or any
        subset of them.
    components : range or list of int
        The component index ``k * u + v`` of each of the ``c`` channels (default: all).
    weights : Tensor of shape (c,), optional
        A factor per channel on its basis function (the folded network's last thresholds).

    Returns
    -------
    Tensor, shape (n, 1, my - 2 * (k // 2), mx - 2 * (k // 2))
    """
    components = tuple(components)
    if coefficients.ndim != 4 or coefficients.shape[1] != len(components):
        raise ValueError(
            f"coefficients must have shape (n, {len(components)}, my, mx), got {tuple(coefficients.shape)}"
        )
    size = DCT_SIZE
    n, c, my, mx = coefficients.shape
    ny, nx = my - margin(size), mx - margin(size)
    mixing, vertical_basis = (m.to(coefficients) for m in _synthesis_matrices(components))
    if weights is not None:
        mixing = mixing * weights.to(coefficients)
    rows = vertical_basis.shape[1]
    partial = torch.matmul(mixing, coefficients.flatten(2)).view(n, rows, size, my, mx)
    columns = partial[:, :, 0, :, :nx].clone()
    for j in range(1, size):
        columns += partial[:, :, j, :, j : j + nx]
    vertical = torch.matmul(vertical_basis, columns.flatten(2)).view(n, size, my, nx)
    image = vertical[:, 0, :ny].clone()
    for i in range(1, size):
        image += vertical[:, i, i : i + ny]
    return image[:, None]


@lru_cache(maxsize=8)
@torch.inference_mode(False)
def _synthesis_matrices(components: tuple[int, ...]) -> tuple[torch.Tensor, torch.Tensor]:
    """The two matrices of :func:`synthesis`, float64: ``(rows * k, c)`` and ``(k, rows)``.

    ``rows`` are the distinct vertical frequencies among ``components``. Row ``r * k + j``
    of the first holds ``d_{v_c}(k - 1 - j) / k^2`` for the channels ``c`` of vertical
    frequency ``rows[r]``; entry ``(i, r)`` of the second is ``d_{rows[r]}(k - 1 - i)``.
    Built outside inference mode, so a first call from :func:`lumbarlib.dlr.denoise.denoise`
    does not leave training with inference tensors in the cache.
    """
    size = DCT_SIZE
    flipped = torch.from_numpy(dct_matrix(size)[:, ::-1].copy())
    index = torch.tensor(components, dtype=torch.long)
    rows, row_of = torch.unique(index // size, return_inverse=True)
    mixing = torch.zeros(len(rows), size, len(components), dtype=torch.float64)
    mixing[row_of, :, torch.arange(len(components))] = flipped[index % size] / size**2
    return mixing.reshape(-1, len(components)), flipped[rows].T.contiguous()


def synthesis_macs(components: range | list[int], my: int, mx: int) -> int:
    """Multiply-adds of the two matrix products of :func:`synthesis` on an ``my`` x ``mx`` grid
    (its shifted sums are additions only)."""
    rows = len({k // DCT_SIZE for k in components})
    return my * mx * rows * DCT_SIZE * len(components) + my * (mx - margin()) * DCT_SIZE * rows


@dataclass(frozen=True)
class Bands:
    """An image split by the DLR's first layer: ``dc`` (synthesis of the zero-frequency
    channel: the local mean) plus ``high`` (synthesis of the 48 others) equals the image."""

    dc: np.ndarray
    high: np.ndarray


def _as_batch(image: np.ndarray) -> torch.Tensor:
    image = np.asarray(image, dtype=np.float64)
    if image.ndim != 2:
        raise ValueError(f"parameter 'image': must be a 2-D image, got shape {image.shape}")
    return torch.from_numpy(image)[None, None]


def split_bands(image: np.ndarray) -> Bands:
    """Split a 2-D image into the DLR's zero-frequency path and its 48 high-frequency channels.

    Returns
    -------
    Bands
        float64 arrays of the image's shape; ``dc + high`` reproduces the image.
    """
    basis = basis_tensor(dtype=torch.float64)
    coefficients = analysis(_as_batch(image), basis)
    dc = synthesis(coefficients[:, :1], DC)[0, 0].numpy()
    high = synthesis(coefficients[:, 1:], HIGH)[0, 0].numpy()
    return Bands(dc, high)


def component_rms(image: np.ndarray) -> np.ndarray:
    """Root-mean-square of each of the 49 DCT channels over the image, as a (7, 7) frequency map.

    Entry ``[u, v]`` is vertical frequency ``u``, horizontal frequency ``v``; ``[0, 0]``
    is the zero-frequency (DC) channel.
    """
    coefficients = analysis(_as_batch(image), basis_tensor(dtype=torch.float64))[0]
    rms = coefficients.pow(2).mean(dim=(1, 2)).sqrt().numpy()
    return rms.reshape(DCT_SIZE, DCT_SIZE)
