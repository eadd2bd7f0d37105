"""Real scanner images for training and testing the DLR: where they are, checking them, reading them.

The paper's DLR was trained on 3T brain and knee images and then applied to the lumbar
spine :cite:`kashiwagi2022lumbar`. This module gives the book the real counterpart of
that: scanner-acquired 3T knee and brain magnitude images to train on, and one real
lumbar T2 volume to test on. **The lumbar volume is for testing only: nothing is
trained, tuned or calibrated on it.**

The files are not part of the repository. They live in a folder of their own
(:func:`data_dir`: ``$LUMBARLIB_MRI_DATA``, else ``../shared/mri-data`` beside the
checkout) with a ``README.md`` and a ``MANIFEST.csv`` giving, for every file, its SHA-256,
its size and the public repository, commit and path it was copied from unchanged. Every
reader checks the files it reads against the manifest, and every error says which file
is wrong, what is wrong and how to obtain it (``python -m lumbarlib.study.mri_data
download``, or the source URL). ``python -m lumbarlib.study.mri_data check`` verifies
the whole folder.

Formats: BART ``.cfl``/``.hdr`` (:func:`read_cfl`), DICOM series (:func:`read_dicom_series`),
NIfTI (:func:`read_nifti`). :func:`knee_slices`, :func:`brain_slices` and
:func:`lumbar_volume` return the images with their subject ids, and
:func:`split_by_subject` splits subjects (never slices) into training, validation and
test parts, so that no person appears in two parts.

The intensities are the files' own (measured maxima: Stanford knee slices 1.2e7 to 2.5e7,
the ENLIVE slices 0.03 to 0.16, the Prisma DICOM series 2189, the lumbar volume 455):
scaling is left to the stage that trains. The images are real, with their own noise: used as
training targets they are "clean" only relative to the noise added to them.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import os
import re
import shutil
import sys
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import nibabel as nib
import numpy as np
import pydicom

from lumbarlib.core.paths import repo_dir, shipped_data_dir

DATA_ENV = "LUMBARLIB_MRI_DATA"
"""Environment variable naming the folder of real MR images (overrides the default of :func:`data_dir`)."""

MANIFEST = "MANIFEST.csv"
"""The manifest's file name inside the data folder."""

SHIPPED_MANIFEST = "mri_data_manifest.csv"
"""The name of the shipped copy of the manifest in the repository's ``data/``."""

COLUMNS: tuple[str, ...] = ("file", "sha256", "bytes", "source_repository", "source_commit", "source_path")
"""The manifest's header, in order."""

DOWNLOAD_BASE = "https://raw.githubusercontent.com"
"""Where :func:`download_url` fetches a file: ``{base}/{repository}/{commit}/{path}``."""

KNEE_FILES: dict[str, str] = {f"P{k}": f"knee/stanford_fse_P{k}" for k in range(1, 21)} | {
    "enlive_knee": "knee/enlive_knee"
}
"""Knee subject id -> BART file (without extension): 20 Stanford FSE subjects P1..P20 and the ENLIVE knee."""

BRAIN_POSITIONS: tuple[str, ...] = ("HFS", "HFP", "HFDL", "HFDR")
"""Head-first supine, prone, decubitus left and right: the four Prisma series, of ONE volunteer."""

BRAIN_SUBJECT = "prisma_volunteer"
"""Subject id of the four Prisma T1 FLASH series (one volunteer scanned in four positions)."""

HEAD_FILE = "brain/enlive_head_slice1"
HEAD_SUBJECT = "enlive_head"
"""The ENLIVE head slice (BART file without extension) and its subject id."""

LUMBAR_FILE = "lumbar/sct_t2_lumbar.nii.gz"
LUMBAR_SUBJECT = "sct_t2_lumbar"
"""The real lumbar T2 volume (testing only) and its subject id."""

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CHUNK = 1 << 20
_DICOM_ERRORS = (pydicom.errors.InvalidDicomError, OSError, ValueError, AttributeError, KeyError, TypeError, EOFError)
_NIFTI_ERRORS = (
    nib.filebasedimages.ImageFileError,
    nib.spatialimages.HeaderDataError,
    OSError,
    EOFError,
    ValueError,
    zlib.error,
)


