"""Every notebook's parameters, declared once with their types and ranges, and the profiles that set them.

Each chapter's ``parameters`` cell holds literals; :data:`NOTEBOOK_PARAMETERS` says, for
every notebook, what each of them may be. The runner (:mod:`lumbarlib.book.run`) checks
every notebook of a run against it before the first notebook starts, so a bad value stops
the build before any work, with a message naming the notebook, the parameter, the value
and what is allowed; each notebook's own validation cell calls :func:`validate_notebook`
with the same declaration. Upper bounds keep the cost of a run bounded: a typo cannot
start weeks of simulation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lumbarlib.analysis.stats import BH_FAMILIES, WILCOXON_METHODS
from lumbarlib.core.checks import ParameterError, check_choice, check_range
from lumbarlib.dlr.user_image import FORMATS
from lumbarlib.study.protocol import MAX_CS_FACTOR

PROFILES = ("quick", "paper")


@dataclass(frozen=True)
class Number:
    """A finite number in ``[low, high]`` (``low`` excluded unless ``low_inclusive``), an integer if asked."""

    low: float
    high: float
    integer: bool = False
    low_inclusive: bool = True

    def check(self, name: str, value: Any) -> None:
        """Raise :class:`~lumbarlib.core.checks.ParameterError` unless ``value`` fits."""
        check_range(name, value, self.low, self.high, integer=self.integer, low_inclusive=self.low_inclusive)


@dataclass(frozen=True)
class Choice:
    """One of a fixed set of values."""

    options: tuple[Any, ...]

    def check(self, name: str, value: Any) -> None:
        """Raise :class:`~lumbarlib.core.checks.ParameterError` unless ``value`` is an option."""
        check_choice(name, value, self.options)


@dataclass(frozen=True)
class NumberList:
    """A list of ``min_items`` to ``max_items`` numbers, each a :class:`Number`; a positive sum if asked."""

    item: Number
    min_items: int
    max_items: int
    positive_sum: bool = False

    def check(self, name: str, value: Any) -> None:
        """Raise :class:`~lumbarlib.core.checks.ParameterError` unless ``value`` is such a list."""
        count = f"{self.min_items}" if self.min_items == self.max_items else f"{self.min_items} to {self.max_items}"
        if not isinstance(value, (list, tuple)) or not self.min_items <= len(value) <= self.max_items:
            raise ParameterError(f"parameter {name!r} = {value!r}: must be a list of {count} numbers")
        for k, item in enumerate(value):
            self.item.check(f"{name}[{k}]", item)
        if self.positive_sum and sum(value) <= 0:
            raise ParameterError(f"parameter {name!r} = {value!r}: must have a positive sum")


@dataclass(frozen=True)
class PathText:
    """A path as a string: an existing file or folder (``kind``), or ``""`` for the default if allowed."""

    kind: str
    suffixes: tuple[str, ...] = ()
    allow_empty: bool = True

    def check(self, name: str, value: Any) -> None:
        """Raise :class:`~lumbarlib.core.checks.ParameterError` unless ``value`` names what it must."""
        if not isinstance(value, str):
            raise ParameterError(f"parameter {name!r} = {value!r}: must be a path (a string)")
        if value == "" and self.allow_empty:
            return
        path = Path(value).expanduser()
        if self.kind == "file" and not path.is_file():
            raise ParameterError(f"parameter {name!r} = {value!r}: no such file (give an existing file or '')")
        if self.kind == "dir" and not path.is_dir():
            raise ParameterError(f"parameter {name!r} = {value!r}: no such folder (give an existing folder or '')")
        if self.suffixes and not any(path.name.lower().endswith(s) for s in self.suffixes):
            raise ParameterError(f"parameter {name!r} = {value!r}: must end in one of {', '.join(self.suffixes)}")


@dataclass(frozen=True)
class OrNone:
    """``None`` or a value that fits ``spec``."""

    spec: Number

    def check(self, name: str, value: Any) -> None:
        """Raise :class:`~lumbarlib.core.checks.ParameterError` unless ``value`` is None or fits."""
        if value is not None:
            self.spec.check(name, value)


Spec = Number | Choice | NumberList | PathText | OrNone

MAX_VOLUNTEERS = 50
"""Most volunteers a run simulates (the paper: 10); the simulation costs about 4 s per volunteer."""

SEED = Number(0, 2**32 - 1, integer=True)
VOLUNTEER = Number(1, MAX_VOLUNTEERS, integer=True)
SHARED: dict[str, Spec] = {
    "seed": SEED,
    "n_volunteers": VOLUNTEER,
    "nex": Number(1, 16, integer=True),
    "cs_factor": Number(1.0, MAX_CS_FACTOR),
    "strength": OrNone(Number(0.0, 10.0)),
    "matrix_scale": Number(0.2, 1.0),
    "cs_iterations": Number(1, 500, integer=True),
    "volunteer": VOLUNTEER,
}
"""Parameters several notebooks share, with one meaning and one range."""

_GAIN = Number(0.0, 20.0)
_SD = Number(0.0, 2.0)

NOTEBOOK_PARAMETERS: dict[str, dict[str, Spec]] = {
    "00_overview": {"n_volunteers": SHARED["n_volunteers"]},
    "01_acquisition": {name: SHARED[name] for name in ("seed", "matrix_scale", "cs_factor")},
    "02_simulation": {
        **{name: SHARED[name] for name in ("seed", "n_volunteers", "matrix_scale", "cs_iterations", "volunteer")},
        "effects_volunteers": VOLUNTEER,
        "cs_weights": NumberList(Number(0.0, 10.0), 1, 10),
    },
    "03_dlr_architecture": {
        "seed": SEED,
        "noise_sigma": Number(0.0, 0.5),
        "matrix_scale": SHARED["matrix_scale"],
        "slider_strengths": NumberList(Number(0.0, 10.0), 1, 40),
        "slider_noise_levels": NumberList(Number(0.0, 5.0, low_inclusive=False), 1, 10),
    },
    "04_training": {
        "train_steps": Number(0, 100_000, integer=True),
        "batch_size": Number(1, 512, integer=True),
        "patch_size": Number(8, 256, integer=True),
        "seed": SEED,
        "noise_levels": NumberList(Number(0.0, 0.5, low_inclusive=False), 3, 3),
        "comparison_images": Number(1, 40, integer=True),
        "tuning_images": Number(1, 40, integer=True),
        "calibration_strengths": NumberList(Number(0.0, 10.0, low_inclusive=False), 1, 20),
        "calibration_images": Number(1, 40, integer=True),
        "baselines": Choice(("all", "network")),
        "matrix_scale": SHARED["matrix_scale"],
    },
    "05_denoising": {
        "strength": SHARED["strength"],
        "volunteer": VOLUNTEER,
        "zoom_mm": Number(5.0, 250.0),
        "user_image": PathText("file", suffixes=tuple(FORMATS)),
        "seed": SEED,
        "preview_nex": SHARED["nex"],
        "preview_cs_factor": SHARED["cs_factor"],
        "preview_volunteer": VOLUNTEER,
        "real_noise_levels": NumberList(Number(0.0, 0.5, low_inclusive=False), 1, 5),
        "slider_nex": NumberList(SHARED["nex"], 1, 8),
        "slider_cs_factors": NumberList(SHARED["cs_factor"], 1, 10),
    },
    "06_quantitative": {
        "seed": SEED,
        "roi_area_mm2": Number(0.0, 200.0, low_inclusive=False),
        "n_replicas": Number(2, 1000, integer=True),
        "cs_iterations": SHARED["cs_iterations"],
        "strength": SHARED["strength"],
        "bh_family": Choice(BH_FAMILIES),
        "wilcoxon_method": Choice(WILCOXON_METHODS),
        "replica_volunteer": VOLUNTEER,
        "slider_strengths": NumberList(Number(0.0, 10.0), 1, 20),
    },
    "07_readers": {
        "seed": SEED,
        "n_readers": Number(2, 20, integer=True),
        "reader_bias_sd": _SD,
        "reader_noise_sd": _SD,
        "equivalent_threshold": Number(0.0, 5.0, low_inclusive=False),
        "obvious_threshold": Number(0.0, 10.0, low_inclusive=False),
        "threshold_sd": Number(0.0, 1.0),
        "snr_per_doubling": _GAIN,
        "sharpness_per_mm": _GAIN,
        "contrast_per_doubling": _GAIN,
        "detail_per_unit": _GAIN,
        "artifact_per_doubling": _GAIN,
        "noise_masking": Number(0.0, 10.0),
        "overall_weights": NumberList(Number(0.0, 100.0), 5, 5, positive_sum=True),
        "human_scores_dir": PathText("dir"),
    },
    "08_scorecard": {},
    "dlr_explorer": {
        **{name: SHARED[name] for name in ("seed", "n_volunteers", "matrix_scale", "cs_iterations", "volunteer")},
        **{name: SHARED[name] for name in ("nex", "cs_factor", "strength")},
        "noise_factor": Number(0.0, 5.0),
    },
    "reader_app": {
        "images_path": PathText("file", suffixes=(".npz",)),
        "answers_dir": PathText("any"),
        "seed": OrNone(SEED),
    },
}
"""Notebook stem -> parameter -> what it may be: every parameter of every parameters cell."""

VOLUNTEER_PARAMETERS: dict[str, tuple[str, ...]] = {
    "02_simulation": ("volunteer",),
    "05_denoising": ("volunteer", "preview_volunteer"),
    "06_quantitative": ("replica_volunteer",),
}
"""Parameters that pick a volunteer of the simulated study: at most the simulation's ``n_volunteers``."""


