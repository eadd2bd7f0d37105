"""Reader ids become file names, so they are matched in full: no final newline slips through.

``re.match`` with ``$`` accepts a name followed by one ``\\n``; such a reader id named an answer
file whose lines could not be read back, locking the reader out.
"""

from __future__ import annotations

import re

import pytest

from lumbarlib.readers.scores import READER_ID, check_reader_id


@pytest.mark.parametrize("bad", ["fred\n", "fred\r\n", "\nfred", "fr\ned", "fred ", "x" * 41])
def test_a_reader_id_is_matched_in_full(bad):
    assert READER_ID.fullmatch(bad) is None
    with pytest.raises(ValueError, match=re.escape(f"parameter 'reader_id' = {bad!r}: must be 1-40 letters")):
        check_reader_id(bad)


@pytest.mark.parametrize("good", ["fred", "student-07", "A_1", "x" * 40])
def test_good_reader_ids_pass(good):
    check_reader_id(good)
