"""Bad parameters stop a run before any work, with a message naming parameter, value and range."""

import math

import pytest

from lumbarlib.book.parameters import validate_parameters
from lumbarlib.core.checks import ParameterError


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("nex", -1, "an integer >= 1"),
        ("nex", 0, "an integer >= 1"),
        ("nex", 1.5, "an integer >= 1"),
        ("cs_factor", 0.9, "a number >= 1"),
        ("strength", -0.1, "a number >= 0"),
        ("n_volunteers", 0, "an integer >= 1"),
        ("matrix_scale", 0, "a number > 0 and <= 1"),
        ("matrix_scale", 1.5, "a number > 0 and <= 1"),
        ("seed", -3, "an integer >= 0"),
        ("n_replicas", 1, "an integer >= 2"),
        ("roi_area_mm2", 0.0, "a number > 0"),
        ("noise_sigma", math.nan, "a number >= 0"),
        ("cs_iterations", "ten", "an integer >= 1"),
    ],
)
def test_bad_value_names_parameter_value_and_range(name, value, allowed):
    with pytest.raises(ParameterError) as err:
        validate_parameters({name: value})
    message = str(err.value)
    assert f"'{name}'" in message
    assert repr(value) in message
    assert allowed in message


def test_unknown_profile_is_named():
    with pytest.raises(ParameterError, match=r"'profile' = 'fast': must be one of 'quick', 'paper'"):
        validate_parameters({"profile": "fast"})


def test_good_values_pass_and_unknown_names_are_left_alone():
    validate_parameters(
        {
            "nex": 2,
            "cs_factor": 1.8,
            "strength": 0.0,
            "n_volunteers": 10,
            "matrix_scale": 1.0,
            "profile": "quick",
            "title": "anything",
        }
    )
