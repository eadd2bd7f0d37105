"""Training the DLR to convergence on real 3T brain and knee patches (paper, "DLR method"; Isogawa et al. 2018).

Objective, per batch of patches: input ``z`` (a real image ``y`` plus added complex
Gaussian noise, magnitude taken) and the Noisier2Noise target ``t``
(:func:`lumbarlib.dlr.training_data.noisier2noise_target`, which removes the bias the
real image's own noise would put into the regression),

.. math::

    L = \\frac{1}{B} \\sum_b \\frac{\\lVert f(z_b, \\sigma_b) - t_b \\rVert^2}{N \\sigma_b^2},

the mean squared error in units of the input's noise variance ``sigma_b**2``, so every
noise level weighs alike. Adam, a linear warm-up, gradient-norm clipping.

**Convergence, not a step count.** Every ``validate_every`` steps the loss is measured on a
fixed set of patches of the held-out validation images (other knee subjects, another
head position of the brain volunteer). When it has not improved by
``min_improvement`` (relative) for ``patience`` validations, the learning rate is halved
(``lr_factor``); after ``max_reductions`` halvings the next such plateau ends the run
(``stopped = "converged"``). ``steps`` is the budget: a run that reaches it first stops
with ``stopped = "budget"``. The plateau rule is written out here rather than taken from
:class:`torch.optim.lr_scheduler.ReduceLROnPlateau` because the warm-up and the stopping
rule share its state, which the checkpoint must carry.

Batch ``k`` is drawn from ``default_rng([seed, k])``, so a run resumed from its
checkpoint continues exactly as if it had not stopped. Retraining is one call::

    python -m lumbarlib.dlr.train --out data

which writes the weights with their SHA-256, the configuration, the loss log and the
validation log (:mod:`lumbarlib.dlr.weights`), checkpointing to ``--work`` at every
validation.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
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
from lumbarlib.dlr.training_data import Batch, DomainImage, real_split, sample_batch

CHECKPOINT_FILE = "checkpoint.pt"
VALIDATION_STREAM = 10**9  # the validation patches' generator: default_rng([seed, VALIDATION_STREAM])


@dataclass(frozen=True)
class TrainConfig:
    """Everything that determines a training run (written to ``dlr_training_config.json``)."""

    steps: int = 6000  # budget: the run stops here if it has not converged before
    batch_size: int = 16
    patch_size: int = 48
    learning_rate: float = 2e-4  # convolutions
    threshold_learning_rate: float = 2e-3  # shrinkage coefficients
    sigma_min: float = 0.005  # added noise SD range, on the scale where bright tissue is about 1
    sigma_max: float = 0.1
    initial_total_threshold: float = 0.75
    warmup_steps: int = 100
    grad_clip: float = 1.0
    seed: int = 0
    validate_every: int = 100
    validation_batches: int = 8
    patience: int = 4
    min_improvement: float = 0.002
    lr_factor: float = 0.5
    max_reductions: int = 3

    def __post_init__(self) -> None:
        check_range("steps", self.steps, 0, integer=True)
        check_range("batch_size", self.batch_size, 1, integer=True)
        check_range("patch_size", self.patch_size, 8, integer=True)
        check_range("learning_rate", self.learning_rate, 0, low_inclusive=False)
        check_range("threshold_learning_rate", self.threshold_learning_rate, 0, low_inclusive=False)
        check_range("sigma_min", self.sigma_min, 0, low_inclusive=False)
        check_range("sigma_max", self.sigma_max, self.sigma_min)
        check_range("initial_total_threshold", self.initial_total_threshold, 0)
        check_range("warmup_steps", self.warmup_steps, 0, integer=True)
        check_range("grad_clip", self.grad_clip, 0, low_inclusive=False)
        check_range("seed", self.seed, 0, integer=True)
        check_range("validate_every", self.validate_every, 1, integer=True)
        check_range("validation_batches", self.validation_batches, 1, integer=True)
        check_range("patience", self.patience, 1, integer=True)
        check_range("min_improvement", self.min_improvement, 0)
        check_range("lr_factor", self.lr_factor, 0, 0.99, low_inclusive=False)
        check_range("max_reductions", self.max_reductions, 0, integer=True)


@dataclass
class Plateau:
    """The convergence rule's state: best validation loss, validations since, halvings so far."""

    best: float = float("inf")
    since_best: int = 0
    reductions: int = 0

    def update(self, loss: float, config: TrainConfig) -> str:
        """Take one validation loss; return ``"improved"``, ``"waiting"``, ``"reduce"`` or ``"converged"``."""
        if loss < self.best * (1 - config.min_improvement):
            self.best, self.since_best = loss, 0
            return "improved"
        self.since_best += 1
        if self.since_best < config.patience:
            return "waiting"
        if self.reductions >= config.max_reductions:
            return "converged"
        self.reductions += 1
        self.since_best = 0
        return "reduce"


@dataclass
class TrainResult:
    """A trained network, its logs and configuration.

    ``loss_log``: ``step, loss, noisy_loss`` per step; ``validation_log``: ``step, val_loss,
    val_noisy_loss, lr_scale`` per validation; ``stopped``: ``"converged"`` or ``"budget"``.
    """

    net: DLRNet
    loss_log: pd.DataFrame
    validation_log: pd.DataFrame
    config: TrainConfig
    stopped: str