def check_parameter(
    notebook: str, name: str, value: Any, *, specs: Mapping[str, Mapping[str, Spec]] = NOTEBOOK_PARAMETERS
) -> None:
    """Check one parameter of a notebook against its declaration (default :data:`NOTEBOOK_PARAMETERS`).

    Raises
    ------
    ParameterError
        Naming the notebook, the parameter, the value and what is allowed.
    """
    check_choice("notebook", notebook, specs)
    declared = specs[notebook]
    if name not in declared:
        raise ParameterError(f"notebook {notebook}: has no parameter {name!r}; its parameters are {sorted(declared)}")
    try:
        declared[name].check(name, value)
    except ParameterError as err:
        raise ParameterError(f"notebook {notebook}: {err}") from None


def validate_notebook(
    notebook: str, params: Mapping[str, Any], *, specs: Mapping[str, Mapping[str, Spec]] = NOTEBOOK_PARAMETERS
) -> None:
    """Check every declared parameter of ``notebook`` in ``params`` (a notebook passes ``globals()``).

    Raises
    ------
    ParameterError
        For the first parameter missing or outside what it may be.
    """
    check_choice("notebook", notebook, specs)
    for name in specs[notebook]:
        if name not in params:
            raise ParameterError(f"notebook {notebook}: parameter {name!r} is not set")
        check_parameter(notebook, name, params[name], specs=specs)


