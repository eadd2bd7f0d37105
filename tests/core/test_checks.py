"""Parameter checks: numbers, integers, ranges and choices, each refusal naming parameter and value."""

import numpy as np
import pytest

from lumbarlib.core.checks import ParameterError, check_choice, check_range


def test_numpy_scalars_are_numbers_and_bools_are_not():
    check_range("nex", np.int64(2), 1, integer=True)
    with pytest.raises(ParameterError):
        check_range("nex", True, 1, integer=True)


def test_check_choice_lists_options():
    with pytest.raises(ParameterError, match=r"'slice' = 'axial': must be one of 'mid', 'para'"):
        check_choice("slice", "axial", ("mid", "para"))
