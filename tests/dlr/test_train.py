"""Training: deterministic, resumable from its checkpoint, shipped with hash, config and loss log."""

import json

import numpy as np
import pandas as pd
import pytest
import torch

from lumbarlib.dlr import train as train_mod
from lumbarlib.dlr import weights
from lumbarlib.dlr.train import TrainConfig, save_run, train

TINY = TrainConfig(steps=4, batch_size=2, patch_size=16, n_knees=1, slice_step=40, checkpoint_every=2)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    return train(TINY, tmp_path_factory.mktemp("a"), show_pbar=False)


def test_loss_log_has_one_row_per_step(uninterrupted):
    log = uninterrupted.loss_log
    assert list(log["step"]) == [1, 2, 3, 4]
    assert np.all(np.isfinite(log[["loss", "noisy_loss"]].to_numpy()))


def test_interrupted_run_resumes_to_identical_weights(uninterrupted, tmp_path, monkeypatch):
    real = train_mod.batch_for_step

    def crash_at_step_2(images, config, step):
        if step == 2:
            raise KeyboardInterrupt
        return real(images, config, step)

    monkeypatch.setattr(train_mod, "batch_for_step", crash_at_step_2)
    with pytest.raises(KeyboardInterrupt):
        train(TINY, tmp_path, show_pbar=False)
    monkeypatch.setattr(train_mod, "batch_for_step", real)
    resumed = train(TINY, tmp_path, show_pbar=False)
    for key, value in uninterrupted.net.state_dict().items():
        torch.testing.assert_close(resumed.net.state_dict()[key], value, rtol=0, atol=0)
    pd.testing.assert_frame_equal(resumed.loss_log, uninterrupted.loss_log)


def test_checkpoint_of_another_configuration_is_refused(uninterrupted, tmp_path):
    train(TINY, tmp_path, show_pbar=False)
    other = TrainConfig(**{**TINY.__dict__, "seed": 1})
    with pytest.raises(ValueError, match="different configuration"):
        train(other, tmp_path, show_pbar=False)


def test_shipped_run_loads_back_with_its_hash(uninterrupted, tmp_path):
    digest = save_run(uninterrupted, tmp_path)
    record = json.loads((tmp_path / weights.CONFIG_FILE).read_text())
    assert record["sha256"] == digest == weights.sha256(tmp_path / weights.WEIGHTS_FILE)
    assert TrainConfig(**record["config"]) == TINY
    log = pd.read_csv(tmp_path / weights.LOSS_LOG_FILE)
    assert len(log) == TINY.steps
    net = weights.load_dlr(folder=tmp_path)
    x = torch.rand(1, 1, 12, 12)
    with torch.no_grad():
        torch.testing.assert_close(net(x, 0.1), uninterrupted.net(x, 0.1))


def test_training_leaves_global_random_state_alone(tmp_path):
    np_state = np.random.get_state()[1].copy()
    torch_state = torch.get_rng_state()
    train(TrainConfig(**{**TINY.__dict__, "steps": 1}), tmp_path, show_pbar=False)
    assert np.array_equal(np_state, np.random.get_state()[1])
    assert torch.equal(torch_state, torch.get_rng_state())


@pytest.mark.parametrize(
    "field, value", [("steps", -1), ("batch_size", 0), ("sigma_max", 1e-4), ("learning_rate", 0.0), ("seed", 1.5)]
)
def test_bad_configuration_raises(field, value):
    with pytest.raises(ValueError, match=field):
        TrainConfig(**{field: value})
