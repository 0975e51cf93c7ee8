"""Remedy 2, anticipating counter-actions: the unrolled GAN (Metz et al. 2017).

For the generator's step, the discriminator is looked ahead: starting from its parameters and its
Adam state, ``k`` Adam updates are taken on a functional copy, on the current real batch and the
current fakes, and the generator's loss is computed against the copy. By default gradients flow
through the unroll (second order), so the generator sees how the discriminator would react; the
first-order option treats the unrolled parameters as constants. The real discriminator and its
optimiser are never changed by the look-ahead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import torch
from torch import nn
from torch.func import functional_call

from modeguard.remedies.base import Remedy

TINY = 1e-30  # keeps d sqrt(v)/dv finite where v = 0 (a dead unit), so gradients stay finite

Logits = Callable[[torch.Tensor], torch.Tensor]
DLoss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def unroll_discriminator(
    disc: nn.Module,
    optimizer: torch.optim.Adam,
    d_loss: DLoss,
    real: torch.Tensor,
    fake: torch.Tensor,
    steps: int,
    second_order: bool = True,
) -> dict[str, torch.Tensor]:
    """``disc``'s parameters after ``steps`` Adam updates on ``(real, fake)``, continuing from
    ``optimizer``'s state (moments and step count) and hyperparameters.

    With ``second_order``, the result is a differentiable function of ``fake`` (and so of the
    generator); otherwise it is detached. Nothing in ``disc`` or ``optimizer`` is modified.
    """
    group = optimizer.param_groups[0]
    lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
    names = [name for name, _ in disc.named_parameters()]
    # Fresh leaves: the generator's gradient flows through ``fake``; D's own .grad stays clean.
    params = [p.detach().requires_grad_() for p in disc.parameters()]
    exp_avg, exp_avg_sq, count = [], [], []
    for p in disc.parameters():
        state = optimizer.state.get(p, {})
        exp_avg.append(state["exp_avg"].clone() if "exp_avg" in state else torch.zeros_like(p))
        exp_avg_sq.append(
            state["exp_avg_sq"].clone() if "exp_avg_sq" in state else torch.zeros_like(p)
        )
        count.append(float(state["step"]) if "step" in state else 0.0)
    fake_in = fake if second_order else fake.detach()
    for _ in range(steps):
        current = dict(zip(names, params, strict=True))
        loss = d_loss(
            functional_call(disc, current, (real,)), functional_call(disc, current, (fake_in,))
        )
        grads = torch.autograd.grad(loss, params, create_graph=second_order)
        new_params = []
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            count[i] += 1
            exp_avg[i] = beta1 * exp_avg[i] + (1 - beta1) * g
            exp_avg_sq[i] = beta2 * exp_avg_sq[i] + (1 - beta2) * g * g
            m_hat = exp_avg[i] / (1 - beta1 ** count[i])
            v_hat = exp_avg_sq[i] / (1 - beta2 ** count[i])
            step = lr * m_hat / ((v_hat + TINY).sqrt() + eps)
            new_params.append(p - step if second_order else (p - step).detach().requires_grad_())
        params = new_params
    result = dict(zip(names, params, strict=True))
    return result if second_order else {k: v.detach() for k, v in result.items()}


def unrolled_logits(
    disc: nn.Module,
    optimizer: torch.optim.Adam,
    d_loss: DLoss,
    real: torch.Tensor,
    fake: torch.Tensor,
    steps: int,
    second_order: bool = True,
) -> Logits:
    """A function ``x -> logits`` of the discriminator looked ``steps`` updates ahead."""
    if steps == 0:
        return disc
    params = unroll_discriminator(disc, optimizer, d_loss, real, fake, steps, second_order)
    buffers = dict(disc.named_buffers())
    return lambda x: functional_call(disc, {**params, **buffers}, (x,))


class UnrolledRemedy(Remedy):
    """``--remedy unrolled --unroll K``: the generator is trained against D unrolled K steps."""

    name: ClassVar[str] = "unrolled"
    options: ClassVar[dict[str, Any]] = {"unroll": 5, "unroll_first_order": False}
    minimums: ClassVar[dict[str, int]] = {"unroll": 0}

    def generator_critic(
        self,
        disc: nn.Module,
        optimizer: torch.optim.Optimizer,
        d_loss: DLoss,
        real: torch.Tensor,
        fake: torch.Tensor,
    ) -> Logits:
        if not isinstance(optimizer, torch.optim.Adam):
            raise TypeError("the unrolled remedy needs the discriminator's Adam optimiser")
        return unrolled_logits(
            disc, optimizer, d_loss, real, fake, self.settings["unroll"],
            second_order=not self.settings["unroll_first_order"],
        )  # fmt: skip
