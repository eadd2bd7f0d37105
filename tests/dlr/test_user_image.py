"""Your own image: DICOM, NIfTI and PNG are read as one 2-D image; bad files say what is wrong."""

import nibabel as nib
import numpy as np
import pytest
from PIL import Image
from pydicom.data import get_testdata_file

from lumbarlib.dlr.network import DLRNet
from lumbarlib.dlr.user_image import denoise_file, read_image


def test_reads_the_dicom_that_pydicom_ships():
    user = read_image(get_testdata_file("MR_small.dcm"))
    assert user.image.shape == (64, 64)
    assert user.pixel_mm == (0.3125, 0.3125)
    assert user.source == "DICOM"


def test_nifti_round_trip_with_singleton_axis(tmp_path):
    data = np.arange(20 * 30, dtype=np.float32).reshape(20, 30, 1)
    nib.save(nib.Nifti1Image(data, np.diag([0.5, 0.7, 3.0, 1.0])), tmp_path / "x.nii.gz")
    user = read_image(tmp_path / "x.nii.gz")
    np.testing.assert_array_equal(user.image, data[..., 0])
    assert user.pixel_mm == pytest.approx((0.5, 0.7))


def test_png_round_trip(tmp_path):
    data = (np.arange(16 * 24) % 251).astype(np.uint8).reshape(16, 24)
    Image.fromarray(data).save(tmp_path / "x.png")
    np.testing.assert_array_equal(read_image(tmp_path / "x.png").image, data)


def test_denoise_file_keeps_the_shape():
    out = denoise_file(get_testdata_file("MR_small.dcm"), net=DLRNet(n_blocks=1))
    assert out.denoised.shape == (64, 64)
    assert out.sigma > 0


def test_bad_files_raise_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="no such file"):
        read_image(tmp_path / "absent.dcm")
    (tmp_path / "junk.png").write_bytes(b"not an image")
    with pytest.raises(ValueError, match="cannot be read as PNG"):
        read_image(tmp_path / "junk.png")
    (tmp_path / "photo.jpg").write_bytes(b"jpeg")
    with pytest.raises(ValueError, match="unsupported file type '.jpg'"):
        read_image(tmp_path / "photo.jpg")
    (tmp_path / "junk").write_bytes(b"not a dicom file at all")
    with pytest.raises(ValueError, match="cannot be read as DICOM"):
        read_image(tmp_path / "junk")
    nib.save(nib.Nifti1Image(np.zeros((8, 8, 4), np.float32), np.eye(4)), tmp_path / "vol.nii")
    with pytest.raises(ValueError, match="2-D image"):
        read_image(tmp_path / "vol.nii")
    nan = np.zeros((8, 8), np.float32)
    nan[2, 3] = np.nan
    nib.save(nib.Nifti1Image(nan, np.eye(4)), tmp_path / "nan.nii")
    with pytest.raises(ValueError, match="1 pixels are NaN"):
        read_image(tmp_path / "nan.nii")


def test_a_dicom_cut_inside_its_pixel_data_names_the_file(tmp_path):
    whole = open(get_testdata_file("MR_small.dcm"), "rb").read()
    cut = tmp_path / "cut.dcm"
    cut.write_bytes(whole[: len(whole) - 2000])
    with pytest.raises(ValueError, match=r"'path' = '.*cut.dcm': cannot be read as DICOM"):
        read_image(cut)


def test_a_large_image_is_refused_with_its_cost_before_any_work(tmp_path):
    path = tmp_path / "big.png"
    Image.fromarray(np.full((300, 300), 100, np.uint8)).save(path)
    with pytest.raises(ValueError, match=r"300 x 300 pixels is more than max_pixels = 10000; .* about \d+ s"):
        denoise_file(path, net=DLRNet().eval(), max_pixels=10_000)
    with pytest.raises(ValueError, match="'max_pixels' = 0"):
        denoise_file(path, net=DLRNet().eval(), max_pixels=0)
