"""The DLR on your own image: read a DICOM, NIfTI or PNG file and denoise it.

DICOM through pydicom (rescale slope and intercept applied, pixel spacing read),
NIfTI through nibabel (a single 2-D slice: singleton dimensions are dropped), PNG
through Pillow (colour converted to luminance). The noise SD is estimated from the
image (:func:`lumbarlib.sim.noise.estimate_sigma`). A file that cannot be read, data that
are not one 2-D image, or NaN pixels give a ``ValueError`` saying which.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nibabel as nib
import numpy as np
import pydicom
from PIL import Image, UnidentifiedImageError

from lumbarlib.core.checks import ParameterError, check_range
from lumbarlib.dlr.denoise import denoise, denoise_in_strips
from lumbarlib.dlr.network import DLRNet
from lumbarlib.sim.noise import estimate_sigma

FORMATS = {".dcm": "DICOM", ".dicom": "DICOM", ".nii": "NIfTI", ".nii.gz": "NIfTI", ".png": "PNG"}

MAX_PIXELS = 2048 * 2048
"""Largest image :func:`denoise_file` takes unless told otherwise (about 40 s and 2.5 GB on 2 cores)."""

SECONDS_PER_MEGAPIXEL = 10.5
GIGABYTES_PER_MEGAPIXEL = 0.6
"""Cost of the DLR on 2 CPU cores, measured on 1024^2 to 4096^2 images (11 s, 37.5 s, 457 s and 10.2 GB)."""

STRIPS_ABOVE_PIXELS = 1024 * 1024
"""Images larger than this are denoised in strips, with a progress bar and bounded memory."""


@dataclass(frozen=True)
class UserImage:
    """A 2-D image read from a file: pixels (float64), pixel spacing in mm if the file says, format."""

    image: np.ndarray
    pixel_mm: tuple[float, float] | None
    source: str


@dataclass(frozen=True)
class UserDenoised:
    """The DLR applied to a user's image: the input, the result and the sigma estimated."""

    original: UserImage
    denoised: np.ndarray
    sigma: float


def _format(path: Path) -> str:
    name = path.name.lower()
    for suffix in sorted(FORMATS, key=len, reverse=True):
        if name.endswith(suffix):
            return FORMATS[suffix]
    if not path.suffix:
        return "DICOM"  # DICOM files often have no extension: let pydicom decide
    raise ValueError(
        f"parameter 'path' = '{path}': unsupported file type {path.suffix!r}; "
        f"must be one of {', '.join(FORMATS)} or DICOM without extension"
    )


def read_image(path: str | Path) -> UserImage:
    """Read one 2-D image from a DICOM, NIfTI or PNG file.

    Parameters
    ----------
    path : str or Path
        ``.dcm``/``.dicom`` (or no extension): DICOM; ``.nii``/``.nii.gz``: NIfTI; ``.png``.

    Returns
    -------
    UserImage

    Raises
    ------
    ValueError
        The file is missing or unreadable in its format, the data are not 2-D after
        dropping singleton dimensions, or contain NaN/infinite pixels.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"parameter 'path' = '{path}': no such file")
    kind = _format(path)
    pixel_mm = None
    try:
        if kind == "DICOM":
            ds = pydicom.dcmread(path)
            data = ds.pixel_array.astype(np.float64)
            data = data * float(getattr(ds, "RescaleSlope", 1.0)) + float(getattr(ds, "RescaleIntercept", 0.0))
            if "PixelSpacing" in ds:
                pixel_mm = (float(ds.PixelSpacing[0]), float(ds.PixelSpacing[1]))
        elif kind == "NIfTI":
            img = nib.load(path)
            data = np.asarray(img.dataobj, dtype=np.float64)
            zooms = img.header.get_zooms()
            kept = [z for z, n in zip(zooms, data.shape) if n > 1]
            if len(kept) == 2:
                pixel_mm = (float(kept[0]), float(kept[1]))
        else:
            with Image.open(path) as im:
                data = np.asarray(im.convert("F") if im.mode not in ("I", "I;16", "F") else im, dtype=np.float64)
    except (
        pydicom.errors.InvalidDicomError,
        nib.filebasedimages.ImageFileError,
        UnidentifiedImageError,
        OSError,
        AttributeError,
        EOFError,
        ValueError,  # pydicom: pixel data shorter than the header says (a truncated file)
        KeyError,
        TypeError,
    ) as err:
        raise ValueError(f"parameter 'path' = '{path}': cannot be read as {kind} ({err})") from err
    data = np.squeeze(data)
    if data.ndim != 2:
        raise ValueError(
            f"parameter 'path' = '{path}': holds data of shape {np.shape(data)}; the DLR needs one 2-D image"
        )
    if not np.all(np.isfinite(data)):
        raise ValueError(
            f"parameter 'path' = '{path}': {np.count_nonzero(~np.isfinite(data))} pixels are NaN or infinite"
        )
    return UserImage(data, pixel_mm, kind)


def denoise_file(
    path: str | Path, *, strength: float | None = None, net: DLRNet | None = None, max_pixels: int = MAX_PIXELS
) -> UserDenoised:
    """Read ``path`` (:func:`read_image`), estimate its noise SD and apply the DLR.

    Parameters
    ----------
    path : str or Path
        The image file.
    strength : float, optional
        Multiplies every shrinkage threshold (default: the calibrated strength,
        :func:`lumbarlib.dlr.denoise.resolve_strength`).
    net : DLRNet, optional
        Default: the shipped weights.
    max_pixels : int
        Larger images are refused before any work, with the time and memory they would
        take (:data:`MAX_PIXELS` by default; raise it to accept them).
    """
    check_range("max_pixels", max_pixels, 64, integer=True)
    user = read_image(path)
    n_pixels = user.image.size
    if n_pixels > max_pixels:
        megapixels = n_pixels / 1e6
        raise ParameterError(
            f"parameter 'path' = '{path}': {user.image.shape[0]} x {user.image.shape[1]} pixels is more than "
            f"max_pixels = {max_pixels}; the DLR would take about {megapixels * SECONDS_PER_MEGAPIXEL:.0f} s and "
            f"{megapixels * GIGABYTES_PER_MEGAPIXEL:.1f} GB on 2 CPU cores: crop or downsample it, or pass a "
            f"larger max_pixels"
        )
    sigma = estimate_sigma(user.image)
    if n_pixels > STRIPS_ABOVE_PIXELS:
        out = denoise_in_strips(user.image, sigma=sigma, strength=strength, net=net)
    else:
        out = denoise(user.image, sigma=sigma, strength=strength, net=net)
    return UserDenoised(user, out, sigma)