class MriDataError(ValueError):
    """A real MR image file or the manifest is missing, altered or unreadable; the message says which and the fix."""


@dataclass(frozen=True)
class ManifestEntry:
    """One row of ``MANIFEST.csv``: a file of the data folder and where it came from.

    Attributes
    ----------
    file : str
        Path inside the data folder, POSIX separators (``knee/stanford_fse_P1.cfl``).
    sha256 : str
        SHA-256 of the file, 64 lower-case hex digits.
    size : int
        Size in bytes (the ``bytes`` column).
    source_repository, source_commit, source_path : str
        The public GitHub repository (``owner/name``), commit and path the file was
        copied from unchanged (:func:`download_url`).
    """

    file: str
    sha256: str
    size: int
    source_repository: str
    source_commit: str
    source_path: str


@dataclass(frozen=True, eq=False)
class RealImage:
    """A real MR image (a 2-D slice or a 3-D volume) with the subject it belongs to.

    Attributes
    ----------
    image : ndarray
        float32 magnitude, the file's own intensity scale.
    subject : str
        Who was scanned: the unit of :func:`split_by_subject` (several images may share one).
    source : str
        The file in the data folder (for a DICOM slice, the ``.dcm`` file).
    spacing_mm : tuple of float or None
        Pixel (or voxel) spacing along the array's axes, if the file records it.
    """

    image: np.ndarray
    subject: str
    source: str
    spacing_mm: tuple[float, ...] | None


# ----------------------------------------------------------------------------- folder and manifest


def data_dir() -> Path:
    """The folder of real MR images: ``$LUMBARLIB_MRI_DATA`` if set, else ``<repo>/../shared/mri-data``.

    Serves every reader here: the images are kept outside the repository and never committed.
    """
    env = os.environ.get(DATA_ENV)
    return Path(env).expanduser().resolve() if env else repo_dir().parent / "shared" / "mri-data"


def _folder(folder: str | Path | None) -> Path:
    return data_dir() if folder is None else Path(folder)


def _obtain_folder_hint(folder: Path) -> str:
    return (
        f"the real MR images are not part of the repository: set ${DATA_ENV} to the folder holding them "
        f"(README.md, {MANIFEST} and the images), or put that folder at {folder}; with {MANIFEST} alone there, "
        f"`python -m lumbarlib.study.mri_data download --folder {folder}` fetches the images (needs internet)"
    )


def _malformed(path: Path, line: int, what: str) -> MriDataError:
    return MriDataError(f"{path}, line {line}: {what}; restore {MANIFEST} from the data folder's source")


def _parse_row(path: Path, line: int, row: list[str]) -> ManifestEntry:
    if len(row) != len(COLUMNS):
        raise _malformed(path, line, f"{len(row)} fields, expected {len(COLUMNS)} ({', '.join(COLUMNS)})")
    file, sha256, size, repository, commit, source_path = (field.strip() for field in row)
    name = PurePosixPath(file)
    if not file or name.is_absolute() or ".." in name.parts or "\\" in file:
        raise _malformed(path, line, f"file {file!r} is not a relative path inside the data folder")
    if not _SHA256.match(sha256.lower()):
        raise _malformed(path, line, f"sha256 {sha256!r} of {file} is not 64 hex digits")
    if not size.isdigit():
        raise _malformed(path, line, f"bytes {size!r} of {file} is not a non-negative integer")
    if not (repository.count("/") == 1 and commit and source_path):
        raise _malformed(path, line, f"source of {file} incomplete (repository {repository!r}, commit {commit!r})")
    return ManifestEntry(file, sha256.lower(), int(size), repository, commit, source_path)


