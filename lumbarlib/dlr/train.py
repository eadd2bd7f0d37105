"""Training the DLR on 3T brain and knee patches (paper, "DLR method"; Isogawa et al. 2018).

Objective, per batch of patches ``x`` (noise-free) and ``y`` (magnitude of ``x`` plus
complex Gaussian noise of SD ``sigma``):

.. math::

    L = \\frac{1}{B} \\sum_b \\frac{\\lVert f(y_b, \\sigma_b) - x_b \\rVert^2}{N \\sigma_b^2},

the mean squared error in units of the noise variance, so every noise level weighs
alike (an unfiltered patch scores about 1 in tissue, 2 in air, where the Rician bias
stays: the bypassed DC cannot remove it). Adam, a linear warm-up then cosine decay of
the learning rate to a tenth, gradient-norm clipping. Batch ``k`` is drawn from ``default_rng([seed, k])``, so a
run resumed from its checkpoint continues exactly as if it had not stopped.

Retraining is one call::

    python -m lumbarlib.dlr.train --steps 1000 --out data

which writes the weights with their SHA-256, the configuration and the loss log
(:mod:`lumbarlib.dlr.weights`), checkpointing to ``--work`` every ``checkpoint_every`` steps.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from lumbarlib.core.checks import check_choice, check_range
from lumbarlib.core.paths import build_dir
from lumbarlib.dlr import weights
from lumbarlib.dlr.network import DLRNet
from lumbarlib.dlr.training_data import Batch, sample_batch, training_images

CHECKPOINT_FILE = "checkpoint.pt"
FINAL_LR_FRACTION = 0.1


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines a training run (written to ``dlr_training_config.json``)."""

    steps: int = 1000
    batch_size: int = 16
    patch_size: int = 64
    learning_rate: float = 1e-4  # convolutions
    threshold_learning_rate: float = 2e-3  # shrinkage coefficients
    sigma_min: float = 0.005  # noise SD range, on the scale where the brightest tissue is about 1
    sigma_max: float = 0.1
    n_knees: int = 8
    slice_step: int = 4
    initial_total_threshold: float = 0.75
    warmup_steps: int = 25
    grad_clip: float = 1.0
    seed: int = 0
    checkpoint_every: int = 25

    def __post_init__(self) -> None:
        check_range("steps", self.steps, 0, integer=True)
        check_range("batch_size", self.batch_size, 1, integer=True)
        check_range("patch_size", self.patch_size, 8, integer=True)
        check_range("learning_rate", self.learning_rate, 0, low_inclusive=False)
        check_range("threshold_learning_rate", self.threshold_learning_rate, 0, low_inclusive=False)
        check_range("sigma_min", self.sigma_min, 0, low_inclusive=False)
        check_range("sigma_max", self.sigma_max, self.sigma_min)
        check_range("n_knees", self.n_knees, 1, integer=True)
        check_range("slice_step", self.slice_step, 1, integer=True)
        check_range("initial_total_threshold", self.initial_total_threshold, 0)
        check_range("warmup_steps", self.warmup_steps, 0, integer=True)
        check_range("grad_clip", self.grad_clip, 0, low_inclusive=False)
        check_range("seed", self.seed, 0, integer=True)
        check_range("checkpoint_every", self.checkpoint_every, 1, integer=True)


@dataclass
class TrainResult:
    """A trained network, its per-step loss log (``step``, ``loss``, ``noisy_loss``) and its configuration."""

    net: DLRNet
    loss_log: pd.DataFrame
    config: TrainConfig


def normalised_mse(output: torch.Tensor, clean: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """Mean over the batch of each patch's MSE divided by its ``sigma**2``."""
    return ((output - clean) ** 2).mean(dim=(1, 2, 3)).div(sigma**2).mean()


def batch_for_step(images, config: TrainConfig, step: int) -> Batch:
    """The batch of step ``step`` (0-based), from its own generator ``default_rng([seed, step])``."""
    return sample_batch(
        images,
        batch_size=config.batch_size,
        patch_size=config.patch_size,
        sigma_range=(config.sigma_min, config.sigma_max),
        rng=np.random.default_rng([config.seed, step]),
    )


def _optimizer(net: DLRNet, config: TrainConfig) -> tuple[torch.optim.Optimizer, torch.optim.lr_scheduler.LambdaLR]:
    optimizer = torch.optim.Adam(
        [
            {"params": [c.weight for c in net.convs], "lr": config.learning_rate},
            {"params": [net.threshold_coef], "lr": config.threshold_learning_rate},
        ]
    )
    total = max(config.steps, 1)

    def schedule(step: int) -> float:
        warmup = min(1.0, (step + 1) / (config.warmup_steps + 1))
        return warmup * (FINAL_LR_FRACTION + (1 - FINAL_LR_FRACTION) * 0.5 * (1 + math.cos(math.pi * step / total)))

    return optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)


