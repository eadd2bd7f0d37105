"""The DLR network: identity at zero thresholds, bypassed DC, thresholds proportional to sigma."""

import numpy as np
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from lumbarlib.dlr import network as dlr
from lumbarlib.dlr.network import DLRNet, soft_shrink


def random_net(seed: int = 0) -> DLRNet:
    """A network with random convolutions and thresholds (not the identity start)."""
    net = DLRNet(n_blocks=3)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for conv in net.convs:
            conv.weight.add_(0.05 * torch.randn(conv.weight.shape, generator=gen))
        net.threshold_coef.copy_(torch.rand(net.threshold_coef.shape, generator=gen))
    return net.eval()


@pytest.mark.parametrize("shape", [(7, 7), (16, 16), (17, 23), (40, 33)])
def test_output_shape_equals_input_shape(shape):
    x = torch.rand(2, 1, *shape)
    assert random_net()(x, torch.tensor([0.1, 0.2])).shape == x.shape


@pytest.mark.parametrize("shape", [(9, 12), (21, 16)])
def test_zero_strength_on_the_identity_start_is_the_identity(shape):
    x = torch.rand(1, 1, *shape)
    with torch.no_grad():
        out = DLRNet()(x, 0.3, strength=0.0)
    assert torch.max(torch.abs(out - x)) < 1e-5


def test_constant_image_passes_unchanged():
    x = torch.full((1, 1, 20, 25), 7.5)
    with torch.no_grad():
        out = random_net()(x, 0.5)
    assert torch.max(torch.abs(out - x)) < 1e-4


def test_doubling_sigma_doubles_every_threshold():
    net = random_net()
    t1 = net.thresholds(torch.tensor([0.3]))
    t2 = net.thresholds(torch.tensor([0.6]))
    assert t1.shape == (1, net.n_blocks + 1, dlr.N_HIGH)
    torch.testing.assert_close(t2, 2 * t1)
    torch.testing.assert_close(net.thresholds(torch.tensor([0.3]), strength=0.5), 0.5 * t1)


def test_scaling_image_and_sigma_scales_the_output():
    net = random_net(1)
    x = torch.rand(1, 1, 15, 18)
    with torch.no_grad():
        torch.testing.assert_close(net(3.0 * x, 0.3), 3.0 * net(x, 0.1), rtol=1e-4, atol=1e-5)


def test_soft_shrink_matches_torch_and_passes_threshold_gradients():
    x = torch.linspace(-2, 2, 41)
    torch.testing.assert_close(soft_shrink(x, torch.tensor(0.5)), torch.nn.functional.softshrink(x, 0.5))
    t = torch.tensor(0.5, requires_grad=True)
    soft_shrink(x, t).sum().backward()
    # d/dt of sum S_t(x) = -(#x > t) + (#x < -t) = 0 by symmetry; use one side only
    t.grad = None
    soft_shrink(x[x > 0], t).sum().backward()
    assert t.grad.item() == -int((x > 0.5).sum())


def test_untrained_network_is_dct_shrinkage_with_summed_thresholds():
    # identity convolutions: 23 shrinkages by a_i sigma equal one shrinkage by sum(a_i) sigma
    from lumbarlib.dlr import dct

    net = DLRNet(initial_total_threshold=1.2)
    x = torch.rand(1, 1, 14, 19)
    basis = dct.basis_tensor()
    c = dct.analysis(x, basis)
    expected = dct.synthesis(torch.cat([c[:, :1], soft_shrink(c[:, 1:], torch.tensor(1.2 * 0.1))], 1))
    with torch.no_grad():
        torch.testing.assert_close(net(x, 0.1), expected, rtol=1e-4, atol=1e-5)


def test_parameter_table_counts_the_paper_architecture():
    net = DLRNet()
    table = dlr.parameter_table(net).set_index("layer")
    conv = table.loc["feature conversion: 22 x 3x3 convolution 48->48", "trainable parameters"]
    assert conv == 22 * 48 * 48 * 3 * 3
    assert table.loc["total", "trainable parameters"] == sum(p.numel() for p in net.parameters())
    assert table.loc["total", "trainable parameters"] == 22 * 48 * 48 * 9 + 23 * 48


def test_flop_count_agrees_with_torch_flop_counter():
    net = DLRNet(n_blocks=2)
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        net(torch.rand(1, 1, 20, 24), 0.1)
    assert dlr.flops(net, 20, 24) == pytest.approx(counter.get_total_flops(), rel=1e-9)


def test_bad_parameters_raise():
    with pytest.raises(ValueError, match="n_blocks"):
        DLRNet(n_blocks=0)
    with pytest.raises(ValueError, match="ny"):
        dlr.flops(DLRNet(n_blocks=1), 3, 10)


def test_forward_uses_no_global_random_state():
    state = torch.get_rng_state()
    np_state = np.random.get_state()[1].copy()
    random_net()(torch.rand(1, 1, 9, 9, generator=torch.Generator().manual_seed(2)), 0.1)
    assert torch.equal(state, torch.get_rng_state())
    assert np.array_equal(np_state, np.random.get_state()[1])


@pytest.mark.parametrize("strength", [0.0, 0.7, 2.0])
def test_folded_inference_form_equals_the_network(strength):
    net = random_net(3)
    with torch.no_grad():
        net.threshold_coef[1, 5] = 0.0  # a zero coefficient must not break the folding
    x = torch.rand(2, 1, 19, 26, generator=torch.Generator().manual_seed(4))
    with torch.no_grad():
        torch.testing.assert_close(dlr.fold(net)(x, strength * 0.2), net(x, 0.2, strength), rtol=1e-4, atol=1e-5)
