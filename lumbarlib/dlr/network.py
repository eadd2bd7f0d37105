"""The DLR network: DCT analysis, noise-adaptive shrinkage, 22 convolution blocks, DCT synthesis.

Paper section "DLR method" and Fig. 1 (the Advanced intelligent Clear-IQ Engine), whose
origin is the deep shrinkage CNN of Isogawa et al. 2018:

1. feature extraction: a fixed orthonormal 7x7 DCT at every pixel gives 49 channels
   (:mod:`lumbarlib.dlr.dct`); channel 0, the zero-frequency (DC) component, bypasses
   everything, so the local mean and with it the image contrast pass untouched;
2. soft shrinkage of the 48 high-frequency channels;
3. feature conversion: 22 times a 3x3 convolution 48 -> 48 followed by soft shrinkage;
4. image generation: the transposed 7x7 DCT of the 48 processed channels plus the DC.

Every threshold is a learned per-channel coefficient times the noise standard deviation
``sigma`` of the input image (Isogawa et al.: "soft shrinkage whose threshold is
proportional to noise level of the input image"), times a user ``strength``:

.. math::

    \\tau_{l,c} = \\text{strength} \\cdot |a_{l,c}| \\cdot \\sigma, \\qquad
    S_\\tau(x) = \\operatorname{sign}(x) \\max(|x| - \\tau, 0).

The convolutions have no bias, so zero high-frequency content stays zero (a constant
image passes unchanged) and the network is equivariant to intensity scaling when
``sigma`` scales with the image. Each convolution starts as the identity kernel: the
untrained network is then iterated sliding-window DCT shrinkage, whose thresholds add up
(``S_a(S_b(x)) = S_{a+b}(x)``), and training refines it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from lumbarlib.core.checks import check_range
from lumbarlib.dlr import dct

N_BLOCKS = 22
N_HIGH = dct.N_COMPONENTS - 1
CONV_SIZE = 3
INITIAL_TOTAL_THRESHOLD = 0.75  # sum of all shrinkage coefficients at initialisation (units of sigma)


MAX_BLOCKS = 64
"""Most feature-conversion blocks a network may have (the paper's has 22): bounds memory and time."""


def soft_shrink(x: torch.Tensor, threshold: torch.Tensor) -> torch.Tensor:
    """Soft shrinkage ``sign(x) * max(|x| - threshold, 0)`` with a broadcast, differentiable threshold.

    ``torch.nn.functional.softshrink`` takes a single Python float; the DLR needs one
    threshold per image and channel (and its gradient), hence ``x - clamp(x, -t, t)``.
    """
    return x - torch.clamp(x, min=-threshold, max=threshold)


class DLRNet(nn.Module):
    """Deep shrinkage CNN of the DLR (paper Fig. 1).

    Parameters
    ----------
    n_blocks : int
        Number of (3x3 convolution, shrinkage) blocks of the feature-conversion layer (22).
    initial_total_threshold : float
        Sum over the ``n_blocks + 1`` shrinkages of the initial threshold coefficient
        (in units of sigma), shared equally among them.

    Examples
    --------
    >>> net = DLRNet()
    >>> image = torch.rand(1, 1, 32, 40)
    >>> net(image, sigma=torch.tensor([0.1])).shape
    torch.Size([1, 1, 32, 40])
    """

    def __init__(self, n_blocks: int = N_BLOCKS, initial_total_threshold: float = INITIAL_TOTAL_THRESHOLD):
        super().__init__()
        check_range("n_blocks", n_blocks, 1, MAX_BLOCKS, integer=True)
        check_range("initial_total_threshold", initial_total_threshold, 0)
        self.n_blocks = int(n_blocks)
        self.register_buffer("basis", dct.basis_tensor(), persistent=False)
        # skip_init: no random default initialisation (and no draw from the global generator)
        self.convs = nn.ModuleList(
            nn.utils.skip_init(nn.Conv2d, N_HIGH, N_HIGH, CONV_SIZE, padding=CONV_SIZE // 2, bias=False)
            for _ in range(n_blocks)
        )
        identity = torch.zeros(N_HIGH, N_HIGH, CONV_SIZE, CONV_SIZE)
        identity[torch.arange(N_HIGH), torch.arange(N_HIGH), CONV_SIZE // 2, CONV_SIZE // 2] = 1.0
        with torch.no_grad():
            for conv in self.convs:
                conv.weight.copy_(identity)
        self.threshold_coef = nn.Parameter(torch.full((n_blocks + 1, N_HIGH), initial_total_threshold / (n_blocks + 1)))

    def thresholds(self, sigma: torch.Tensor, strength: float = 1.0) -> torch.Tensor:
        """All shrinkage thresholds, shape ``(n_images, n_blocks + 1, 48)``: ``strength * |a| * sigma``."""
        sigma = torch.as_tensor(sigma, dtype=self.threshold_coef.dtype, device=self.threshold_coef.device)
        return strength * self.threshold_coef.abs() * sigma.reshape(-1, 1, 1)

    def forward(self, image: torch.Tensor, sigma: torch.Tensor | float, strength: float = 1.0) -> torch.Tensor:
        """Denoise a batch of images.

        Parameters
        ----------
        image : Tensor, shape (n, 1, ny, nx)
            Magnitude images, sides at least 7 pixels.
        sigma : Tensor of shape (n,) or float
            Noise standard deviation of each image, in the image's units.
        strength : float
            Multiplies every threshold (0: no shrinkage).

        Returns
        -------
        Tensor, shape (n, 1, ny, nx)
        """
        coefficients = dct.analysis(image, self.basis)
        dc, high = coefficients[:, :1], coefficients[:, 1:]
        # channels_last lets oneDNN run the 48-channel 3x3 convolutions near matmul speed
        high = high.contiguous(memory_format=torch.channels_last)
        tau = self.thresholds(sigma, strength).expand(image.shape[0], -1, -1)[..., None, None]
        high = soft_shrink(high, tau[:, 0])
        for block, conv in enumerate(self.convs, start=1):
            high = soft_shrink(conv(high), tau[:, block])
        return dct.synthesis(dc, dct.DC) + dct.synthesis(high, dct.HIGH)


FOLD_EPS = 1e-12  # smallest threshold coefficient :func:`fold` divides by


def _softshrink_(x: torch.Tensor, threshold: float) -> None:
    """Soft shrinkage of ``x`` in place (``F.softshrink`` has no in-place form; its ``out=`` overload does it)."""
    torch.ops.aten.softshrink.out(x, threshold, out=x)


@dataclass(frozen=True)
class FoldedDLR:
    """Inference form of a :class:`DLRNet`: per-channel thresholds folded into the weights.

    Soft shrinkage is positively homogeneous, ``S_{a t}(x) = a S_t(x / a)`` for ``a > 0``,
    so the per-channel coefficients ``a_l`` of block ``l`` can move into the weights: the
    analysis rows are divided by ``a_0``, convolution ``l`` is scaled by ``a_{l-1}`` on
    its inputs and ``1 / a_l`` on its outputs, the synthesis weights are the last ``a``.
    Every shrinkage then has the one scalar threshold ``strength * sigma`` and runs as a
    single :func:`torch.nn.functional.softshrink` pass instead of a clamp and a
    subtraction with broadcast thresholds. Same output up to float rounding
    (``tests/dlr/test_network.py``); it serves :func:`lumbarlib.dlr.denoise.denoise`.
    """

    dc_basis: torch.Tensor
    analysis_high: torch.Tensor
    conv_weights: tuple[torch.Tensor, ...]
    synthesis_weights: torch.Tensor

    def __call__(self, image: torch.Tensor, threshold: float) -> torch.Tensor:
        """Denoise ``image`` (n, 1, ny, nx) with every shrinkage threshold ``strength * sigma``."""
        k = self.dc_basis.shape[-1]
        if image.ndim != 4 or image.shape[1] != 1 or min(image.shape[-2:]) < k:
            raise ValueError(f"image must have shape (n, 1, ny >= {k}, nx >= {k}), got {tuple(image.shape)}")
        pad = dct.margin(k)
        padded = F.pad(image, (pad, pad, pad, pad), mode="reflect")
        dc = F.conv2d(padded, self.dc_basis)
        # channels_last from the start lets oneDNN run every convolution without a layout copy;
        # shrinking in place saves an allocation of the 48-channel maps per layer
        high = F.conv2d(padded.contiguous(memory_format=torch.channels_last), self.analysis_high)
        _softshrink_(high, threshold)
        for weight in self.conv_weights:
            high = F.conv2d(high, weight, padding=CONV_SIZE // 2)
            _softshrink_(high, threshold)
        return dct.synthesis(dc, dct.DC) + dct.synthesis(high, dct.HIGH, self.synthesis_weights)


def fold(net: DLRNet) -> FoldedDLR:
    """The :class:`FoldedDLR` of ``net`` (its current weights; cheap: a few hundred thousand products)."""
    with torch.no_grad():
        a = net.threshold_coef.abs().clamp_min(FOLD_EPS)
        basis = net.basis
        convs = tuple(
            (conv.weight * a[block][None, :, None, None] / a[block + 1][:, None, None, None]).contiguous(
                memory_format=torch.channels_last
            )
            for block, conv in enumerate(net.convs)
        )
        return FoldedDLR(
            dc_basis=basis[:1].clone(),
            analysis_high=(basis[1:] / a[0][:, None, None, None]).contiguous(memory_format=torch.channels_last),
            conv_weights=convs,
            synthesis_weights=a[-1].clone(),
        )


def flops(net: DLRNet, ny: int, nx: int) -> float:
    """Floating-point operations (2 per multiply-add) of one forward pass on a ``ny`` x ``nx`` image.

    Counts the DCT analysis and the convolutions on the padded coefficient grid and the
    matrix products of the separable synthesis (:func:`lumbarlib.dlr.dct.synthesis_macs`),
    as :class:`torch.utils.flop_counter.FlopCounterMode` does; the shrinkages and the
    synthesis's shifted sums (a few operations per element) are left out, as in matmul
    accounting.
    """
    check_range("ny", ny, dct.DCT_SIZE, integer=True)
    check_range("nx", nx, dct.DCT_SIZE, integer=True)
    my, mx = ny + dct.margin(), nx + dct.margin()
    macs = (
        my * mx * dct.DCT_SIZE**2 * dct.N_COMPONENTS  # analysis
        + my * mx * net.n_blocks * N_HIGH * N_HIGH * CONV_SIZE**2  # feature conversion
        + dct.synthesis_macs(dct.DC, my, mx)
        + dct.synthesis_macs(dct.HIGH, my, mx)
    )
    return 2.0 * macs


def parameter_table(net: DLRNet) -> pd.DataFrame:
    """Trainable parameters and fixed weights layer by layer (the book's ``dlr_parameters`` table).

    Returns
    -------
    DataFrame
        Columns ``layer``, ``trainable parameters``, ``fixed weights``; a final ``total`` row.
    """
    conv_weights = sum(int(np.prod(conv.weight.shape)) for conv in net.convs)
    dct_weights = int(net.basis.numel())
    rows = [
        ("feature extraction: 7x7 DCT analysis (49 channels)", 0, dct_weights),
        ("soft shrinkage of the 48 high-frequency channels", N_HIGH, 0),
        (f"feature conversion: {net.n_blocks} x 3x3 convolution 48->48", conv_weights, 0),
        (f"feature conversion: {net.n_blocks} x soft shrinkage", net.n_blocks * N_HIGH, 0),
        ("zero-frequency bypass", 0, 0),
        ("image generation: transposed 7x7 DCT", 0, dct_weights),
    ]
    table = pd.DataFrame(rows, columns=["layer", "trainable parameters", "fixed weights"])
    table.loc[len(table)] = ["total", int(table["trainable parameters"].sum()), 2 * dct_weights]
    return table


def identity_distance(net: DLRNet) -> pd.DataFrame:
    """How far each 3x3 convolution moved from its identity start: ``||W - I||_F / ||I||_F``.

    Serves the training chapter's question whether the network learned more than iterated
    DCT shrinkage (the identity-initialised network is exactly that, paper Fig. 1's blocks
    with nothing learned). Also the RMS of each layer's threshold coefficients.

    Returns
    -------
    DataFrame
        Columns ``layer`` (1 to ``n_blocks``), ``relative_distance``, ``threshold_rms``
        (of ``|a|`` of the shrinkage after that convolution).
    """
    identity = torch.zeros(N_HIGH, N_HIGH, CONV_SIZE, CONV_SIZE)
    identity[torch.arange(N_HIGH), torch.arange(N_HIGH), CONV_SIZE // 2, CONV_SIZE // 2] = 1.0
    rows = []
    with torch.no_grad():
        for k, conv in enumerate(net.convs):
            weight = conv.weight.detach().cpu()
            distance = float(torch.linalg.norm(weight - identity) / torch.linalg.norm(identity))
            threshold = float(net.threshold_coef[k + 1].abs().pow(2).mean().sqrt())
            rows.append((k + 1, distance, threshold))
    return pd.DataFrame(rows, columns=["layer", "relative_distance", "threshold_rms"])
