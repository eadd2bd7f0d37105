"""Training: deterministic, resumable, stops on a validation plateau, ships weights with logs and hash."""

import json

import numpy as np
import pandas as pd
import pytest
import torch

from lumbarlib.dlr import train as train_mod
from lumbarlib.dlr import weights
from lumbarlib.dlr.train import Plateau, TrainConfig, read_checkpoint, save_run, train
from lumbarlib.dlr.training_data import DomainImage

TINY = TrainConfig(steps=4, batch_size=2, patch_size=16, validate_every=2, validation_batches=1, warmup_steps=1)


def _image(domain: str, seed: int, sigma0: float) -> DomainImage:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:40, :40]
    disc = (np.hypot(yy - 20, xx - 20) < 14) * (0.6 + 0.4 * (xx > 20))
    image = (disc + rng.normal(0, sigma0, disc.shape)).clip(0).astype(np.float32)
    return DomainImage(domain, f"{domain} {seed}", image, f"s{seed}", sigma0)


IMAGES = {
    "train": (_image("brain", 0, 0.01), _image("knee", 1, 0.03)),
    "validation": (_image("brain", 2, 0.01), _image("knee", 3, 0.03)),
}


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    return train(TINY, tmp_path_factory.mktemp("a"), show_pbar=False, images=IMAGES)


def test_logs_have_one_row_per_step_and_per_validation(uninterrupted):
    assert list(uninterrupted.loss_log["step"]) == [1, 2, 3, 4]
    assert list(uninterrupted.validation_log["step"]) == [2, 4]
    assert np.all(np.isfinite(uninterrupted.validation_log[["val_loss", "val_noisy_loss"]].to_numpy()))
    assert uninterrupted.stopped == "budget"


def interrupt_at_step_3(tmp_path, monkeypatch) -> None:
    """Run TINY until step 3 (0-based) raises, as an interruption would; then restore the batches."""
    real = train_mod.batch_for_step

    def crash_at_step_3(images, config, step):
        if step == 3:
            raise KeyboardInterrupt
        return real(images, config, step)

    monkeypatch.setattr(train_mod, "batch_for_step", crash_at_step_3)
    with pytest.raises(KeyboardInterrupt):
        train(TINY, tmp_path, show_pbar=False, images=IMAGES)
    monkeypatch.setattr(train_mod, "batch_for_step", real)


def test_interrupted_run_resumes_to_identical_weights(uninterrupted, tmp_path, monkeypatch):
    interrupt_at_step_3(tmp_path, monkeypatch)
    resumed = train(TINY, tmp_path, show_pbar=False, images=IMAGES)
    for key, value in uninterrupted.net.state_dict().items():
        torch.testing.assert_close(resumed.net.state_dict()[key], value, rtol=0, atol=0)
    pd.testing.assert_frame_equal(resumed.loss_log, uninterrupted.loss_log)
    pd.testing.assert_frame_equal(resumed.validation_log, uninterrupted.validation_log)


def test_plateau_rule_halves_then_stops():
    config = TrainConfig(patience=2, max_reductions=1, min_improvement=0.1)
    plateau = Plateau()
    verdicts = [plateau.update(loss, config) for loss in (1.0, 0.95, 0.97, 0.5, 0.49, 0.48, 0.47, 0.46)]
    # 0.95 and 0.97 are within 10 % of 1.0: two waits -> halve; 0.5 improves; then two more waits -> halve
    # again would exceed max_reductions, so the run has converged
    assert verdicts == ["improved", "waiting", "reduce", "improved", "waiting", "converged", "converged", "converged"]
    assert plateau.reductions == 1


def test_a_run_that_stops_improving_stops_before_its_budget(tmp_path):
    config = TrainConfig(**{**TINY.__dict__, "steps": 20, "patience": 1, "max_reductions": 0, "min_improvement": 0.9})
    result = train(config, tmp_path, show_pbar=False, images=IMAGES)
    assert result.stopped == "converged"
    assert list(result.validation_log["step"]) == [2, 4] and len(result.loss_log) == 4
    again = train(config, tmp_path, show_pbar=False, images=IMAGES)  # a converged checkpoint does not train on
    assert len(again.loss_log) == 4 and again.stopped == "converged"


def test_checkpoint_of_another_configuration_is_refused(tmp_path):
    train(TINY, tmp_path, show_pbar=False, images=IMAGES)
    with pytest.raises(ValueError, match="different configuration"):
        train(TrainConfig(**{**TINY.__dict__, "seed": 1}), tmp_path, show_pbar=False, images=IMAGES)


def test_shipped_run_loads_back_with_its_hash_and_logs(uninterrupted, tmp_path):
    digest = save_run(uninterrupted, tmp_path)
    record = json.loads((tmp_path / weights.CONFIG_FILE).read_text())
    assert record["sha256"] == digest == weights.sha256(tmp_path / weights.WEIGHTS_FILE)
    assert TrainConfig(**record["config"]) == TINY and record["stopped"] == "budget" and record["steps_run"] == 4
    assert len(pd.read_csv(tmp_path / weights.LOSS_LOG_FILE)) == TINY.steps
    assert list(pd.read_csv(tmp_path / weights.VALIDATION_LOG_FILE)["step"]) == [2, 4]
    net = weights.load_dlr(folder=tmp_path)
    x = torch.rand(1, 1, 12, 12)
    with torch.no_grad():
        torch.testing.assert_close(net(x, 0.1), uninterrupted.net(x, 0.1))


def test_training_leaves_global_random_state_alone(tmp_path):
    np_state = np.random.get_state()[1].copy()
    torch_state = torch.get_rng_state()
    train(TrainConfig(**{**TINY.__dict__, "steps": 1}), tmp_path, show_pbar=False, images=IMAGES)
    assert np.array_equal(np_state, np.random.get_state()[1])
    assert torch.equal(torch_state, torch.get_rng_state())


@pytest.mark.parametrize(
    "field, value",
    [("steps", -1), ("batch_size", 0), ("sigma_max", 1e-4), ("learning_rate", 0.0), ("seed", 1.5), ("lr_factor", 1.0),
     ("patience", 0)],
)  # fmt: skip
def test_bad_configuration_raises(field, value):
    with pytest.raises(ValueError, match=field):
        TrainConfig(**{field: value})


def test_a_checkpoint_reads_back_as_the_run_so_far(tmp_path, monkeypatch):
    interrupt_at_step_3(tmp_path, monkeypatch)
    so_far = read_checkpoint(tmp_path)
    assert so_far.stopped == "in progress" and list(so_far.validation_log["step"]) == [2]
    assert len(so_far.loss_log) == 2  # the checkpoint of step 2; step 3 was never saved