def train(
    config: TrainConfig,
    work_dir: Path | None = None,
    *,
    device: str = "cpu",
    show_pbar: bool = True,
) -> TrainResult:
    """Train the DLR from its identity initialisation, resuming from ``work_dir`` if a checkpoint is there.

    Parameters
    ----------
    config : TrainConfig
    work_dir : Path, optional
        Checkpoint folder (default ``<build>/dlr_training``). A checkpoint of a different
        configuration is refused rather than mixed in.
    device : str
        ``"cpu"`` or ``"cuda"``.
    show_pbar : bool
        Show a tqdm progress bar.

    Returns
    -------
    TrainResult
    """
    check_choice("device", device, weights.devices())
    work_dir = Path(work_dir) if work_dir is not None else build_dir() / "dlr_training"
    work_dir.mkdir(parents=True, exist_ok=True)
    checkpoint = work_dir / CHECKPOINT_FILE
    net = DLRNet(initial_total_threshold=config.initial_total_threshold).to(device)
    optimizer, scheduler = _optimizer(net, config)
    log: list[dict] = []
    start = 0
    if checkpoint.is_file():
        state = torch.load(checkpoint, map_location=device, weights_only=True)
        if state["config"] != asdict(config):
            raise ValueError(
                f"checkpoint {checkpoint} was written with a different configuration "
                f"({state['config']}); use another work folder or delete it"
            )
        net.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        log, start = state["log"], state["step"]
    images = training_images(n_knees=config.n_knees, slice_step=config.slice_step) if start < config.steps else []
    net.train()
    for step in tqdm(
        range(start, config.steps),
        desc="training DLR",
        unit="step",
        disable=not show_pbar,
        initial=start,
        total=config.steps,
    ):
        batch = batch_for_step(images, config, step)
        noisy, clean, sigma = (torch.from_numpy(a).to(device) for a in (batch.noisy, batch.clean, batch.sigma))
        loss = normalised_mse(net(noisy, sigma), clean, sigma)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), config.grad_clip)
        optimizer.step()
        scheduler.step()
        log.append({"step": step + 1, "loss": loss.item(), "noisy_loss": normalised_mse(noisy, clean, sigma).item()})
        if (step + 1) % config.checkpoint_every == 0 or step + 1 == config.steps:
            state = {
                "config": asdict(config),
                "step": step + 1,
                "model": net.state_dict(),
                "optimizer": optimizer.state_dict(),
                "scheduler": scheduler.state_dict(),
                "log": log,
            }
            torch.save(state, work_dir / (CHECKPOINT_FILE + ".tmp"))
            (work_dir / (CHECKPOINT_FILE + ".tmp")).replace(checkpoint)
    net.eval()
    return TrainResult(net, pd.DataFrame(log, columns=["step", "loss", "noisy_loss"]), config)


def save_run(result: TrainResult, folder: Path) -> str:
    """Ship a run: weights + SHA-256, ``dlr_training_config.json``, ``dlr_loss_log.csv``; returns the hash."""
    folder = Path(folder)
    digest = weights.save_weights(result.net, folder)
    record = {"config": asdict(result.config), "torch_version": torch.__version__, "sha256": digest}
    (folder / weights.CONFIG_FILE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    result.loss_log.to_csv(folder / weights.LOSS_LOG_FILE, index=False, float_format="%.8g", lineterminator="\n")
    return digest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lumbarlib.dlr.train", description=__doc__.splitlines()[0])
    for field in dataclasses.fields(TrainConfig):
        parser.add_argument(f"--{field.name.replace('_', '-')}", type=type(field.default), default=field.default)
    parser.add_argument("--work", type=Path, default=None, help="checkpoint folder (default <build>/dlr_training)")
    parser.add_argument("--out", type=Path, default=None, help="where to ship the weights (e.g. data)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads")
    parser.add_argument("--no-pbar", action="store_true")
    args = parser.parse_args(argv)
    if args.threads is not None:
        check_range("threads", args.threads, 1, integer=True)
        torch.set_num_threads(args.threads)
    config = TrainConfig(**{f.name: getattr(args, f.name) for f in dataclasses.fields(TrainConfig)})
    result = train(config, args.work, device=args.device, show_pbar=not args.no_pbar)
    tail = result.loss_log.tail(50)
    print(
        f"trained {config.steps} steps; mean loss of the last {len(tail)}: {tail['loss'].mean():.4f} "
        f"(unfiltered input: {tail['noisy_loss'].mean():.4f})"
    )
    if args.out is not None:
        print(f"weights written to {args.out}, sha256 {save_run(result, args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
