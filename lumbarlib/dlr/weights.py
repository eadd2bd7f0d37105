"""The DLR's shipped weights: saving them with their SHA-256, loading them only if intact.

The book never trains: ``data/dlr_weights.pt`` holds the trained network (about 2 MB),
``data/dlr_weights.sha256`` its hash (``sha256sum`` format), beside the exact training
configuration (``data/dlr_training_config.json``) and the loss log
(``data/dlr_loss_log.csv``). Retraining is ``python -m lumbarlib.dlr.train``.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import torch

from lumbarlib.core.checks import check_choice
from lumbarlib.core.paths import shipped_data_dir
from lumbarlib.dlr.network import DLRNet

WEIGHTS_FILE = "dlr_weights.pt"
HASH_FILE = "dlr_weights.sha256"
CONFIG_FILE = "dlr_training_config.json"
LOSS_LOG_FILE = "dlr_loss_log.csv"
VALIDATION_LOG_FILE = "dlr_validation_log.csv"
CALIBRATION_FILE = "dlr_calibration.json"
RETRAIN_HINT = "retrain with `python -m lumbarlib.dlr.train --out data` (see data/README.md)"


class WeightsError(ValueError):
    """The weights file is missing, altered or does not fit the network."""


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _expected_hash(hash_file: Path) -> str:
    """The hex digest a ``sha256sum``-format hash file names, or :class:`WeightsError` saying what is wrong."""
    try:
        fields = hash_file.read_bytes().decode("ascii").split()
    except UnicodeDecodeError:
        fields = []
    digest = fields[0].lower() if fields else ""
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise WeightsError(
            f"DLR weights: {hash_file} does not start with a SHA-256 (64 hex digits, `sha256sum` format); "
            f"restore it from the repository or {RETRAIN_HINT}"
        )
    return digest


def devices() -> tuple[str, ...]:
    """Devices the network can run on here: ``"cpu"``, plus ``"cuda"`` when present."""
    return ("cpu", "cuda") if torch.cuda.is_available() else ("cpu",)


def save_weights(net: DLRNet, folder: Path) -> str:
    """Write ``net``'s parameters to ``folder/dlr_weights.pt`` and the hash file; returns the hash.

    The file holds ``{"n_blocks": int, "state_dict": ...}`` in fp32 on the CPU; the same
    weights always give the same bytes.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to("cpu", torch.float32).contiguous() for k, v in net.state_dict().items()}
    buffer = io.BytesIO()
    torch.save({"n_blocks": net.n_blocks, "state_dict": state}, buffer)
    (folder / WEIGHTS_FILE).write_bytes(buffer.getvalue())
    digest = sha256(folder / WEIGHTS_FILE)
    (folder / HASH_FILE).write_text(f"{digest}  {WEIGHTS_FILE}\n", encoding="utf-8")
    return digest


def load_dlr(device: str = "cpu", folder: Path | None = None) -> DLRNet:
    """The trained DLR, checked against its SHA-256, in eval mode on ``device``.

    Parameters
    ----------
    device : str
        ``"cpu"`` or, where present, ``"cuda"``.
    folder : Path, optional
        Where ``dlr_weights.pt`` and ``dlr_weights.sha256`` are (default: ``data/``).

    Raises
    ------
    WeightsError
        If a file is missing, the hash differs (the file was altered or truncated), or
        the stored tensors do not fit the network, with what to do about it.
    """
    check_choice("device", device, devices())
    folder = Path(folder) if folder is not None else shipped_data_dir()
    weights, hash_file = folder / WEIGHTS_FILE, folder / HASH_FILE
    for path in (weights, hash_file):
        if not path.is_file():
            raise WeightsError(f"DLR weights: {path} is missing; {RETRAIN_HINT}")
    expected = _expected_hash(hash_file)
    actual = sha256(weights)
    if actual != expected:
        raise WeightsError(
            f"DLR weights: SHA-256 of {weights} is {actual}, but {hash_file} expects {expected}; "
            f"the file was altered or damaged: restore it from the repository or {RETRAIN_HINT}"
        )
    try:
        stored = torch.load(weights, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises many kinds (pickle, zip, runtime) for a file it cannot read
        raise WeightsError(f"DLR weights: {weights} cannot be read by torch ({err}); {RETRAIN_HINT}") from err
    if not isinstance(stored, dict) or set(stored) != {"n_blocks", "state_dict"}:
        keys = sorted(stored) if isinstance(stored, dict) else type(stored).__name__
        raise WeightsError(f"DLR weights: {weights} holds {keys}, not 'n_blocks' and 'state_dict'; {RETRAIN_HINT}")
    try:
        net = DLRNet(n_blocks=stored["n_blocks"])
        net.load_state_dict(stored["state_dict"])
    except (RuntimeError, TypeError, ValueError) as err:
        raise WeightsError(f"DLR weights: {weights} does not fit the network ({err}); {RETRAIN_HINT}") from err
    net.requires_grad_(False)
    return net.eval().to(device)


@dataclass(frozen=True)
class Calibration:
    """The calibrated strength (:mod:`lumbarlib.dlr.calibration`), its anchor images, the weights it belongs to."""

    strength: float
    factor: float
    gain_at_strength: float
    gain_at_1: float
    images: tuple[str, ...]
    weights_sha256: str


def read_calibration(folder: Path | None = None) -> Calibration:
    """The calibration shipped beside the weights, refused if it belongs to other weights."""
    folder = Path(folder) if folder is not None else shipped_data_dir()
    path = folder / CALIBRATION_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no calibration; run `python -m lumbarlib.dlr.calibration --out {folder}`")
    record = json.loads(path.read_text(encoding="utf-8"))
    record["images"] = tuple(record["images"])
    calibration = Calibration(**record)
    actual = sha256(folder / WEIGHTS_FILE)
    if calibration.weights_sha256 != actual:
        raise ValueError(
            f"{path} calibrates weights {calibration.weights_sha256[:12]}..., but {WEIGHTS_FILE} "
            f"is {actual[:12]}...; recalibrate with `python -m lumbarlib.dlr.calibration --out {folder}`"
        )
    return calibration


def calibrated_strength() -> float:
    """The shipped weights' calibrated strength (the study's default).

    Read and checked once per state of the two files (their size and modification time),
    not on every call: :func:`lumbarlib.dlr.denoise.denoise` asks for it per image.
    """
    folder = shipped_data_dir()
    stamps = tuple((p.stat().st_size, p.stat().st_mtime_ns) if p.is_file() else None
                   for p in (folder / CALIBRATION_FILE, folder / WEIGHTS_FILE))  # fmt: skip
    return _calibrated_strength(folder, stamps)


@lru_cache(maxsize=4)
def _calibrated_strength(folder: Path, stamps: tuple) -> float:
    return read_calibration(folder).strength