def read_manifest(folder: str | Path | None = None) -> dict[str, ManifestEntry]:
    """Parse the data folder's ``MANIFEST.csv``.

    Serves :func:`verify` and the readers: the manifest is what makes the training (brain,
    knee) and test (lumbar) images the same files for every reader of the book.

    Parameters
    ----------
    folder : str or Path, optional
        The data folder; default :func:`data_dir`.

    Returns
    -------
    dict of str to ManifestEntry
        File name (relative, POSIX) -> entry, in the manifest's order.

    Raises
    ------
    MriDataError
        The manifest is missing (with how to obtain the data folder), has a header other
        than :data:`COLUMNS`, a row of the wrong length, a bad SHA-256, a non-integer size,
        an unsafe file name, a file listed twice, or no rows.
    """
    folder = _folder(folder)
    path = folder / MANIFEST
    if not path.is_file():
        raise MriDataError(f"{path}: no such file; {_obtain_folder_hint(folder)}")
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise MriDataError(f"{path}: cannot be read as CSV ({err})") from err
    if not rows or tuple(h.strip() for h in rows[0]) != COLUMNS:
        found = ",".join(rows[0]) if rows else "nothing"
        raise _malformed(path, 1, f"header is {found!r}, expected {','.join(COLUMNS)!r}")
    entries: dict[str, ManifestEntry] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(field.strip() for field in row):
            continue
        entry = _parse_row(path, line, row)
        if entry.file in entries:
            raise _malformed(path, line, f"{entry.file} is listed twice")
        entries[entry.file] = entry
    if not entries:
        raise _malformed(path, 2, "no files listed")
    return entries


# ----------------------------------------------------------------------------- checking


def shipped_manifest() -> Path:
    """The copy of ``MANIFEST.csv`` shipped in the repository's ``data/``, so a new reader can download the set."""
    return shipped_data_dir() / SHIPPED_MANIFEST


def download_url(entry: ManifestEntry) -> str:
    """The raw-file URL of an entry at its commit: ``https://raw.githubusercontent.com/{repo}/{commit}/{path}``.

    Serves :func:`download` and every error message: a user with internet obtains exactly
    the file the book was built with.
    """
    path = urllib.parse.quote(entry.source_path, safe="/")
    return f"{DOWNLOAD_BASE}/{entry.source_repository}/{entry.source_commit}/{path}"


def _obtain_hint(entry: ManifestEntry, folder: Path) -> str:
    return (
        f"obtain it with `python -m lumbarlib.study.mri_data download --folder {folder}` (needs internet) "
        f"or from {download_url(entry)}"
    )


