"""The notebooks' shared parameters and the profiles that set them (``quick`` for CI, ``paper`` for the book).

The runner (:mod:`lumbarlib.book.run`) checks every parameter of a profile here before
the first notebook starts, so that a bad value stops the build before any work.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lumbarlib.core.checks import check_choice, check_range

PROFILES = ("quick", "paper")

# The parameters the notebooks share, with their allowed ranges:
# name -> (low, high, integer, low_inclusive)
_RANGES: dict[str, tuple[float | None, float | None, bool, bool]] = {
    "seed": (0, None, True, True),
    "n_volunteers": (1, None, True, True),
    "nex": (1, None, True, True),
    "cs_factor": (1, None, False, True),
    "strength": (0, None, False, True),
    "matrix_scale": (0, 1, False, False),
    "cs_iterations": (1, None, True, True),
    "n_replicas": (2, None, True, True),
    "train_steps": (0, None, True, True),
    "noise_sigma": (0, None, False, True),
    "roi_area_mm2": (0, None, False, False),
}
_CHOICES: dict[str, tuple[str, ...]] = {"profile": PROFILES}


def validate_parameters(params: Mapping[str, Any]) -> None:
    """Check every known parameter in ``params``; unknown names are left to their notebook.

    Used by the notebook runner before any notebook starts, and by each notebook's
    validation cell.

    Raises
    ------
    ParameterError
        For the first value outside its allowed range, naming parameter, value and range.
    """
    for name, value in params.items():
        if name in _RANGES:
            low, high, integer, low_inclusive = _RANGES[name]
            check_range(name, value, low, high, integer=integer, low_inclusive=low_inclusive)
        elif name in _CHOICES:
            check_choice(name, value, _CHOICES[name])
