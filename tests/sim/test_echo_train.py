"""T2 decay along the echo train: the view order, and what it does to short- and long-T2 tissue."""

import numpy as np
import pytest

from lumbarlib.sim.echo_train import label_t2_ms, line_echo_times, t2_weighting
from lumbarlib.sim.labels import LABELS
from lumbarlib.sim.sampling import phase_encode_mask
from lumbarlib.sim.tissues import TISSUE_PROPERTIES
from lumbarlib.study.protocol import PROTOCOLS

STANDARD = PROTOCOLS["standard"]


def test_the_centre_line_is_acquired_at_the_effective_echo_and_the_order_covers_the_train():
    echo = line_echo_times(320, STANDARD)
    assert echo[160] == pytest.approx(84.0)
    first = np.argmax(echo < echo[0])  # the outermost block takes the last echo
    assert echo[0] == pytest.approx(17 * 10.5) and np.all(np.diff(echo[first:]) >= 0)  # linear order
    assert echo.min() == pytest.approx(10.5)
    counts = np.unique(np.round(echo / 10.5), return_counts=True)[1]
    assert len(counts) == 17 and counts.min() == 18 and counts.max() == 19  # one line per echo and shot


def test_with_undersampling_the_train_spreads_over_the_acquired_lines_only():
    mask = phase_encode_mask(320, 1.8, rng=np.random.default_rng(0))
    echo = line_echo_times(320, PROTOCOLS["triple-fast"], mask)
    assert echo[160] == pytest.approx(84.0)
    acquired = np.round(echo[mask] / 10.5)
    assert set(acquired) == set(range(1, 18))
    # the densely sampled centre takes more echoes than with full sampling: echo times change faster there
    full = line_echo_times(320, STANDARD)
    assert np.ptp(echo[140:181]) > np.ptp(full[140:181])


def test_infinite_t2_gives_flat_weighting():
    rng = np.random.default_rng(1)
    signal = rng.uniform(0, 1, (32, 24))
    labels = np.full((32, 24), LABELS["air"], np.int16)  # air and gas decay with infinite T2
    out = t2_weighting(signal, labels, line_echo_times(32, STANDARD), STANDARD.te_ms)
    np.testing.assert_allclose(out, signal, atol=1e-6)


def _spread(label: str) -> tuple[np.ndarray, np.ndarray]:
    signal = np.zeros((64, 48))
    labels = np.full((64, 48), LABELS["air"], np.int16)
    signal[30:34, 20:28] = 0.1
    labels[30:34, 20:28] = LABELS[label]
    return signal, t2_weighting(signal, labels, line_echo_times(64, STANDARD), STANDARD.te_ms)


def test_short_t2_blurs_along_the_phase_direction_only_and_keeps_each_columns_mean():
    signal, muscle = _spread("muscle")  # T2 35 ms: strong decay across the train
    np.testing.assert_allclose(muscle.sum(axis=0), signal.sum(axis=0), atol=1e-5)  # the centre row is kept
    assert np.abs(muscle[:, 10]).max() < 1e-6  # nothing leaks across columns
    _, csf = _spread("csf")  # T2 1.9 s: hardly any decay

    def outside(image: np.ndarray) -> float:  # signal energy that left the block's rows
        return float((np.abs(image[:30, 24]) ** 2).sum() + (np.abs(image[34:, 24]) ** 2).sum())

    assert outside(muscle) > 100 * outside(csf)
    assert np.abs(csf - signal).max() < 0.005


def test_labels_without_own_signal_at_the_effective_te_are_left_alone():
    signal, ligament = _spread("ligament")  # T2 12 ms: its pixels hold only neighbours' partial volume
    np.testing.assert_allclose(ligament, signal, atol=1e-6)


def test_labels_map_to_their_tissues_t2():
    assert label_t2_ms("vertebra_L2") == TISSUE_PROPERTIES["marrow_water"].t2_ms
    assert label_t2_ms("nucleus_L1-L2") == TISSUE_PROPERTIES["nucleus"].t2_ms
    assert label_t2_ms("retroperitoneal_fat") == TISSUE_PROPERTIES["fat"].t2_ms
    assert np.isinf(label_t2_ms("air"))
    assert all(label_t2_ms(name) > 0 for name in LABELS)
    with pytest.raises(ValueError, match="no tissue"):
        label_t2_ms("kidney")


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="mask"):
        line_echo_times(32, STANDARD, np.zeros(32, bool))
    with pytest.raises(ValueError, match="do not match"):
        t2_weighting(np.zeros((8, 8)), np.zeros((8, 8), np.int16), np.zeros(4), 84.0)
