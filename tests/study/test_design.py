"""The study design: five image sets from three protocols, four comparisons."""

import pytest

from lumbarlib.study.design import comparisons_table, design_table, source_protocol


def test_five_sets_in_paper_order_from_three_protocols():
    table = design_table()
    assert table["number"].tolist() == [1, 2, 3, 4, 5]
    assert table["acquired with"].tolist() == ["standard", "double-fast", "double-fast", "triple-fast", "triple-fast"]
    assert table["DLR applied"].tolist() == [False, False, True, False, True]
    # Table 1 of the paper: NEX 2/1/1, CS none/none/1.8, 228/119/68 s
    assert table.drop_duplicates("acquired with")["NEX"].tolist() == [2, 1, 1]
    assert table.drop_duplicates("acquired with")["paper scan time (s)"].tolist() == [228, 119, 68]


def test_every_comparison_pairs_a_dlr_set_with_its_reference():
    table = comparisons_table()
    assert len(table) == 4
    assert all(sets.split(" vs ")[1].startswith("dlr-") for sets in table["sets"])


def test_unknown_set_is_named():
    with pytest.raises(ValueError, match="'dlr-standard'"):
        source_protocol("dlr-standard")
