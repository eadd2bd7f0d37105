"""Real MR images: manifest, checksums, the three readers, the subject split, the download, the CLI.

Everything but the last test runs on tiny files written here; the last one checks the real
folder and skips when it is absent.
"""

import hashlib
import io
import shutil
import time
from pathlib import Path

import nibabel as nib
import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file

from lumbarlib.core.paths import repo_dir
from lumbarlib.study import mri_data
from lumbarlib.study.mri_data import (
    COLUMNS,
    DATA_ENV,
    ManifestEntry,
    MriDataError,
    available,
    check,
    data_dir,
    download,
    download_url,
    main,
    read_cfl,
    read_cfl_dims,
    read_dicom_series,
    read_manifest,
    read_nifti,
    split_by_subject,
    verify,
)

CFL_VALUES = np.array([[3 + 4j, 1 + 0j, 0 - 2j], [0 + 0j, -5 + 0j, 6 + 8j]], dtype=np.complex64)
"""A 2 x 3 BART array with known magnitudes [[5, 1, 2], [0, 5, 10]]."""


def write_cfl(base: Path, data: np.ndarray, dims: tuple[int, ...] | None = None) -> None:
    """A BART pair by hand: header with '# Dimensions', complex64 data in Fortran order."""
    dims = dims or data.shape
    base.with_name(base.name + ".hdr").write_text("# Dimensions\n" + " ".join(map(str, dims)) + " \n")
    np.asarray(data, np.complex64).ravel(order="F").astype("<c8").tofile(base.with_name(base.name + ".cfl"))


