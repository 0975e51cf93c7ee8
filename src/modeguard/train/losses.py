"""GAN losses as plain functions of discriminator logits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from modeguard.errors import ModeguardError


def d_loss_bce(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """The discriminator's cross-entropy: -log D(real) - log(1 - D(fake)), batch means."""
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def g_loss_non_saturating(fake_logits: torch.Tensor) -> torch.Tensor:
    """The non-saturating generator loss: -log D(G(z))."""
    return F.softplus(-fake_logits).mean()


def g_loss_minimax(fake_logits: torch.Tensor) -> torch.Tensor:
    """The minimax generator loss: log(1 - D(G(z))) (saturates when D wins)."""
    return -F.softplus(fake_logits).mean()


@dataclass(frozen=True)
class Loss:
    """A pair of discriminator and generator losses on logits."""

    name: str
    d: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    g: Callable[[torch.Tensor], torch.Tensor]


LOSSES: dict[str, Loss] = {
    "non-saturating": Loss("non-saturating", d_loss_bce, g_loss_non_saturating),
    "minimax": Loss("minimax", d_loss_bce, g_loss_minimax),
}


def get_loss(name: str) -> Loss:
    """The loss pair called ``name`` (``non-saturating`` or ``minimax``)."""
    if name not in LOSSES:
        raise ModeguardError(f"unknown loss {name!r}; choose one of: {', '.join(LOSSES)}")
    return LOSSES[name]
