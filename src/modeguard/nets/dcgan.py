"""DCGAN nets for small images (28x28 MNIST, 32x32 folders), 1 or more channels.

Generator: z -> linear -> ``4w x s/4 x s/4`` (BatchNorm, ReLU) -> transposed conv to
``2w x s/2 x s/2`` (BatchNorm, ReLU) -> transposed conv to ``C x s x s`` (tanh), with ``w = 32``.
Discriminator: conv ``2w*f`` (stride 2, LeakyReLU 0.2) -> conv ``4w*f`` (stride 2, LeakyReLU)
-> flatten -> linear logit, where ``f`` is the size factor: the Unrolled GAN paper shrinks D to
1/4 and 1/2 of G to provoke collapse. D has no BatchNorm, so its output for one sample does not
depend on the rest of the batch (which grouping remedies and unrolling rely on); it ends in
``Flatten`` and ``Linear``, where minibatch features are inserted.
"""

from __future__ import annotations

from torch import nn

from modeguard.errors import ModeguardError

WIDTH = 32


def _check_size(size: int) -> int:
    if size % 4 or size < 8:
        raise ModeguardError(f"DCGAN nets need an image size divisible by 4 (>= 8), got {size}")
    return size // 4


def dcgan_generator(z_dim: int, channels: int, size: int = 28, width: int = WIDTH) -> nn.Sequential:
    """The DCGAN generator for ``channels x size x size`` images in ``[-1, 1]``."""
    s = _check_size(size)
    return nn.Sequential(
        nn.Linear(z_dim, 4 * width * s * s),
        nn.Unflatten(1, (4 * width, s, s)),
        nn.BatchNorm2d(4 * width),
        nn.ReLU(),
        nn.ConvTranspose2d(4 * width, 2 * width, 4, stride=2, padding=1),
        nn.BatchNorm2d(2 * width),
        nn.ReLU(),
        nn.ConvTranspose2d(2 * width, channels, 4, stride=2, padding=1),
        nn.Tanh(),
    )


def dcgan_discriminator(
    channels: int, size: int = 28, factor: float = 1.0, width: int = WIDTH
) -> nn.Sequential:
    """The DCGAN discriminator with its width scaled by ``factor`` (one logit per image)."""
    s = _check_size(size)
    if factor <= 0:
        raise ModeguardError(f"the discriminator size factor must be positive, got {factor}")
    a, b = max(1, round(2 * width * factor)), max(1, round(4 * width * factor))
    return nn.Sequential(
        nn.Conv2d(channels, a, 4, stride=2, padding=1),
        nn.LeakyReLU(0.2),
        nn.Conv2d(a, b, 4, stride=2, padding=1),
        nn.LeakyReLU(0.2),
        nn.Flatten(),
        nn.Linear(b * s * s, 1),
    )
