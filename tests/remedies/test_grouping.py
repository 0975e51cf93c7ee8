import math

import pytest
import torch
from torch import nn

from modeguard.errors import ModeguardError
from modeguard.remedies import (
    MinibatchDiscrimination,
    MinibatchStdDev,
    Pack,
    build_remedies,
    pack,
)
from modeguard.train import TrainConfig, Trainer, train


def test_pack_shapes_and_order_for_vectors_and_images():
    x = torch.arange(12.0).view(6, 2)
    packed = pack(x, 3)
    assert packed.shape == (2, 6)
    torch.testing.assert_close(packed[0], torch.cat([x[0], x[1], x[2]]))
    torch.testing.assert_close(packed[1], torch.cat([x[3], x[4], x[5]]))
    images = torch.randn(4, 3, 5, 5)
    packed = pack(images, 2)
    assert packed.shape == (2, 6, 5, 5)
    torch.testing.assert_close(packed[1], torch.cat([images[2], images[3]]))


def test_pack_keeps_real_and_fake_apart():
    real, fake = torch.zeros(4, 2), torch.ones(4, 2)
    layer = Pack(2)
    assert torch.equal(layer(real), torch.zeros(2, 4))
    assert torch.equal(layer(fake), torch.ones(2, 4))


def test_pack_refuses_an_indivisible_batch():
    with pytest.raises(ModeguardError, match="batch of 5 samples is not a multiple of the pack"):
        pack(torch.zeros(5, 2), 2)
    with pytest.raises(ModeguardError, match="not a multiple of the PacGAN pack size 3"):
        TrainConfig(remedy="pacgan", pack=3, batch_size=64).resolve()


def test_minibatch_features_identical_versus_distinct_by_hand():
    layer = MinibatchDiscrimination(in_features=1, kernels=1, kernel_dim=1)
    with torch.no_grad():
        layer.T.fill_(1.0)
    same = layer(torch.full((4, 1), 0.7))
    assert same.shape == (4, 2)
    torch.testing.assert_close(same[:, 1], torch.full((4,), 3.0))  # n - 1 = 3 neighbours at 0
    out = layer(torch.tensor([[0.0], [1.0], [3.0]]))
    e = math.exp
    expected = torch.tensor([e(-1) + e(-3), e(-1) + e(-2), e(-3) + e(-2)])
    torch.testing.assert_close(out[:, 1], expected)
    torch.testing.assert_close(out[:, 0], torch.tensor([0.0, 1.0, 3.0]))


def test_minibatch_features_l1_over_kernel_dim():
    layer = MinibatchDiscrimination(in_features=2, kernels=2, kernel_dim=2)
    with torch.no_grad():  # kernel 0 reads (x0, x1), kernel 1 reads (2*x0, 0)
        layer.T.copy_(torch.tensor([[1.0, 0.0, 2.0, 0.0], [0.0, 1.0, 0.0, 0.0]]))
    out = layer(torch.tensor([[0.0, 0.0], [1.0, 2.0]]))
    assert out.shape == (2, 4)
    torch.testing.assert_close(out[:, 2], torch.full((2,), math.exp(-3)))  # |1| + |2|
    torch.testing.assert_close(out[:, 3], torch.full((2,), math.exp(-2)))  # |2| + 0


def test_minibatch_stddev_by_hand_on_vectors():
    x = torch.tensor([[0.0], [1.0], [2.0], [1.0]])
    out = MinibatchStdDev(group_size=2, eps=0.0)(x)
    # groups by i mod 2: {0, 2} -> values 0, 2 (std 1); {1, 3} -> values 1, 1 (std 0)
    torch.testing.assert_close(out, torch.tensor([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [1.0, 0.0]]))


def test_minibatch_stddev_on_feature_maps():
    x = torch.zeros(4, 3, 2, 2)
    x[1] = 2.0  # group of 4: per-feature std is sqrt(0.75) everywhere
    out = MinibatchStdDev(group_size=4, eps=0.0)(x)
    assert out.shape == (4, 4, 2, 2)
    torch.testing.assert_close(out[:, 3], torch.full((4, 2, 2), math.sqrt(0.75)))
    torch.testing.assert_close(out[:, :3], x)
    with pytest.raises(ModeguardError, match="not a multiple of the minibatch-std group size 4"):
        MinibatchStdDev(4)(torch.zeros(6, 3))


@pytest.mark.parametrize("spec", ["minibatch", "mbstd", "pacgan", "pacgan+mbstd"])
def test_gradients_reach_the_generator(spec):
    torch.manual_seed(0)
    remedies = build_remedies(spec, {"pack": 2})
    in_dim = 2
    for r in remedies:
        in_dim = r.discriminator_in_dim(in_dim)
    disc = nn.Sequential(nn.Linear(in_dim, 8), nn.Tanh(), nn.Linear(8, 1))
    for r in remedies:
        disc = r.wrap_discriminator(disc)
    gen = nn.Linear(3, 2)
    logits = disc(gen(torch.randn(8, 3)))
    assert logits.shape == (8 // (2 if "pacgan" in spec else 1), 1)
    logits.sum().backward()
    assert gen.weight.grad is not None and torch.isfinite(gen.weight.grad).all()
    assert gen.weight.grad.abs().sum() > 0


def test_minibatch_layer_couples_samples():
    torch.manual_seed(0)
    layer = MinibatchDiscrimination(3, kernels=4, kernel_dim=2)
    x = torch.randn(5, 3, requires_grad=True)
    layer(x)[0, 3:].sum().backward()  # features of sample 0 only
    assert x.grad[1:].abs().sum() > 0  # depend on the other samples


def test_trainer_records_settings_and_runs(tmp_path):
    config = TrainConfig(remedy="pacgan+minibatch", pack=4, mbd_kernels=10, steps=10,
                         eval_every=5, batch_size=64, eval_samples=200)  # fmt: skip
    summary = train(config, tmp_path / "run", progress=False)
    assert summary["remedy_settings"] == {
        "pacgan": {"pack": 4}, "minibatch": {"mbd_kernels": 10, "mbd_kernel_dim": 5}}  # fmt: skip
    assert "pack: 4" in (tmp_path / "run" / "config.yaml").read_text()
    assert Trainer(config).discriminator[1].in_features == 8


def test_remedy_option_without_its_remedy_is_refused():
    with pytest.raises(ModeguardError, match="--pack applies only to --remedy pacgan"):
        TrainConfig(remedy="none", pack=2).resolve()
    with pytest.raises(ModeguardError, match="pack must be a positive integer"):
        TrainConfig(remedy="pacgan", pack=0).resolve()
