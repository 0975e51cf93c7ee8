import copy

import pytest
import torch
from torch import nn
from torch.func import functional_call

from modeguard.errors import ModeguardError
from modeguard.remedies import unroll_discriminator, unrolled_logits
from modeguard.train import TrainConfig, Trainer
from modeguard.train.losses import d_loss_bce, g_loss_non_saturating


def _tiny(dtype=torch.float64):
    torch.manual_seed(0)
    gen = nn.Linear(2, 2).to(dtype)
    disc = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)).to(dtype)
    opt = torch.optim.Adam(disc.parameters(), lr=0.05, betas=(0.5, 0.9))
    z, real = torch.randn(6, 2, dtype=dtype), torch.randn(6, 2, dtype=dtype) + 1.0
    d_loss_bce(disc(real), disc(gen(z).detach())).backward()  # one real step: Adam state != 0
    opt.step()
    opt.zero_grad()
    return gen, disc, opt, z, real


def _generator_loss(gen, disc, opt, z, real, steps, second_order=True):
    fake = gen(z)
    critic = unrolled_logits(disc, opt, d_loss_bce, real, fake, steps, second_order)
    return g_loss_non_saturating(critic(fake))


def test_zero_steps_is_the_plain_gan():
    gen, disc, opt, z, real = _tiny()
    params = unroll_discriminator(disc, opt, d_loss_bce, real, gen(z), steps=0)
    for name, p in disc.named_parameters():
        assert torch.equal(params[name], p)
    plain = torch.autograd.grad(g_loss_non_saturating(disc(gen(z))), list(gen.parameters()))
    fake = gen(z)
    functional = g_loss_non_saturating(functional_call(disc, params, (fake,)))
    for a, b in zip(plain, torch.autograd.grad(functional, list(gen.parameters())), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_trainer_with_zero_unroll_trains_as_the_plain_gan():
    base = dict(steps=5, batch_size=32, eval_samples=100, eval_every=5)
    plain = Trainer(TrainConfig(**base))
    unrolled = Trainer(TrainConfig(remedy="unrolled", unroll=0, **base))
    for _ in range(3):
        plain.train_step()
        unrolled.train_step()
    for a, b in zip(plain.generator.parameters(), unrolled.generator.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_gradient_through_the_unroll_matches_finite_differences():
    gen, disc, opt, z, real = _tiny()
    loss = _generator_loss(gen, disc, opt, z, real, steps=3)
    grads = torch.autograd.grad(loss, list(gen.parameters()))
    h = 1e-6
    for param, grad in zip(gen.parameters(), grads, strict=True):
        numeric = torch.zeros_like(param)
        for i in range(param.numel()):
            flat = param.data.view(-1)
            original = flat[i].item()
            flat[i] = original + h
            up = _generator_loss(gen, disc, opt, z, real, steps=3).item()
            flat[i] = original - h
            down = _generator_loss(gen, disc, opt, z, real, steps=3).item()
            flat[i] = original
            numeric.view(-1)[i] = (up - down) / (2 * h)
        torch.testing.assert_close(grad, numeric, rtol=1e-5, atol=1e-8)


def test_look_ahead_leaves_the_real_discriminator_untouched():
    gen, disc, opt, z, real = _tiny()
    before_params = copy.deepcopy(disc.state_dict())
    before_opt = copy.deepcopy(opt.state_dict())
    _generator_loss(gen, disc, opt, z, real, steps=4).backward()
    for k, v in disc.state_dict().items():
        torch.testing.assert_close(v, before_params[k], rtol=0, atol=0)
    after_opt = opt.state_dict()
    for idx, state in before_opt["state"].items():
        for key, value in state.items():
            torch.testing.assert_close(after_opt["state"][idx][key], value, rtol=0, atol=0)
    assert all(p.grad is None or p.grad.abs().sum() == 0 for p in disc.parameters())


def test_first_order_skips_the_second_order_term():
    gen, disc, opt, z, real = _tiny()
    second = torch.autograd.grad(
        _generator_loss(gen, disc, opt, z, real, steps=3), list(gen.parameters())
    )
    first = torch.autograd.grad(
        _generator_loss(gen, disc, opt, z, real, steps=3, second_order=False),
        list(gen.parameters()),
    )
    assert not torch.allclose(first[0], second[0], rtol=1e-3)
    # first order = the plain gradient against the unrolled parameters held constant
    fake = gen(z).detach()
    params = unroll_discriminator(disc, opt, d_loss_bce, real, fake, steps=3, second_order=False)
    by_hand = torch.autograd.grad(
        g_loss_non_saturating(functional_call(disc, params, (gen(z),))), list(gen.parameters())
    )
    for a, b in zip(first, by_hand, strict=True):
        torch.testing.assert_close(a, b)


def test_unroll_matches_torch_adam_steps():
    gen, disc, opt, z, real = _tiny(torch.float64)
    fake = gen(z).detach()
    params = unroll_discriminator(disc, opt, d_loss_bce, real, fake, steps=3, second_order=False)
    for _ in range(3):
        opt.zero_grad()
        d_loss_bce(disc(real), disc(fake)).backward()
        opt.step()
    for name, p in disc.named_parameters():
        torch.testing.assert_close(params[name], p.detach(), rtol=1e-9, atol=1e-12)


def test_dead_unit_gives_finite_gradients():
    gen, disc, opt, z, real = _tiny()
    with torch.no_grad():
        disc[0].weight[0].zero_()  # a unit whose output weight gets no gradient
        disc[2].weight[0, 0] = 0.0
    opt.state.clear()  # fresh Adam: v = 0 where the gradient is 0
    loss = _generator_loss(gen, disc, opt, z, real, steps=2)
    for grad in torch.autograd.grad(loss, list(gen.parameters())):
        assert torch.isfinite(grad).all()


def test_options():
    assert TrainConfig(remedy="unrolled").resolve().unroll == 5
    with pytest.raises(ModeguardError, match="unroll must be an integer >= 0"):
        TrainConfig(remedy="unrolled", unroll=-1).resolve()
    with pytest.raises(ModeguardError, match="--unroll applies only to --remedy unrolled"):
        TrainConfig(unroll=3).resolve()
    settings = TrainConfig(remedy="pacgan+unrolled", unroll=2).resolve().remedy_settings()
    assert settings == {
        "pacgan": {"pack": 2},
        "unrolled": {"unroll": 2, "unroll_first_order": False},
    }
