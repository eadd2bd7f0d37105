"""The benchmark collector reads each script's closing line."""

import pytest

from lumbarlib.book.bench import parse_result


def test_parses_closing_line():
    r = parse_result("b.py", "stage a: 1 s\n\nsimulation_cohort: 42.5 s (0.71 of the 60 s target)\n")
    assert (r.name, r.value, r.unit, r.reference) == ("simulation_cohort", 42.5, "s", "0.71 of the 60 s target")


def test_rejects_a_script_without_closing_line():
    with pytest.raises(ValueError, match="b.py: last line 'done'"):
        parse_result("b.py", "42 s\ndone\n")
