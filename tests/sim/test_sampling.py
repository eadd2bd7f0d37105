"""The 1-D variable-density phase-encode mask of the triple-fast protocol."""

import numpy as np
import pytest

from lumbarlib.sim.sampling import centre_block, phase_encode_mask


def test_keeps_55_percent_of_lines_and_the_whole_centre():
    mask = phase_encode_mask(320, 1.8, rng=np.random.default_rng(0), center_fraction=0.08)
    assert mask.mean() == pytest.approx(0.55, abs=0.01)
    block = centre_block(mask)
    assert block.stop - block.start >= round(0.08 * 320)
    assert mask[160 - 12 : 160 + 12].all()


@pytest.mark.parametrize("n_lines", [160, 320, 321])
def test_exact_line_budget(n_lines):
    mask = phase_encode_mask(n_lines, 1.8, rng=np.random.default_rng(3))
    assert mask.sum() == round(n_lines / 1.8)


def test_density_falls_towards_the_edges():
    masks = np.array([phase_encode_mask(320, 1.8, rng=np.random.default_rng(s)) for s in range(40)])
    density = masks.mean(axis=0)
    inner = np.r_[100:140, 180:220]
    outer = np.r_[0:40, 280:320]
    assert density[inner].mean() > density[outer].mean() + 0.2


def test_factor_one_keeps_everything():
    assert phase_encode_mask(64, 1.0, rng=np.random.default_rng(0)).all()


def test_same_seed_same_mask_and_global_state_untouched():
    state = np.random.get_state()[1].copy()
    a = phase_encode_mask(320, 1.8, rng=np.random.default_rng(11))
    b = phase_encode_mask(320, 1.8, rng=np.random.default_rng(11))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"cs_factor": 0.9}, "cs_factor"),
        ({"n_lines": 0}, "n_lines"),
        ({"center_fraction": 0.7}, "center_fraction"),
    ],
)
def test_bad_input_names_the_parameter(kwargs, name):
    args = {"n_lines": 64, "cs_factor": 1.8, **kwargs}
    with pytest.raises(ValueError, match=f"'{name}'"):
        phase_encode_mask(args.pop("n_lines"), args.pop("cs_factor"), rng=np.random.default_rng(0), **args)


@pytest.mark.parametrize("cs_factor", [1e9, 4.5, float("nan")])
def test_an_impossible_cs_factor_is_named_itself(cs_factor):
    with pytest.raises(ValueError, match=r"'cs_factor' = .*: must be a number >= 1.0 and <= 4.0"):
        phase_encode_mask(320, cs_factor, rng=np.random.default_rng(0))
