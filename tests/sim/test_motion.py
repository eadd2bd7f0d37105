"""Respiratory motion: the shots of the view order, the motion weight, and ghosts where periodic motion puts them."""

import numpy as np
import pytest

from lumbarlib.sim.labels import LABELS
from lumbarlib.sim.motion import excursion_mm, line_shots, motion_weight, respiratory_motion
from lumbarlib.sim.sampling import phase_encode_mask
from lumbarlib.study.protocol import PROTOCOLS, Protocol

N = 64


def _bar() -> tuple[np.ndarray, np.ndarray]:
    """A fat bar in front of a vertical spine: the bar moves, the spine does not."""
    signal = np.zeros((N, N))
    labels = np.full((N, N), LABELS["air"], np.int16)
    labels[:, 40:48] = LABELS["vertebra_L2"]
    signal[:, 40:48] = 0.3
    labels[30:34, 10:22] = LABELS["subcutaneous_fat"]
    signal[30:34, 10:22] = 1.0
    return signal, labels


def test_every_shot_takes_one_line_of_each_echo_block():
    shots = line_shots(320, PROTOCOLS["standard"])
    assert shots.min() == 0 and shots.max() == 19 - 1  # 320 lines over 17 echoes: 18-19 shots
    assert np.bincount(shots).max() == 17  # a shot acquires one line per echo
    mask = phase_encode_mask(320, 1.8, rng=np.random.default_rng(0))
    cs = line_shots(320, PROTOCOLS["triple-fast"], mask)
    assert np.all(cs[~mask] == -1) and cs[mask].max() < 11  # 178 lines: about 10.5 shots


def test_the_weight_moves_the_abdomen_and_keeps_the_spine():
    _, labels = _bar()
    weight = motion_weight(labels)
    assert weight[31, 10] == pytest.approx(1.0) and np.all(weight[:, 40:] == 0)
    assert 0 < weight[31, 20] < weight[31, 12]
    assert np.all(weight[0] == 0)  # a row without abdomen: the first tissue is the spine


def test_no_motion_gives_the_object_back():
    signal, labels = _bar()
    out = respiratory_motion(
        signal, labels, (1.0, 1.0), PROTOCOLS["standard"], rng=np.random.default_rng(1), amplitude_mm=0
    )
    np.testing.assert_allclose(out, signal, atol=1e-6)


def test_periodic_motion_puts_ghosts_at_the_predicted_rows():
    # one line per TR (ETL 1) and four TRs per breath: the excursion repeats every 4 lines of
    # k-space, so the moving bar's ghosts lie N / 4 = 16 rows above and below it
    protocol = Protocol("se", nex=1, cs_factor=1.0, paper_scan_time_s=1.0, tr_ms=1000.0, te_ms=10.5, etl=1)
    signal, labels = _bar()
    out = respiratory_motion(signal, labels, (1.0, 1.0), protocol, rng=np.random.default_rng(2), amplitude_mm=3.0)
    profile = (np.abs(out[:, 5:30]) ** 2).sum(axis=1)  # the columns the bar sweeps (rows 30-33)
    ghosts = profile[[*range(14, 18), *range(46, 50)]].mean()  # 16 rows away: the first harmonic
    between = profile[[*range(6, 10), *range(22, 26), *range(38, 42), *range(54, 58)]].mean()
    assert ghosts > 20 * between
    assert np.abs(out[:, 40:48] - signal[:, 40:48]).max() < 0.05  # the spine stays sharp


def test_the_excursion_spans_zero_to_the_amplitude():
    t = np.linspace(0, 8, 801)
    d = excursion_mm(t, 0.3, 5.0)
    assert d.min() == pytest.approx(0.0, abs=1e-3) and d.max() == pytest.approx(5.0, abs=1e-3)