def normalised_mse(output: torch.Tensor, target: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """Mean over the batch of each patch's MSE divided by its ``sigma**2``."""
    return ((output - target) ** 2).mean(dim=(1, 2, 3)).div(sigma**2).mean()


def batch_for_step(images: tuple[DomainImage, ...], config: TrainConfig, step: int) -> Batch:
    """The batch of step ``step`` (0-based), from its own generator ``default_rng([seed, step])``."""
    return _batch(images, config, np.random.default_rng([config.seed, step]))


def _batch(images: tuple[DomainImage, ...], config: TrainConfig, rng: np.random.Generator) -> Batch:
    return sample_batch(
        images,
        batch_size=config.batch_size,
        patch_size=config.patch_size,
        sigma_range=(config.sigma_min, config.sigma_max),
        rng=rng,
    )


def validation_batches(images: tuple[DomainImage, ...], config: TrainConfig) -> list[Batch]:
    """The fixed validation patches: ``validation_batches`` batches from ``default_rng([seed, VALIDATION_STREAM])``."""
    rng = np.random.default_rng([config.seed, VALIDATION_STREAM])
    return [_batch(images, config, rng) for _ in range(config.validation_batches)]


def _tensors(batch: Batch, device: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Input, Noisier2Noise target and total sigma of a batch, as tensors on ``device``."""
    target = batch.targets()
    return tuple(
        torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32)).to(device)
        for a in (batch.noisy, target, batch.sigma)
    )


def batch_losses(net: DLRNet, batch: Batch, device: str) -> tuple[torch.Tensor, float]:
    """The network's loss on a batch (a tensor, for the gradient) and the unfiltered input's (a float)."""
    noisy, target, sigma = _tensors(batch, device)
    return normalised_mse(net(noisy, sigma), target, sigma), normalised_mse(noisy, target, sigma).item()


def validation_loss(net: DLRNet, batches: list[Batch], device: str) -> tuple[float, float]:
    """Mean loss of the network and of the unfiltered input over the validation batches."""
    with torch.no_grad():
        losses = [batch_losses(net, batch, device) for batch in batches]
    return float(np.mean([a.item() for a, _ in losses])), float(np.mean([b for _, b in losses]))


def _optimizer(net: DLRNet, config: TrainConfig) -> torch.optim.Optimizer:
    return torch.optim.Adam(
        [
            {"params": [c.weight for c in net.convs], "lr": config.learning_rate},
            {"params": [net.threshold_coef], "lr": config.threshold_learning_rate},
        ]
    )


def _set_lr(optimizer: torch.optim.Optimizer, config: TrainConfig, step: int, plateau: Plateau) -> float:
    """Warm-up times ``lr_factor ** reductions``; returns that scale."""
    scale = min(1.0, (step + 1) / (config.warmup_steps + 1)) * config.lr_factor**plateau.reductions
    for group, base in zip(optimizer.param_groups, (config.learning_rate, config.threshold_learning_rate)):
        group["lr"] = base * scale
    return scale


def train(
    config: TrainConfig,
    work_dir: Path | None = None,
    *,
    device: str = "cpu",
    show_pbar: bool = True,
    images: dict[str, tuple[DomainImage, ...]] | None = None,
) -> TrainResult:
    """Train the DLR from its identity initialisation until it converges, resuming from ``work_dir``.

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
    images : dict, optional
        ``{"train": ..., "validation": ...}`` images (default: :func:`lumbarlib.dlr.training_data.real_split`).

    Returns
    -------
    TrainResult
    """
    check_choice("device", device, weights.devices())
    work_dir = Path(work_dir) if work_dir is not None else build_dir() / "dlr_training"
    work_dir.mkdir(parents=True, exist_ok=True)
    checkpoint = work_dir / CHECKPOINT_FILE
    net = DLRNet(initial_total_threshold=config.initial_total_threshold).to(device)
    optimizer = _optimizer(net, config)
    log: list[dict] = []
    val_log: list[dict] = []
    plateau, start, stopped = Plateau(), 0, ""
    if checkpoint.is_file():
        state = torch.load(checkpoint, map_location=device, weights_only=True)
        if state["config"] != asdict(config):
            raise ValueError(
                f"checkpoint {checkpoint} was written with a different configuration "
                f"({state['config']}); use another work folder or delete it"
            )
        net.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        log, val_log, start, stopped = state["log"], state["val_log"], state["step"], state["stopped"]
        plateau = Plateau(**state["plateau"])
    if not stopped and start < config.steps:
        images = real_split() if images is None else images
        val_batches = validation_batches(images["validation"], config)
        net.train()
        pbar = tqdm(total=config.steps, initial=start, desc="training DLR", unit="step", disable=not show_pbar)
        for step in range(start, config.steps):
            scale = _set_lr(optimizer, config, step, plateau)
            loss, noisy_loss = batch_losses(net, batch_for_step(images["train"], config, step), device)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), config.grad_clip)
            optimizer.step()
            log.append({"step": step + 1, "loss": loss.item(), "noisy_loss": noisy_loss})
            pbar.update(1)
            if (step + 1) % config.validate_every and step + 1 < config.steps:
                continue
            val, val_noisy = validation_loss(net, val_batches, device)
            verdict = plateau.update(val, config)
            val_log.append({"step": step + 1, "val_loss": val, "val_noisy_loss": val_noisy, "lr_scale": scale})
            pbar.set_postfix(val_loss=f"{val:.4f}", halvings=plateau.reductions)
            if verdict == "converged":
                stopped = "converged"
            elif step + 1 == config.steps:
                stopped = "budget"
            _save_checkpoint(checkpoint, config, step + 1, net, optimizer, log, val_log, plateau, stopped)
            if stopped:
                break
        pbar.close()
    net.eval()
    return TrainResult(
        net,
        pd.DataFrame(log, columns=["step", "loss", "noisy_loss"]),
        pd.DataFrame(val_log, columns=["step", "val_loss", "val_noisy_loss", "lr_scale"]),
        config,
        stopped or "budget",
    )


def read_checkpoint(work_dir: Path) -> TrainResult:
    """The run in ``work_dir``'s checkpoint as it stands, without training on.

    ``stopped`` is ``"converged"`` or ``"budget"`` for a finished run and ``"in progress"``
    for one that would continue: shipping such weights says so in the configuration record.
    """
    path = Path(work_dir) / CHECKPOINT_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no checkpoint")
    state = torch.load(path, map_location="cpu", weights_only=True)
    config = TrainConfig(**state["config"])
    net = DLRNet(initial_total_threshold=config.initial_total_threshold)
    net.load_state_dict(state["model"])
    return TrainResult(
        net.eval(),
        pd.DataFrame(state["log"], columns=["step", "loss", "noisy_loss"]),
        pd.DataFrame(state["val_log"], columns=["step", "val_loss", "val_noisy_loss", "lr_scale"]),
        config,
        state["stopped"] or "in progress",
    )


def _save_checkpoint(path: Path, config, step, net, optimizer, log, val_log, plateau, stopped) -> None:
    state = {
        "config": asdict(config),
        "step": step,
        "model": net.state_dict(),
        "optimizer": optimizer.state_dict(),
        "log": log,
        "val_log": val_log,
        "plateau": asdict(plateau),
        "stopped": stopped,
    }
    torch.save(state, path.with_name(path.name + ".tmp"))
    path.with_name(path.name + ".tmp").replace(path)


def save_run(result: TrainResult, folder: Path) -> str:
    """Ship a run: weights + SHA-256, the configuration record, the loss and validation logs; returns the hash."""
    folder = Path(folder)
    digest = weights.save_weights(result.net, folder)
    record = {
        "config": asdict(result.config),
        "steps_run": int(result.loss_log["step"].max()) if len(result.loss_log) else 0,
        "stopped": result.stopped,
        "torch_version": torch.__version__,
        "sha256": digest,
    }
    (folder / weights.CONFIG_FILE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    for frame, name in ((result.loss_log, weights.LOSS_LOG_FILE), (result.validation_log, weights.VALIDATION_LOG_FILE)):
        frame.to_csv(folder / name, index=False, float_format="%.8g", lineterminator="\n")
    return digest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lumbarlib.dlr.train", description=__doc__.splitlines()[0])
    for field in dataclasses.fields(TrainConfig):
        parser.add_argument(f"--{field.name.replace('_', '-')}", type=type(field.default), default=field.default)
    parser.add_argument("--work", type=Path, default=None, help="checkpoint folder (default <build>/dlr_training)")
    parser.add_argument("--out", type=Path, default=None, help="where to ship the weights (e.g. data)")
    parser.add_argument("--device", default="cpu", choices=weights.devices())
    parser.add_argument("--threads", type=int, default=None, help="torch intra-op threads")
    parser.add_argument("--no-pbar", action="store_true")
    parser.add_argument(
        "--ship-checkpoint", action="store_true", help="write the --work checkpoint's weights to --out as they stand"
    )
    args = parser.parse_args(argv)
    if args.ship_checkpoint:
        if args.work is None or args.out is None:
            parser.error("--ship-checkpoint needs --work and --out")
        result = read_checkpoint(args.work)
        print(f"{result.stopped} at step {len(result.loss_log)}; sha256 {save_run(result, args.out)}")
        return 0
    if args.threads is not None:
        check_range("threads", args.threads, 1, integer=True)
        torch.set_num_threads(args.threads)
    config = TrainConfig(**{f.name: getattr(args, f.name) for f in dataclasses.fields(TrainConfig)})
    result = train(config, args.work, device=args.device, show_pbar=not args.no_pbar)
    last = result.validation_log.iloc[-1]
    print(
        f"{result.stopped} after {int(last['step'])} steps; validation loss {last['val_loss']:.4f} "
        f"(unfiltered input: {last['val_noisy_loss']:.4f})"
    )
    if args.out is not None:
        print(f"weights written to {args.out}, sha256 {save_run(result, args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
