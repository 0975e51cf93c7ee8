"""Fully connected nets for 2-D data, and the presets: nets bundled with their papers'
hyperparameters (``unrolled`` and ``pacgan`` for points, ``dcgan`` for images)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from modeguard.errors import ModeguardError
from modeguard.nets.dcgan import dcgan_discriminator, dcgan_generator


class Maxout(nn.Module):
    """A linear layer whose ``units`` outputs are each the maximum of ``pieces`` affine pieces."""

    def __init__(self, in_features: int, units: int, pieces: int) -> None:
        super().__init__()
        self.units, self.pieces = units, pieces
        self.linear = nn.Linear(in_features, units * pieces)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(x).view(*x.shape[:-1], self.units, self.pieces).amax(dim=-1)


def _orthogonal(module: nn.Module, gain: float = 1.4) -> nn.Module:
    """Orthogonal weights (gain 1.4) and zero biases, as the Unrolled GAN notebook."""
    for layer in module.modules():
        if isinstance(layer, nn.Linear):
            nn.init.orthogonal_(layer.weight, gain=gain)
            nn.init.zeros_(layer.bias)
    return module


def tanh_mlp(in_dim: int, out_dim: int, hidden: int = 128, layers: int = 2) -> nn.Sequential:
    """``layers`` tanh layers of ``hidden`` units and a linear output (Unrolled GAN's 2-D nets)."""
    parts: list[nn.Module] = []
    for i in range(layers):
        parts += [nn.Linear(in_dim if i == 0 else hidden, hidden), nn.Tanh()]
    parts.append(nn.Linear(hidden, out_dim))
    return _orthogonal(nn.Sequential(*parts))


def bn_relu_generator(
    z_dim: int, out_dim: int, hidden: int = 400, layers: int = 4
) -> nn.Sequential:
    """``layers`` Linear-BatchNorm-ReLU blocks and a linear output (PacGAN's 2-D generator)."""
    parts: list[nn.Module] = []
    for i in range(layers):
        parts += [nn.Linear(z_dim if i == 0 else hidden, hidden), nn.BatchNorm1d(hidden), nn.ReLU()]
    parts.append(nn.Linear(hidden, out_dim))
    return nn.Sequential(*parts)


def maxout_discriminator(
    in_dim: int, units: int = 200, pieces: int = 5, layers: int = 3
) -> nn.Sequential:
    """``layers`` maxout layers and a linear logit (PacGAN's 2-D discriminator)."""
    parts: list[nn.Module] = [
        Maxout(in_dim if i == 0 else units, units, pieces) for i in range(layers)
    ]
    parts.append(nn.Linear(units, 1))
    return nn.Sequential(*parts)


@dataclass(frozen=True)
class Preset:
    """A named bundle of nets and hyperparameters from the literature.

    ``build_generator(z_dim, out_dim, size)`` and ``build_discriminator(in_dim, size, factor)``
    make fresh nets; ``out_dim``/``in_dim`` are features of points or channels of images,
    ``size`` is the image side (``None`` for points) and ``factor`` scales the discriminator's
    width. The discriminator returns one logit per input row; ``in_dim`` grows when a remedy
    packs samples. ``images`` tells whether the preset is for images.
    """

    name: str
    z_dim: int
    batch_size: int
    g_lr: float
    d_lr: float
    betas: tuple[float, float]
    build_generator: Callable[[int, int, int | None], nn.Module]
    build_discriminator: Callable[[int, int | None, float], nn.Module]
    source: str
    images: bool = False


PRESETS: dict[str, Preset] = {
    "unrolled": Preset(
        name="unrolled",
        z_dim=256,
        batch_size=512,
        g_lr=1e-3,
        d_lr=1e-4,
        betas=(0.5, 0.999),
        build_generator=lambda z_dim, out_dim, size: tanh_mlp(z_dim, out_dim),
        build_discriminator=lambda in_dim, size, factor: tanh_mlp(in_dim, 1, _width(128, factor)),
        source="Unrolled GAN reference notebook (Metz et al. 2017)",
    ),
    "pacgan": Preset(
        name="pacgan",
        z_dim=2,
        batch_size=100,
        g_lr=1e-4,
        d_lr=1e-4,
        betas=(0.8, 0.999),
        build_generator=lambda z_dim, out_dim, size: bn_relu_generator(z_dim, out_dim),
        build_discriminator=lambda in_dim, size, factor: maxout_discriminator(
            in_dim, _width(200, factor)
        ),
        source="PacGAN and VEEGAN 2-D protocol (Lin et al. 2018, Srivastava et al. 2017)",
    ),
    "dcgan": Preset(
        name="dcgan",
        z_dim=100,
        batch_size=64,
        g_lr=2e-4,
        d_lr=2e-4,
        betas=(0.5, 0.999),
        build_generator=lambda z_dim, out_dim, size: dcgan_generator(z_dim, out_dim, size or 28),
        build_discriminator=lambda in_dim, size, factor: dcgan_discriminator(
            in_dim, size or 28, factor
        ),
        source="DCGAN (Radford et al. 2016), sized for 28x28 and 32x32 images",
        images=True,
    ),
}


def _width(units: int, factor: float) -> int:
    if factor <= 0:
        raise ModeguardError(f"the discriminator size factor must be positive, got {factor}")
    return max(1, round(units * factor))


def get_preset(name: str) -> Preset:
    """The preset called ``name`` (``unrolled``, ``pacgan`` or ``dcgan``)."""
    if name not in PRESETS:
        raise ModeguardError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}")
    return PRESETS[name]
