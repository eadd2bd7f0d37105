"""Shipped weights: the hash is checked, and a missing or altered file says what is wrong."""

import pytest
import torch

from lumbarlib.dlr import weights
from lumbarlib.dlr.network import DLRNet


@pytest.fixture()
def saved(tmp_path):
    net = DLRNet(n_blocks=2)
    with torch.no_grad():
        net.threshold_coef.mul_(3.0)
    weights.save_weights(net, tmp_path)
    return net, tmp_path


def test_round_trip(saved):
    net, folder = saved
    loaded = weights.load_dlr(folder=folder)
    assert not loaded.training
    for key, value in net.state_dict().items():
        torch.testing.assert_close(loaded.state_dict()[key], value)


def test_same_weights_give_the_same_bytes(saved, tmp_path_factory):
    net, folder = saved
    other = tmp_path_factory.mktemp("again")
    assert weights.save_weights(net, other) == weights.sha256(folder / weights.WEIGHTS_FILE)


def test_altered_file_is_refused_with_a_clear_error(saved):
    _, folder = saved
    path = folder / weights.WEIGHTS_FILE
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(weights.WeightsError, match="SHA-256 .* altered or damaged"):
        weights.load_dlr(folder=folder)


def test_missing_file_is_refused_with_a_clear_error(tmp_path):
    with pytest.raises(weights.WeightsError, match="missing.*lumbarlib.dlr.train"):
        weights.load_dlr(folder=tmp_path)


def test_unknown_device_raises():
    with pytest.raises(ValueError, match="device"):
        weights.load_dlr(device="tpu")


def test_shipped_weights_are_intact():
    net = weights.load_dlr()
    assert net.n_blocks == 22
    size_mb = (weights.shipped_data_dir() / weights.WEIGHTS_FILE).stat().st_size / 1e6
    assert 1.5 < size_mb < 2.5


@pytest.mark.parametrize(
    ("hash_bytes", "problem"),
    [
        (b"", "does not start with a SHA-256"),
        (b"\xff\xfe\x00binary", "does not start with a SHA-256"),
        (b"abc123  dlr_weights.pt\n", "does not start with a SHA-256"),
    ],
)
def test_an_unusable_hash_file_is_a_weights_error(tmp_path, hash_bytes, problem):
    weights.save_weights(DLRNet(n_blocks=1), tmp_path)
    (tmp_path / weights.HASH_FILE).write_bytes(hash_bytes)
    with pytest.raises(weights.WeightsError, match=problem):
        weights.load_dlr(folder=tmp_path)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ({"state_dict": {}}, r"holds \['state_dict'\], not 'n_blocks'"),
        ({"n_blocks": 10**9, "state_dict": {}}, "'n_blocks' = 1000000000: must be an integer >= 1 and <= 64"),
        ([1, 2, 3], "holds list"),
        ({"n_blocks": "22", "state_dict": {}}, "'n_blocks' = '22'"),
    ],
)
def test_a_weights_file_of_the_wrong_form_is_a_weights_error(tmp_path, content, problem):
    weights.save_weights(DLRNet(n_blocks=1), tmp_path)
    torch.save(content, tmp_path / weights.WEIGHTS_FILE)
    (tmp_path / weights.HASH_FILE).write_text(f"{weights.sha256(tmp_path / weights.WEIGHTS_FILE)}  x\n")
    with pytest.raises(weights.WeightsError, match=problem):
        weights.load_dlr(folder=tmp_path)


def test_a_file_torch_cannot_read_is_a_weights_error(tmp_path):
    weights.save_weights(DLRNet(n_blocks=1), tmp_path)
    (tmp_path / weights.WEIGHTS_FILE).write_bytes(b"not a torch file")
    (tmp_path / weights.HASH_FILE).write_text(f"{weights.sha256(tmp_path / weights.WEIGHTS_FILE)}  x\n")
    with pytest.raises(weights.WeightsError, match="cannot be read by torch"):
        weights.load_dlr(folder=tmp_path)
