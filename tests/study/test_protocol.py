"""Paper Table 1 as data: scan times, predicted SNR, impossible protocols refused."""

import math

import numpy as np
import pytest

from lumbarlib.core.checks import ParameterError
from lumbarlib.study.protocol import (
    PROTOCOLS,
    Protocol,
    predicted_relative_snr,
    scan_time_s,
    scan_time_table,
    table1,
)


def test_table1_values():
    p = PROTOCOLS["standard"]
    assert (p.tr_ms, p.te_ms, p.etl, p.echo_spacing_ms) == (3400, 84, 17, 10.5)
    assert (p.bandwidth_hz_per_px, p.slice_thickness_mm, p.fov_phase_mm, p.fov_read_mm) == (245.1, 3, 300, 270)
    assert (p.matrix_phase, p.matrix_read) == (320, 384)
    assert [q.nex for q in PROTOCOLS.values()] == [2, 1, 1]
    assert [q.cs_factor for q in PROTOCOLS.values()] == [1.0, 1.0, 1.8]
    assert p.effective_echo == 8  # TE 84 ms = 8 x 10.5 ms
    assert p.pixel_mm == pytest.approx((0.9375, 0.703125))


@pytest.mark.parametrize("name", list(PROTOCOLS))
def test_scan_time_model_within_5_percent(name):
    p = PROTOCOLS[name]
    assert scan_time_s(p) == pytest.approx(p.paper_scan_time_s, rel=0.05)


def test_scan_time_is_tr_times_echo_trains():
    p = PROTOCOLS["double-fast"]
    # 320 lines x 1.7 oversampling = 544 = 32 trains of 17; plus 2 preparation TRs
    assert scan_time_s(p) == pytest.approx(3.4 * (32 + 2))
    assert scan_time_table()["relative_error"].abs().max() < 0.05


def test_predicted_snr_follows_the_square_root_of_the_data():
    assert predicted_relative_snr(PROTOCOLS["standard"]) == pytest.approx(1.0)
    assert predicted_relative_snr(PROTOCOLS["double-fast"]) == pytest.approx(1 / math.sqrt(2))
    assert predicted_relative_snr(PROTOCOLS["triple-fast"]) == pytest.approx(1 / math.sqrt(2 * 1.8))


def test_table1_rendering():
    t = table1()
    assert list(t.columns) == ["parameter", "standard", "double-fast", "triple-fast"]
    row = t.set_index("parameter")
    assert row.loc["TR/TE (ms)", "standard"] == "3400/84"
    assert row.loc["CS factor", "triple-fast"] == "1.8"
    assert row.loc["CS factor", "standard"] == "None"
    assert row.loc["Scan time (s)", "double-fast"] == "119"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"te_ms": 4000.0}, "te_ms"),
        ({"etl": 0}, "etl"),
        ({"cs_factor": 0.5}, "cs_factor"),
        ({"matrix_phase": 0}, "matrix_phase"),
        ({"matrix_read": -384}, "matrix_read"),
        ({"nex": 0}, "nex"),
        ({"fov_read_mm": 0.0}, "fov_read_mm"),
        ({"etl": 400}, "etl"),
        ({"nex": "2"}, "nex"),
        ({"nex": None}, "nex"),
        ({"nex": 2.5}, "nex"),
        ({"nex": 17}, "nex"),
        ({"tr_ms": float("nan")}, "tr_ms"),
        ({"tr_ms": "3400"}, "tr_ms"),
        ({"preparation_trs": True}, "preparation_trs"),
        ({"cs_factor": 1e300}, "cs_factor"),
        ({"cs_factor": None}, "cs_factor"),
        ({"matrix_phase": 10**6}, "matrix_phase"),
    ],
)
def test_impossible_protocol_names_the_field(changes, field):
    args = {"name": "bad", "nex": 1, "cs_factor": 1.0, "paper_scan_time_s": 100.0, **changes}
    with pytest.raises(ParameterError, match=f"field '{field}'"):
        Protocol(**args)


def test_numpy_scalars_are_accepted_and_stored_as_python_numbers():
    protocol = Protocol("np", np.int64(2), np.float32(1.8), np.float64(100.0))
    assert protocol.nex == 2 and type(protocol.nex) is int
    assert type(protocol.cs_factor) is float and protocol.cs_factor == pytest.approx(1.8)


def test_a_protocol_needs_a_name():
    with pytest.raises(ParameterError, match="protocol name = None"):
        Protocol(None, 1, 1.0, 100.0)
