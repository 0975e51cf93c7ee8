"""2-D Gaussian mixtures with known modes: the 8-Gaussian ring and the 25-Gaussian grid."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from modeguard.errors import ModeguardError


@dataclass(frozen=True)
class GaussianMixture:
    """An equal-weight mixture of isotropic Gaussians; each component is one mode.

    Attributes:
        name: the data set's name (``ring`` or ``grid``).
        centers: the mode centers, shape ``[K, 2]``.
        std: the standard deviation of every component.
        default_preset: the net preset used when none is named.
        eval_samples: how many samples an evaluation scores by default.
    """

    name: str
    centers: torch.Tensor
    std: float
    default_preset: str = "unrolled"
    eval_samples: int = 2500  # the VEEGAN and PacGAN protocol

    @property
    def n_modes(self) -> int:
        """The number of modes (mixture components)."""
        return int(self.centers.shape[0])

    @property
    def has_labels(self) -> bool:
        """Whether samples come with class labels (the mode of each sample)."""
        return True

    @property
    def class_probs(self) -> torch.Tensor:
        """The share of each class (mode) in the data: equal weights."""
        return torch.full((self.n_modes,), 1.0 / self.n_modes)

    @property
    def dim(self) -> int:
        """The dimension of a sample."""
        return int(self.centers.shape[1])

    def sample(
        self, n: int, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Draw ``n`` points; returns ``(points [n, 2] float32, mode labels [n] int64)``."""
        if n <= 0:
            raise ModeguardError(f"sample size must be positive, got {n}")
        labels = torch.randint(self.n_modes, (n,), generator=generator)
        noise = torch.randn(n, self.dim, generator=generator)
        return self.centers[labels] + self.std * noise, labels


def ring(n_modes: int = 8, radius: float = 1.0, std: float = 0.01) -> GaussianMixture:
    """Gaussians at angles ``2*pi*i/n_modes`` on a circle (defaults: VEEGAN and PacGAN's ring)."""
    if n_modes < 1 or radius <= 0 or std <= 0:
        raise ModeguardError(
            f"ring needs n_modes >= 1, radius > 0 and std > 0; got {n_modes}, {radius}, {std}"
        )
    angles = torch.arange(n_modes, dtype=torch.float64) * (2 * math.pi / n_modes)
    centers = radius * torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)
    return GaussianMixture("ring", centers.float(), float(std))


def grid(size: int = 5, spacing: float = 2.0, std: float = 0.05) -> GaussianMixture:
    """Gaussians on a ``size x size`` lattice centred at 0 (defaults: {-4,-2,0,2,4}^2)."""
    if size < 1 or spacing <= 0 or std <= 0:
        raise ModeguardError(
            f"grid needs size >= 1, spacing > 0 and std > 0; got {size}, {spacing}, {std}"
        )
    axis = (torch.arange(size, dtype=torch.float64) - (size - 1) / 2) * spacing
    xs, ys = torch.meshgrid(axis, axis, indexing="ij")
    centers = torch.stack([xs.reshape(-1), ys.reshape(-1)], dim=1)
    return GaussianMixture("grid", centers.float(), float(std))
