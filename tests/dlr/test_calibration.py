"""Strength calibration on the brain anchor: a known answer, a refused bracket, a calibration tied to its weights."""

import json
import math
from dataclasses import asdict

import numpy as np
import pytest

from lumbarlib.dlr import calibration, weights
from lumbarlib.dlr.network import DLRNet
from lumbarlib.dlr.training_data import DomainImage


def _cases() -> list[DomainImage]:
    yy, xx = np.mgrid[:48, :48]
    image = (0.3 + 0.7 * (np.hypot(yy - 24, xx - 24) < 18)).astype(np.float32)
    return [DomainImage("brain", "disc", image, "s", 0.02), DomainImage("brain", "disc 2", image * 0.8, "s", 0.03)]


def shrink(image, sigma, strength):
    """A denoiser whose noise gain is exactly 1 + strength: it divides the image (and its noise) by that."""
    return image / (1.0 + strength)


def test_a_denoiser_of_known_gain_is_calibrated_to_its_known_strength():
    assert calibration.noise_gain(shrink, _cases(), 2.0, factor=1.5, seed=0) == pytest.approx(3.0, rel=1e-9)
    strength, gain = calibration.calibrate_strength(shrink, _cases(), seed=0)
    assert strength == pytest.approx(calibration.ANCHOR_FACTOR - 1, abs=2e-3)  # sqrt(2.5) - 1 = 0.581
    assert gain == pytest.approx(math.sqrt(2.5), abs=2e-3)


def test_a_gain_that_never_reaches_the_factor_is_refused():
    with pytest.raises(ValueError, match="never reaches"):
        calibration.calibrate_strength(shrink, _cases(), factor=20.0, bracket=(0.1, 2.0))
    with pytest.raises(ValueError, match="'factor' = 1.0"):
        calibration.calibrate_strength(shrink, _cases(), factor=1.0)
    with pytest.raises(ValueError, match="sigma0 > 0"):
        calibration.calibrate_strength(shrink, [DomainImage("brain", "x", np.ones((16, 16), np.float32))])


def test_the_network_removes_more_noise_at_more_strength():
    fn = calibration.network_denoiser(DLRNet().eval())
    gains = [calibration.noise_gain(fn, _cases()[:1], s, factor=calibration.ANCHOR_FACTOR, seed=1) for s in (0.3, 1.0)]
    assert 1.0 < gains[0] < gains[1]


def test_a_calibration_of_other_weights_is_refused(tmp_path):
    weights.save_weights(DLRNet(n_blocks=1), tmp_path)
    record = weights.Calibration(0.5, calibration.ANCHOR_FACTOR, 1.58, 2.0, ("a",), "0" * 64)
    (tmp_path / weights.CALIBRATION_FILE).write_text(json.dumps(asdict(record)))
    with pytest.raises(ValueError, match="recalibrate"):
        weights.read_calibration(tmp_path)
    good = weights.Calibration(0.5, calibration.ANCHOR_FACTOR, 1.58, 2.0, ("a",),
                               weights.sha256(tmp_path / weights.WEIGHTS_FILE))  # fmt: skip
    (tmp_path / weights.CALIBRATION_FILE).write_text(json.dumps(asdict(good)))
    assert weights.read_calibration(tmp_path) == good


def test_the_shipped_calibration_belongs_to_the_shipped_weights():
    shipped = weights.read_calibration()
    assert 0 < shipped.strength < calibration.STRENGTH_BRACKET[1]
    assert shipped.gain_at_strength == pytest.approx(calibration.ANCHOR_FACTOR, abs=0.01)
