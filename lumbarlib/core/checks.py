"""Validation of user-facing parameters (notebook ``parameters`` cells, function arguments).

A bad value stops the run before any work, with a message that names the parameter,
the value given and what is allowed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any


class ParameterError(ValueError):
    """A parameter is outside what the study allows."""


def _describe_range(low: float | None, high: float | None, integer: bool, low_inclusive: bool) -> str:
    kind = "an integer" if integer else "a number"
    if low is not None and high is not None:
        left = ">=" if low_inclusive else ">"
        return f"{kind} {left} {low} and <= {high}"
    if low is not None:
        return f"{kind} {'>=' if low_inclusive else '>'} {low}"
    if high is not None:
        return f"{kind} <= {high}"
    return kind


def check_range(
    name: str,
    value: Any,
    low: float | None = None,
    high: float | None = None,
    *,
    integer: bool = False,
    low_inclusive: bool = True,
) -> None:
    """Raise :class:`ParameterError` unless ``value`` is a finite number within the range.

    Parameters
    ----------
    name : str
        The parameter's name, as the user wrote it.
    value : Any
        The value to check.
    low, high : float or None
        Bounds; ``high`` is inclusive, ``low`` inclusive unless ``low_inclusive`` is False.
    integer : bool
        Require a whole number (``bool`` is not accepted).
    """
    allowed = _describe_range(low, high, integer, low_inclusive)
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if hasattr(value, "item") and not is_number:  # numpy scalars
        try:
            value = value.item()
            is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
        except (TypeError, ValueError):
            is_number = False
    if not is_number or not math.isfinite(value):
        raise ParameterError(f"parameter {name!r} = {value!r}: must be {allowed}")
    if integer and float(value) != int(value):
        raise ParameterError(f"parameter {name!r} = {value!r}: must be {allowed}")
    too_low = low is not None and (value < low if low_inclusive else value <= low)
    too_high = high is not None and value > high
    if too_low or too_high:
        raise ParameterError(f"parameter {name!r} = {value!r}: must be {allowed}")


def check_choice(name: str, value: Any, allowed: Iterable[Any]) -> None:
    """Raise :class:`ParameterError` unless ``value`` is one of ``allowed``."""
    options = tuple(allowed)
    if value not in options:
        listed = ", ".join(repr(o) for o in options)
        raise ParameterError(f"parameter {name!r} = {value!r}: must be one of {listed}")