def write_manifest(folder: Path, files: list[str]) -> None:
    """MANIFEST.csv for ``files`` of ``folder`` with their true sizes and SHA-256."""
    lines = [",".join(COLUMNS)]
    for name in files:
        raw = (folder / name).read_bytes()
        lines.append(f"{name},{hashlib.sha256(raw).hexdigest()},{len(raw)},owner/repo,abc123,src/{name}")
    (folder / "MANIFEST.csv").write_text("\n".join(lines) + "\n")


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A tiny data folder: a BART pair, a NIfTI volume and a 3-slice DICOM series, with their manifest."""
    folder = tmp_path / "mri-data"
    (folder / "knee").mkdir(parents=True)
    write_cfl(folder / "knee" / "tiny", CFL_VALUES)
    volume = np.arange(3 * 4 * 5, dtype=np.int16).reshape(3, 4, 5)
    nib.save(nib.Nifti1Image(volume, np.diag([0.5, 2.0, 3.0, 1.0])), folder / "tiny.nii.gz")
    series = folder / "series"
    series.mkdir()
    source = pydicom.dcmread(get_testdata_file("MR_small.dcm"))
    for file_number, instance in ((1, 3), (2, 1), (3, 2)):  # file order is not slice order
        source.InstanceNumber = instance
        source.RescaleSlope = 2
        source.RescaleIntercept = instance * 1000
        source.save_as(series / f"{file_number:04d}.dcm")
    files = ["knee/tiny.cfl", "knee/tiny.hdr", "tiny.nii.gz"] + [f"series/{k:04d}.dcm" for k in (1, 2, 3)]
    write_manifest(folder, files)
    return folder


def flip_one_byte(path: Path, offset: int = -1) -> None:
    raw = bytearray(path.read_bytes())
    raw[offset] ^= 0xFF
    path.write_bytes(bytes(raw))


# ----------------------------------------------------------------------------- folder and manifest


def test_the_default_folder_is_beside_the_checkout(monkeypatch):
    monkeypatch.delenv(DATA_ENV, raising=False)
    assert data_dir() == repo_dir().parent / "shared" / "mri-data"


def test_the_environment_variable_overrides_the_folder(monkeypatch, data):
    monkeypatch.setenv(DATA_ENV, str(data))
    assert data_dir() == data.resolve()
    assert set(read_manifest()) == set(read_manifest(data))
    assert available()
    monkeypatch.setenv(DATA_ENV, str(data / "nowhere"))
    assert not available()


def test_the_manifest_reads_into_entries(data):
    entries = read_manifest(data)
    assert list(entries)[:3] == ["knee/tiny.cfl", "knee/tiny.hdr", "tiny.nii.gz"]
    entry = entries["knee/tiny.cfl"]
    assert entry.size == CFL_VALUES.size * 8
    assert entry.sha256 == hashlib.sha256((data / "knee/tiny.cfl").read_bytes()).hexdigest()
    assert (entry.source_repository, entry.source_commit, entry.source_path) == (
        "owner/repo",
        "abc123",
        "src/knee/tiny.cfl",
    )
    with pytest.raises(AttributeError):
        entry.size = 1  # frozen


def test_a_missing_manifest_says_how_to_obtain_the_data(tmp_path):
    with pytest.raises(MriDataError, match="MANIFEST.csv: no such file") as err:
        read_manifest(tmp_path)
    assert DATA_ENV in str(err.value) and "download" in str(err.value)
    assert not available(tmp_path)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda lines: ["file,sha,bytes"] + lines[1:], "header is"),
        (lambda lines: lines[:1] + [lines[1].replace(lines[1].split(",")[1], "nothex")] + lines[2:], "not 64 hex"),
        (lambda lines: lines[:1] + [lines[1].replace(",48,", ",4.8e1,")] + lines[2:], "not a non-negative integer"),
        (lambda lines: lines[:1] + [lines[1] + ",extra"] + lines[2:], "7 fields, expected 6"),
        (lambda lines: lines + [lines[1]], "listed twice"),
        (lambda lines: lines[:1] + ["../escape" + lines[1][len("knee/tiny.cfl") :]], "not a relative path"),
        (lambda lines: lines[:1], "no files listed"),
    ],
)
def test_a_malformed_manifest_is_refused_naming_the_file_and_line(data, edit, message):
    path = data / "MANIFEST.csv"
    path.write_text("\n".join(edit(path.read_text().splitlines())) + "\n")
    with pytest.raises(MriDataError, match=message) as err:
        read_manifest(data)
    assert str(path) in str(err.value) and "line" in str(err.value)


# ----------------------------------------------------------------------------- checking


def test_verify_accepts_the_intact_files(data):
    for name in read_manifest(data):
        assert verify(name, data) == data / name
    assert check(data) == []
    assert available(data)


def test_one_altered_byte_fails_the_checksum(data):
    flip_one_byte(data / "tiny.nii.gz", offset=10)
    with pytest.raises(MriDataError, match="checksum mismatch") as err:
        verify("tiny.nii.gz", data)
    assert "tiny.nii.gz" in str(
        err.value
    ) and "https://raw.githubusercontent.com/owner/repo/abc123/src/tiny.nii.gz" in str(err.value)
    assert available(data)  # same size: the cheap check cannot see it, the full one does
    assert len(check(data)) == 1 and len(check(data, checksums=False)) == 0


def test_a_wrong_size_is_reported_before_hashing(data):
    with (data / "knee/tiny.hdr").open("a") as handle:
        handle.write("# Creator\n")
    with pytest.raises(MriDataError, match=r"size \d+ bytes, the manifest says \d+"):
        verify("knee/tiny.hdr", data)
    assert not available(data)


def test_a_missing_file_says_how_to_obtain_it(data):
    (data / "series" / "0002.dcm").unlink()
    with pytest.raises(MriDataError, match="missing") as err:
        verify("series/0002.dcm", data)
    text = str(err.value)
    assert str(data / "series" / "0002.dcm") in text
    assert f"python -m lumbarlib.study.mri_data download --folder {data}" in text
    assert "https://raw.githubusercontent.com/owner/repo/abc123/src/series/0002.dcm" in text
    assert not available(data)


def test_a_name_not_in_the_manifest_is_refused(data):
    with pytest.raises(MriDataError, match="not listed in"):
        verify("knee/other.cfl", data)


# ----------------------------------------------------------------------------- readers


def test_read_cfl_gives_the_magnitude_in_fortran_order(data):
    image = read_cfl(data / "knee" / "tiny.cfl", data_folder=data)
    assert image.dtype == np.float32 and image.shape == (2, 3)
    np.testing.assert_allclose(image, [[5, 1, 2], [0, 5, 10]])
    np.testing.assert_array_equal(read_cfl(data / "knee" / "tiny", data_folder=data), image)  # no extension
    assert read_cfl_dims(data / "knee" / "tiny.hdr") == (2, 3)


def test_read_cfl_squeezes_singleton_dimensions(tmp_path):
    write_cfl(tmp_path / "x", CFL_VALUES.reshape(2, 1, 3, 1), dims=(2, 1, 3, 1))
    assert read_cfl(tmp_path / "x", data_folder=tmp_path).shape == (2, 3)


def test_read_cfl_refuses_truncated_data_and_a_bad_header(tmp_path):
    write_cfl(tmp_path / "x", CFL_VALUES)
    cfl = tmp_path / "x.cfl"
    cfl.write_bytes(cfl.read_bytes()[:-8])
    with pytest.raises(MriDataError, match="40 bytes, but x.hdr says"):
        read_cfl(cfl, data_folder=tmp_path)
    (tmp_path / "x.hdr").write_text("# Dims\n2 3\n")
    with pytest.raises(MriDataError, match="not a BART header"):
        read_cfl(cfl, data_folder=tmp_path)
    with pytest.raises(MriDataError, match="y.hdr"):
        read_cfl(tmp_path / "y.cfl", data_folder=tmp_path)


def test_read_cfl_checks_the_checksum_when_listed(data):
    flip_one_byte(data / "knee" / "tiny.cfl")
    with pytest.raises(MriDataError, match="checksum mismatch"):
        read_cfl(data / "knee" / "tiny.cfl", data_folder=data)
    assert read_cfl(data / "knee" / "tiny.cfl", data_folder=data, verify=False).shape == (2, 3)


def test_read_nifti_gives_float32_and_voxel_sizes(data):
    volume, voxel_mm = read_nifti(data / "tiny.nii.gz", data_folder=data)
    assert volume.dtype == np.float32 and volume.shape == (3, 4, 5)
    np.testing.assert_array_equal(volume, np.arange(60).reshape(3, 4, 5))
    assert voxel_mm == (0.5, 2.0, 3.0)


def test_read_nifti_wraps_a_truncated_file_naming_it(tmp_path):
    nib.save(nib.Nifti1Image(np.ones((30, 30, 30), np.float32), np.eye(4)), tmp_path / "v.nii")
    path = tmp_path / "v.nii"
    path.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(MriDataError, match=r"v\.nii: cannot be read as NIfTI"):
        read_nifti(path, data_folder=tmp_path)
    (tmp_path / "junk.nii.gz").write_bytes(b"not gzip at all")
    with pytest.raises(MriDataError, match=r"junk\.nii\.gz: cannot be read as NIfTI"):
        read_nifti(tmp_path / "junk.nii.gz", data_folder=tmp_path)


def test_read_nifti_checks_the_checksum_when_listed(data):
    flip_one_byte(data / "tiny.nii.gz", offset=20)
    with pytest.raises(MriDataError, match="checksum mismatch"):
        read_nifti(data / "tiny.nii.gz", data_folder=data)


def test_read_dicom_series_sorts_by_instance_and_rescales(data):
    volume, pixel_mm = read_dicom_series(data / "series", data_folder=data)
    raw = pydicom.dcmread(get_testdata_file("MR_small.dcm")).pixel_array.astype(np.float32)
    assert volume.dtype == np.float32 and volume.shape == (3, 64, 64)
    assert pixel_mm == (0.3125, 0.3125)
    for k in range(3):  # slice k has InstanceNumber k+1 and intercept (k+1)*1000
        np.testing.assert_array_equal(volume[k], 2 * raw + (k + 1) * 1000)


def test_read_dicom_series_reports_a_missing_listed_slice(data):
    (data / "series" / "0003.dcm").unlink()
    with pytest.raises(MriDataError, match=r"0003\.dcm: missing"):
        read_dicom_series(data / "series", data_folder=data)
    assert read_dicom_series(data / "series", data_folder=data, verify=False)[0].shape == (2, 64, 64)


def test_read_dicom_series_refuses_broken_series(tmp_path):
    with pytest.raises(MriDataError, match="no .dcm files"):
        read_dicom_series(tmp_path, data_folder=tmp_path)
    shutil.copy(get_testdata_file("MR_small.dcm"), tmp_path / "a.dcm")
    shutil.copy(get_testdata_file("MR_small.dcm"), tmp_path / "b.dcm")
    with pytest.raises(MriDataError, match="InstanceNumber repeated"):
        read_dicom_series(tmp_path, data_folder=tmp_path)
    (tmp_path / "b.dcm").write_bytes(b"garbage")
    with pytest.raises(MriDataError, match=r"b\.dcm: cannot be read as one DICOM image"):
        read_dicom_series(tmp_path, data_folder=tmp_path)
    raw = (tmp_path / "a.dcm").read_bytes()
    (tmp_path / "b.dcm").write_bytes(raw[: len(raw) - 5000])  # pixel data cut short
    with pytest.raises(MriDataError, match=r"b\.dcm: cannot be read"):
        read_dicom_series(tmp_path, data_folder=tmp_path)


def test_files_outside_the_data_folder_are_read_unchecked(data, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(data / "knee", elsewhere)
    flip_one_byte(elsewhere / "tiny.cfl")  # altered, but no manifest applies to it
    assert read_cfl(elsewhere / "tiny", data_folder=data).shape == (2, 3)


# ----------------------------------------------------------------------------- split by subject


def test_the_split_is_disjoint_complete_and_sorted():
    subjects = [f"P{k}" for k in range(1, 21)] * 3 + ["enlive_knee"]  # repeats: one id per slice
    train, validation, test = split_by_subject(subjects)
    assert (len(train), len(validation), len(test)) == (15, 3, 3)
    assert set(train) | set(validation) | set(test) == set(subjects)
    assert not (set(train) & set(validation) or set(train) & set(test) or set(validation) & set(test))
    assert all(part == sorted(part) for part in (train, validation, test))


def test_the_split_is_deterministic_for_a_seed_and_changes_with_it():
    subjects = [f"s{k:02d}" for k in range(30)]
    assert split_by_subject(subjects, seed=3) == split_by_subject(list(reversed(subjects)), seed=3)
    assert split_by_subject(subjects, seed=3) != split_by_subject(subjects, seed=4)


def test_the_split_follows_the_fractions():
    subjects = [f"s{k}" for k in range(10)]
    assert [len(p) for p in split_by_subject(subjects, (0.5, 0.0, 0.5))] == [5, 0, 5]
    assert [len(p) for p in split_by_subject(subjects, (1.0, 0.0, 0.0))] == [10, 0, 0]
    for bad in ((0.7, 0.3), (0.8, 0.3, -0.1), (0.5, 0.5, 0.5)):
        with pytest.raises(ValueError, match="fractions"):
            split_by_subject(subjects, bad)


# ----------------------------------------------------------------------------- download


def test_the_download_url_is_the_raw_file_at_the_commit():
    entry = ManifestEntry("b/x.dcm", "0" * 64, 1, "neurolabusc/dcm_qa", "92cd63", "In/HFS/2 t1#sag/0001_1.3.dcm")
    assert (
        download_url(entry)
        == "https://raw.githubusercontent.com/neurolabusc/dcm_qa/92cd63/In/HFS/2%20t1%23sag/0001_1.3.dcm"
    )


def serve(monkeypatch, files: dict[str, bytes]) -> list[str]:
    """Replace urlopen by one serving ``files`` (URL -> bytes); returns the URLs requested."""
    requested = []

    def urlopen(url, timeout=None):
        requested.append(url)
        return io.BytesIO(files[url])

    monkeypatch.setattr(mri_data.urllib.request, "urlopen", urlopen)
    return requested


def test_download_writes_verified_files_and_keeps_intact_ones(monkeypatch, data):
    entries = read_manifest(data)
    originals = {download_url(e): (data / e.file).read_bytes() for e in entries.values()}
    (data / "tiny.nii.gz").unlink()
    shutil.rmtree(data / "series")
    requested = serve(monkeypatch, originals)
    fetched = download(data)
    assert sorted(p.relative_to(data).as_posix() for p in fetched) == [
        "series/0001.dcm",
        "series/0002.dcm",
        "series/0003.dcm",
        "tiny.nii.gz",
    ]
    assert len(requested) == 4  # the intact BART pair was not fetched again
    assert check(data) == []
    assert not list(data.rglob("*.part"))


def test_a_corrupted_download_leaves_no_file(monkeypatch, data):
    entry = read_manifest(data)["tiny.nii.gz"]
    good = (data / entry.file).read_bytes()
    (data / entry.file).unlink()
    bad = bytearray(good)
    bad[5] ^= 0xFF
    serve(monkeypatch, {download_url(entry): bytes(bad)})
    with pytest.raises(MriDataError, match="download from .* gave") as err:
        download(data, [entry])
    assert "tiny.nii.gz" in str(err.value)
    assert not (data / entry.file).exists() and not list(data.rglob("*.part"))
    serve(monkeypatch, {download_url(entry): good[:-3]})  # short
    with pytest.raises(MriDataError, match=f"gave {len(good) - 3} bytes"):
        download(data, [entry])
    assert not (data / entry.file).exists()


def test_a_failed_connection_names_the_url(monkeypatch, data):
    entry = read_manifest(data)["tiny.nii.gz"]
    (data / entry.file).unlink()

    def urlopen(url, timeout=None):
        raise mri_data.urllib.error.URLError("no route to host")

    monkeypatch.setattr(mri_data.urllib.request, "urlopen", urlopen)
    with pytest.raises(
        MriDataError, match="cannot download https://raw.githubusercontent.com/owner/repo/abc123/src/tiny"
    ):
        download(data, [entry])


# ----------------------------------------------------------------------------- command line


def test_check_command_exits_1_listing_the_altered_files(data, capsys):
    assert main(["check", "--folder", str(data)]) == 0
    assert "all 6 files present and verified" in capsys.readouterr().out
    flip_one_byte(data / "knee" / "tiny.cfl")
    (data / "series" / "0001.dcm").unlink()
    assert main(["check", "--folder", str(data)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2
    assert "tiny.cfl: checksum mismatch" in out[0] and "0001.dcm: missing" in out[1]


def test_check_command_without_a_manifest_exits_1(tmp_path, capsys):
    assert main(["check", "--folder", str(tmp_path)]) == 1
    assert "MANIFEST.csv: no such file" in capsys.readouterr().err


# ----------------------------------------------------------------------------- the real folder


def test_the_real_images(monkeypatch):
    monkeypatch.delenv(DATA_ENV, raising=False)
    folder = data_dir()
    if not (folder / "MANIFEST.csv").is_file():
        pytest.skip(f"the real MR images are not at {folder} (set {DATA_ENV}; see lumbarlib.study.mri_data)")
    entries = read_manifest(folder)
    assert len(entries) == 185
    assert check(folder, checksums=False) == []  # every file exists with its size
    start = time.perf_counter()
    assert verify("knee/stanford_fse_P1.cfl", folder) == folder / "knee/stanford_fse_P1.cfl"
    assert time.perf_counter() - start < 5

    knee = read_cfl(folder / "knee" / "stanford_fse_P1")
    assert knee.shape == (320, 256) and knee.dtype == np.float32 and knee.min() > 0

    volume, pixel_mm = read_dicom_series(folder / "brain" / "prisma_t1_flash_HFS")
    assert volume.shape == (35, 256, 256) and pixel_mm == (1.015625, 1.015625)
    assert volume.max() > 100

    lumbar = mri_data.lumbar_volume(folder)
    assert lumbar.image.shape == (38, 257, 201) and lumbar.spacing_mm == (1.0, 1.0, 1.0)
    assert lumbar.subject == "sct_t2_lumbar" and lumbar.image.max() > 100

    knees = mri_data.knee_slices(folder)
    assert [s.subject for s in knees] == [f"P{k}" for k in range(1, 21)] + ["enlive_knee"]
    brains = mri_data.brain_slices(folder, verify=False)
    assert len(brains) == 4 * 35 + 1
    assert {s.subject for s in brains} == {"prisma_volunteer", "enlive_head"}
    assert brains[-1].image.shape == (192, 192)


def test_the_shipped_manifest_is_the_data_folders_and_seeds_a_download(tmp_path, monkeypatch):
    shared = mri_data.data_dir() / mri_data.MANIFEST
    if shared.is_file():
        assert mri_data.shipped_manifest().read_bytes() == shared.read_bytes()
    fetched = []
    monkeypatch.setattr(mri_data, "_fetch", lambda entry, target, timeout: fetched.append(entry.file))
    mri_data.download(tmp_path / "new")
    assert (tmp_path / "new" / mri_data.MANIFEST).read_bytes() == mri_data.shipped_manifest().read_bytes()
    assert len(fetched) == len(mri_data.read_manifest(tmp_path / "new")) > 100
