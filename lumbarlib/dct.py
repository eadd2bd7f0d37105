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
the overlapping (stride-1) block DCT as a differentiable PyTorch operator.
"""

from __future__ import annotations

import numpy as np
import scipy.fft
import torch
import torch.nn.functional as F

DCT_SIZE = 7
N_COMPONENTS = DCT_SIZE * DCT_SIZE


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
    if not isinstance(size, (int, np.integer)) or size < 2:
        raise ValueError(f"parameter 'size' = {size!r}: must be an integer >= 2")
    # Row k of this matrix is the k-th 1-D orthonormal DCT-II basis vector.
    d1 = scipy.fft.dct(np.eye(size), norm="ortho", axis=0)
    return np.einsum("ui,vj->uvij", d1, d1).reshape(size * size, size, size)


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


def synthesis(coefficients: torch.Tensor, basis: torch.Tensor) -> torch.Tensor:
    """Inverse of :func:`analysis` (image-generation layer, paper Fig. 1).

    The transposed convolution adds every window's reconstruction back in place; each
    image pixel receives ``k * k`` of them, hence the division.

    Parameters
    ----------
    coefficients : Tensor, shape (n, k * k, my, mx)
        DCT components as returned by :func:`analysis` (possibly processed).
    basis : Tensor, shape (k * k, 1, k, k)

    Returns
    -------
    Tensor, shape (n, 1, my - 2 * (k // 2), mx - 2 * (k // 2))
    """
    k = basis.shape[-1]
    if coefficients.ndim != 4 or coefficients.shape[1] != basis.shape[0]:
        raise ValueError(
            f"coefficients must have shape (n, {basis.shape[0]}, my, mx), got {tuple(coefficients.shape)}"
        )
    pad = margin(k)
    full = F.conv_transpose2d(coefficients, basis) / (k * k)
    return full[..., pad:-pad, pad:-pad]