def validate_run(
    plans: Sequence[tuple[str, Mapping[str, Any]]], *, specs: Mapping[str, Mapping[str, Spec]] = NOTEBOOK_PARAMETERS
) -> None:
    """Check the parameters of every notebook of a run together, before any of them runs.

    Each notebook's parameters must be exactly those it declares, each within its range;
    a volunteer picked by a later chapter must exist in the study the simulation chapter
    makes in the same run.

    Parameters
    ----------
    plans : sequence of (notebook stem, parameters)
        The parameters each notebook will run with (its cell's values and the profile's).
    specs : mapping
        Notebook stem -> parameter -> :data:`Spec` (default :data:`NOTEBOOK_PARAMETERS`).

    Raises
    ------
    ParameterError
        For the first problem, naming the notebook, the parameter, the value and what is allowed.
    """
    for notebook, params in plans:
        check_choice("notebook", notebook, specs)
        undeclared = sorted(set(params) - set(specs[notebook]))
        if undeclared:
            raise ParameterError(f"notebook {notebook}: parameter(s) {undeclared} have no declared type and range")
        validate_notebook(notebook, params, specs=specs)
    n_volunteers = dict(plans).get("02_simulation", {}).get("n_volunteers")
    if n_volunteers is None:
        return
    for notebook, params in plans:
        for name in VOLUNTEER_PARAMETERS.get(notebook, ()):
            if params[name] > n_volunteers:
                raise ParameterError(
                    f"notebook {notebook}: parameter {name!r} = {params[name]!r}: must be <= n_volunteers = "
                    f"{n_volunteers} of 02_simulation (volunteers are numbered from 1)"
                )