def sha256_of(path: str | Path) -> str:
    """SHA-256 of a file, read in 1 MiB chunks (hex digits, lower case)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _entry(entry_or_name: ManifestEntry | str, folder: Path) -> ManifestEntry:
    if isinstance(entry_or_name, ManifestEntry):
        return entry_or_name
    entries = read_manifest(folder)
    name = PurePosixPath(str(entry_or_name)).as_posix()
    if name not in entries:
        raise MriDataError(f"{name}: not listed in {folder / MANIFEST}; {_obtain_folder_hint(folder)}")
    return entries[name]


def _problem(entry: ManifestEntry, folder: Path, *, checksum: bool) -> str | None:
    """What is wrong with one file (missing, size, checksum), or None."""
    path = folder / entry.file
    if not path.is_file():
        return f"{path}: missing; {_obtain_hint(entry, folder)}"
    size = path.stat().st_size
    if size != entry.size:
        return f"{path}: size {size} bytes, the manifest says {entry.size}; {_obtain_hint(entry, folder)}"
    if checksum:
        found = sha256_of(path)
        if found != entry.sha256:
            return (
                f"{path}: checksum mismatch (SHA-256 {found}, the manifest says {entry.sha256}): the file "
                f"was altered; {_obtain_hint(entry, folder)}"
            )
    return None


def verify(entry_or_name: ManifestEntry | str, folder: str | Path | None = None) -> Path:
    """Check one file of the data folder: it exists, has the manifest's size and SHA-256.

    Serves every reader: a training image (brain, knee) or the test image (lumbar) that
    differs from the published one would silently change the book's results.

    Parameters
    ----------
    entry_or_name : ManifestEntry or str
        The entry, or its file name in the manifest (``knee/stanford_fse_P1.cfl``).
    folder : str or Path, optional
        The data folder; default :func:`data_dir`.

    Returns
    -------
    Path
        The verified file.

    Raises
    ------
    MriDataError
        Naming the file, what is wrong (missing / size / checksum, or not in the manifest)
        and how to obtain it.
    """
    folder = _folder(folder)
    entry = _entry(entry_or_name, folder)
    problem = _problem(entry, folder, checksum=True)
    if problem:
        raise MriDataError(problem)
    return folder / entry.file


def check(folder: str | Path | None = None, *, checksums: bool = True) -> list[str]:
    """Every problem of the data folder, one message per missing or altered file (empty: all good).

    Parameters
    ----------
    folder : str or Path, optional
        The data folder; default :func:`data_dir`.
    checksums : bool
        Hash every file (about 50 MB); False checks existence and size only.

    Raises
    ------
    MriDataError
        The manifest itself is missing or malformed.
    """
    folder = _folder(folder)
    problems = (_problem(entry, folder, checksum=checksums) for entry in read_manifest(folder).values())
    return [p for p in problems if p]


def available(folder: str | Path | None = None) -> bool:
    """Whether the whole set of real images is present: the manifest reads and every file has its size.

    Cheap (no hashing): serves notebooks and tests that skip the real-data part when the
    folder is absent. The readers still verify each file's SHA-256 when they read it.
    """
    try:
        return not check(folder, checksums=False)
    except MriDataError:
        return False


def _verify_listed(paths: Iterable[Path], data_folder: str | Path | None, prefix: str | None = None) -> None:
    """Verify the files among ``paths`` that the data folder's manifest lists (others are read unchecked).

    With ``prefix`` (a folder inside the data folder), also every listed file under it, so
    that a file missing from a DICOM series is reported rather than silently skipped.
    """
    folder = _folder(data_folder)
    root = folder.resolve()
    names = []
    for path in paths:
        try:
            names.append(path.resolve().relative_to(root).as_posix())
        except ValueError:
            continue  # not inside the data folder: not the manifest's business
    if not (names or prefix) or not (folder / MANIFEST).is_file():
        return
    entries = read_manifest(folder)
    wanted = {n for n in names if n in entries}
    if prefix:
        wanted |= {n for n in entries if n.startswith(prefix.rstrip("/") + "/")}
    for name in sorted(wanted):
        verify(entries[name], folder)


def _prefix_in(folder_path: Path, data_folder: str | Path | None) -> str | None:
    try:
        return folder_path.resolve().relative_to(_folder(data_folder).resolve()).as_posix()
    except ValueError:
        return None


# ----------------------------------------------------------------------------- readers


def _cfl_pair(path: str | Path) -> tuple[Path, Path]:
    base = Path(path)
    if base.suffix in (".cfl", ".hdr"):
        base = base.with_suffix("")
    return base.with_name(base.name + ".hdr"), base.with_name(base.name + ".cfl")


def read_cfl_dims(hdr: str | Path) -> tuple[int, ...]:
    """The dimensions in a BART ``.hdr`` file (the line after ``# Dimensions``).

    Raises
    ------
    MriDataError
        The file is missing, unreadable, or has no valid ``# Dimensions`` line.
    """
    hdr = Path(hdr)
    try:
        lines = hdr.read_text(encoding="ascii").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise MriDataError(f"{hdr}: cannot read the BART header ({err})") from err
    for k, line in enumerate(lines[:-1]):
        if line.strip() == "# Dimensions":
            try:
                dims = tuple(int(d) for d in lines[k + 1].split())
            except ValueError:
                break
            if dims and min(dims) >= 1:
                return dims
            break
    raise MriDataError(f"{hdr}: not a BART header (no '# Dimensions' line followed by positive integers)")


def read_cfl(path: str | Path, *, verify: bool = True, data_folder: str | Path | None = None) -> np.ndarray:
    """Read a BART ``.cfl``/``.hdr`` pair and return its squeezed magnitude.

    Serves the knee training images (Stanford FSE P1..P20, ENLIVE knee) and the ENLIVE
    head slice: root-sum-of-squares magnitudes stored as complex64 with zero imaginary part.

    Parameters
    ----------
    path : str or Path
        The ``.cfl`` or ``.hdr`` file, or their common name without extension.
    verify : bool
        Check both files against the manifest of ``data_folder`` when they are listed there.
    data_folder : str or Path, optional
        The data folder whose manifest applies; default :func:`data_dir`.

    Returns
    -------
    ndarray
        float32 ``abs(data)``, singleton dimensions dropped: 2-D (320, 256) for the knee
        files, (192, 192) for the head slice. Axis k is BART dimension k (the data are in
        Fortran order).

    Raises
    ------
    MriDataError
        A file is missing, fails its checksum, or the data are shorter or longer than the header says.
    """
    hdr, cfl = _cfl_pair(path)
    if verify:
        _verify_listed([hdr, cfl], data_folder)
    dims = read_cfl_dims(hdr)
    expected = int(np.prod(dims)) * np.dtype(np.complex64).itemsize
    try:
        raw = cfl.read_bytes()
    except OSError as err:
        raise MriDataError(f"{cfl}: cannot read BART data ({err})") from err
    if len(raw) != expected:
        raise MriDataError(f"{cfl}: {len(raw)} bytes, but {hdr.name} says {dims} complex64 = {expected} bytes")
    data = np.frombuffer(raw, dtype="<c8").reshape(dims, order="F")
    return np.abs(np.squeeze(data)).astype(np.float32)


def _read_dicom(path: Path) -> tuple[int, np.ndarray, tuple[float, float]]:
    """(InstanceNumber, rescaled float32 pixels, pixel spacing) of one DICOM file."""
    try:
        ds = pydicom.dcmread(path)
        number = int(ds.InstanceNumber)
        pixels = ds.pixel_array.astype(np.float32)
        slope = float(getattr(ds, "RescaleSlope", 1.0) or 1.0)
        intercept = float(getattr(ds, "RescaleIntercept", 0.0) or 0.0)
        spacing = (float(ds.PixelSpacing[0]), float(ds.PixelSpacing[1]))
        shape = (int(ds.Rows), int(ds.Columns))
    except _DICOM_ERRORS as err:
        raise MriDataError(f"{path}: cannot be read as one DICOM image ({type(err).__name__}: {err})") from err
    if pixels.shape != shape:
        raise MriDataError(f"{path}: pixel data of shape {pixels.shape}, the header says {shape}")
    return number, pixels * np.float32(slope) + np.float32(intercept), spacing


def _read_series(
    folder: Path, verify: bool, data_folder: str | Path | None
) -> list[tuple[int, np.ndarray, tuple, Path]]:
    """(InstanceNumber, pixels, spacing, file) of every slice of a series folder, sorted and checked."""
    files = sorted(folder.glob("*.dcm"))
    if verify:
        _verify_listed(files, data_folder, prefix=_prefix_in(folder, data_folder))
    if not files:
        raise MriDataError(f"{folder}: no .dcm files; the DICOM series is missing")
    slices = sorted((_read_dicom(f) + (f,) for f in files), key=lambda s: s[0])
    numbers = [s[0] for s in slices]
    if len(set(numbers)) != len(numbers):
        raise MriDataError(f"{folder}: InstanceNumber repeated ({numbers}); not one series")
    if len({s[1].shape for s in slices}) > 1 or len({s[2] for s in slices}) > 1:
        raise MriDataError(f"{folder}: slices differ in shape or pixel spacing; not one series")
    return slices


def read_dicom_series(
    folder: str | Path, *, verify: bool = True, data_folder: str | Path | None = None
) -> tuple[np.ndarray, tuple[float, float]]:
    """Read every ``.dcm`` file of a folder as one series, sorted by InstanceNumber.

    Serves the brain training images (the Prisma T1 FLASH series, 35 sagittal slices each).

    Parameters
    ----------
    folder : str or Path
        The series folder.
    verify : bool
        Check the files against the manifest of ``data_folder`` when listed there,
        including that no listed file of the series is missing.
    data_folder : str or Path, optional
        The data folder whose manifest applies; default :func:`data_dir`.

    Returns
    -------
    volume : ndarray
        float32 (slices, rows, cols), RescaleSlope and RescaleIntercept applied.
    pixel_mm : tuple of float
        PixelSpacing (row spacing, column spacing) in mm.

    Raises
    ------
    MriDataError
        No ``.dcm`` file, a file unreadable or failing its checksum, a missing or repeated
        InstanceNumber, or slices of different shapes or spacings.
    """
    slices = _read_series(Path(folder), verify, data_folder)
    return np.stack([s[1] for s in slices]), slices[0][2]


def read_nifti(
    path: str | Path, *, verify: bool = True, data_folder: str | Path | None = None
) -> tuple[np.ndarray, tuple[float, ...]]:
    """Read a NIfTI file (``.nii`` or ``.nii.gz``) as float32 with its voxel sizes.

    Serves the real lumbar test volume (:func:`lumbar_volume`).

    Parameters
    ----------
    path : str or Path
        The NIfTI file.
    verify : bool
        Check it against the manifest of ``data_folder`` when listed there.
    data_folder : str or Path, optional
        The data folder whose manifest applies; default :func:`data_dir`.

    Returns
    -------
    data : ndarray
        float32, the file's array order (scl_slope/scl_inter applied).
    voxel_mm : tuple of float
        Voxel size along each axis (the header's zooms).

    Raises
    ------
    MriDataError
        The file is missing, fails its checksum, or nibabel cannot read it (e.g. truncated).
    """
    path = Path(path)
    if verify:
        _verify_listed([path], data_folder)
    if not path.is_file():
        raise MriDataError(f"{path}: no such NIfTI file")
    try:
        img = nib.load(path)
        data = img.get_fdata(dtype=np.float32)
        zooms = tuple(float(z) for z in img.header.get_zooms()[: data.ndim])
    except _NIFTI_ERRORS as err:
        raise MriDataError(f"{path}: cannot be read as NIfTI ({type(err).__name__}: {err})") from err
    return data, zooms


# ----------------------------------------------------------------------------- the study's sets


def knee_slices(folder: str | Path | None = None, *, verify: bool = True) -> list[RealImage]:
    """The 21 real knee slices for training the DLR, one per subject.

    Serves DLR training as in the paper (trained on 3T knee and brain, not on the spine):
    20 Stanford fully sampled 3D FSE knees (3T GE, 8-channel coil; subject ids ``P1`` ..
    ``P20``) and the ENLIVE knee (``enlive_knee``). Each is a root-sum-of-squares magnitude
    of 320 x 256 pixels (no spacing recorded). Scales differ between the two sources by
    about 1e8 (maxima 1.2e7 to 2.5e7 against 0.16): normalise before training.

    Parameters
    ----------
    folder : str or Path, optional
        The data folder; default :func:`data_dir`.
    verify : bool
        Check every file's SHA-256 against the manifest.
    """
    folder = _folder(folder)
    return [
        RealImage(read_cfl(folder / name, verify=verify, data_folder=folder), subject, f"{name}.cfl", None)
        for subject, name in KNEE_FILES.items()
    ]


def brain_slices(folder: str | Path | None = None, *, verify: bool = True) -> list[RealImage]:
    """The 141 real brain slices for training the DLR: 4 x 35 Prisma DICOM slices and the ENLIVE head slice.

    Serves DLR training as in the paper (3T brain and knee). The four Prisma T1 FLASH series
    (Siemens Prisma fit 3T, sagittal, 256 x 256 of 1.02 mm, ImageType NORM) are **one
    volunteer** scanned in four positions (:data:`BRAIN_POSITIONS`): they all carry the
    subject id ``prisma_volunteer`` and must never be split between training and test.
    The ENLIVE head slice (192 x 192, no spacing recorded) is ``enlive_head``. Edge slices
    of the sagittal series are mostly background: select before training.

    Parameters
    ----------
    folder : str or Path, optional
        The data folder; default :func:`data_dir`.
    verify : bool
        Check every file's SHA-256 against the manifest.
    """
    folder = _folder(folder)
    slices = []
    for position in BRAIN_POSITIONS:
        series = f"brain/prisma_t1_flash_{position}"
        slices += [
            RealImage(image, BRAIN_SUBJECT, f"{series}/{file.name}", spacing)
            for _, image, spacing, file in _read_series(folder / series, verify, folder)
        ]
    head = read_cfl(folder / HEAD_FILE, verify=verify, data_folder=folder)
    return [*slices, RealImage(head, HEAD_SUBJECT, f"{HEAD_FILE}.cfl", None)]


def lumbar_volume(folder: str | Path | None = None, *, verify: bool = True) -> RealImage:
    """The real sagittal T2 thoraco-lumbar volume: for TESTING the DLR only.

    Nothing may be trained, tuned or calibrated on it (as in the paper, whose DLR never saw
    a spine). Shape (38, 257, 201) of 1 mm voxels, int16 in the file: axis 0 runs right
    (the 38 sagittal slices), axis 1 anterior, axis 2 superior (RAS+ from the affine), so a
    sagittal slice is ``image[k]`` with rows anterior-posterior and columns
    inferior-superior. Subject id ``sct_t2_lumbar``; scanner not recorded.

    Parameters
    ----------
    folder : str or Path, optional
        The data folder; default :func:`data_dir`.
    verify : bool
        Check the file's SHA-256 against the manifest.
    """
    folder = _folder(folder)
    data, voxel_mm = read_nifti(folder / LUMBAR_FILE, verify=verify, data_folder=folder)
    return RealImage(data, LUMBAR_SUBJECT, LUMBAR_FILE, voxel_mm)


def _part_sizes(n: int, fractions: Sequence[float]) -> list[int]:
    """Split ``n`` into parts proportional to ``fractions`` (largest remainder; sums to ``n``)."""
    exact = [n * f for f in fractions]
    sizes = [int(np.floor(x)) for x in exact]
    order = sorted(range(len(exact)), key=lambda k: (sizes[k] - exact[k], k))
    for k in order[: n - sum(sizes)]:
        sizes[k] += 1
    return sizes


def split_by_subject(
    subjects: Iterable[str], fractions: Sequence[float] = (0.7, 0.15, 0.15), seed: int = 0
) -> tuple[list[str], list[str], list[str]]:
    """Split subjects (not slices) into training, validation and test parts.

    Serves DLR training on the real brain and knee images: slices of one person in two parts
    would leak that person's anatomy and noise from training into validation or test.

    Parameters
    ----------
    subjects : iterable of str
        Subject ids; repeats are allowed (one per slice, e.g. ``[s.subject for s in knee_slices()]``).
    fractions : three floats
        Training, validation and test shares, each >= 0, summing to 1. Part sizes are
        rounded by largest remainder, so a small fraction of few subjects may give an
        empty part (2 subjects at the default: 2, 0, 0).
    seed : int
        The same seed and the same set of subjects give the same split, in any input order.

    Returns
    -------
    train, validation, test : list of str
        Disjoint sorted lists; every distinct subject is in exactly one.

    Raises
    ------
    ValueError
        ``fractions`` is not three shares >= 0 summing to 1.
    """
    fractions = tuple(float(f) for f in fractions)
    if len(fractions) != 3 or min(fractions) < 0 or not np.isclose(sum(fractions), 1.0):
        raise ValueError(f"parameter 'fractions' = {fractions!r}: must be three shares >= 0 summing to 1")
    unique = sorted(set(subjects))
    shuffled = [unique[k] for k in np.random.default_rng(seed).permutation(len(unique))]
    n_train, n_val, _ = _part_sizes(len(unique), fractions)
    parts = (shuffled[:n_train], shuffled[n_train : n_train + n_val], shuffled[n_train + n_val :])
    return sorted(parts[0]), sorted(parts[1]), sorted(parts[2])


# ----------------------------------------------------------------------------- download


def _fetch(entry: ManifestEntry, target: Path, timeout: float) -> None:
    """Download one entry to ``target`` through a ``.part`` file, verified before it takes the name."""
    url = download_url(entry)
    partial = target.with_name(target.name + ".part")
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, partial.open("wb") as out:
            while chunk := response.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        if size != entry.size or digest.hexdigest() != entry.sha256:
            raise MriDataError(
                f"{target}: download from {url} gave {size} bytes with SHA-256 {digest.hexdigest()}, the manifest "
                f"says {entry.size} bytes and {entry.sha256}; nothing was written, try again or fetch it by hand"
            )
        os.replace(partial, target)
    except (urllib.error.URLError, OSError) as err:
        raise MriDataError(f"{target}: cannot download {url} ({err}); this needs internet access") from err
    finally:
        partial.unlink(missing_ok=True)


def download(
    folder: str | Path | None = None, entries: Iterable[ManifestEntry] | None = None, *, timeout: float = 60.0
) -> list[Path]:
    """Fetch the manifest's files from their source repositories at the listed commits, each verified.

    Serves a reader of the book elsewhere: the same brain and knee training images and the
    same lumbar test volume, byte for byte. Files already present with the right SHA-256
    are kept; others are downloaded to a ``.part`` file and renamed only after their size
    and SHA-256 match, so an interrupted or corrupted download leaves no file behind.

    Parameters
    ----------
    folder : str or Path, optional
        The data folder; default :func:`data_dir`. Without a ``MANIFEST.csv`` there, the copy
        shipped with the book (:func:`shipped_manifest`) is put there first.
    entries : iterable of ManifestEntry, optional
        What to fetch; default every entry of the folder's manifest.
    timeout : float
        Seconds to wait on each connection.

    Returns
    -------
    list of Path
        The files downloaded (not those already present).

    Raises
    ------
    MriDataError
        No manifest, no connection, or a download whose size or SHA-256 differs from the manifest.
    """
    folder = _folder(folder)
    if entries is None and not (folder / MANIFEST).is_file():
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shipped_manifest(), folder / MANIFEST)
    entries = list(read_manifest(folder).values() if entries is None else entries)
    fetched = []
    for entry in entries:
        target = folder / entry.file
        if _problem(entry, folder, checksum=True) is None:
            continue
        _fetch(entry, target, timeout)
        fetched.append(target)
    return fetched


# ----------------------------------------------------------------------------- command line


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m lumbarlib.study.mri_data {check,download} [--folder DIR]``.

    ``check`` prints every missing or altered file (SHA-256 of all) and returns 1 if any;
    ``download`` fetches what is missing or altered (needs internet). Returns the exit status.
    """
    parser = argparse.ArgumentParser(prog="python -m lumbarlib.study.mri_data", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=("check", "download"))
    parser.add_argument("--folder", type=Path, default=None, help=f"data folder (default: ${DATA_ENV} or {data_dir()})")
    args = parser.parse_args(argv)
    folder = _folder(args.folder)
    try:
        if args.command == "download":
            fetched = download(folder)
            print(f"{folder}: downloaded {len(fetched)} file(s)")
        problems = check(folder)
    except MriDataError as err:
        print(err, file=sys.stderr)
        return 1
    for problem in problems:
        print(problem)
    if problems:
        print(f"{folder}: {len(problems)} file(s) missing or altered", file=sys.stderr)
        return 1
    print(f"{folder}: all {len(read_manifest(folder))} files present and verified")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
