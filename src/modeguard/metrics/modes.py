"""Mode metrics for samples of a mixture with known centers (VEEGAN and PacGAN's protocol).

A sample is *high quality* when its Euclidean distance to its nearest center is at most
``hq_stds`` (3) standard deviations. A mode is *covered* when it is the nearest center of at
least one high-quality sample. ``kl`` is KL(p || uniform) of the high-quality samples' histogram
over the modes: 0 when they spread evenly, ``log K`` when they all fall in one mode. When no
sample is high quality, the histogram is empty and ``kl`` is defined as ``log K``, the value of
total collapse, so that it stays finite and averages over seeds.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass

import numpy as np
import torch

from modeguard.errors import ModeguardError

HQ_STDS = 3.0


@dataclass(frozen=True)
class ModeStats:
    """The mode metrics of one set of samples."""

    modes: int
    n_modes: int
    hq: float
    kl: float
    histogram: list[int]

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return asdict(self)


def as_points(samples: torch.Tensor | np.ndarray, dim: int = 2) -> torch.Tensor:
    """Check ``samples`` is a finite ``[N, dim]`` array and return it as a float64 tensor."""
    points = torch.as_tensor(np.asarray(samples) if not torch.is_tensor(samples) else samples)
    if points.ndim != 2 or points.shape[1] != dim or points.shape[0] == 0:
        raise ModeguardError(
            f"samples must have shape [N, {dim}] with N >= 1, got {list(points.shape)}"
        )
    if not points.is_floating_point():
        points = points.double()
    if not torch.isfinite(points).all():
        bad = int((~torch.isfinite(points)).any(dim=1).sum())
        raise ModeguardError(f"samples contain NaN or inf in {bad} row(s); remove them first")
    return points.detach().double()


def assign_modes(
    samples: torch.Tensor | np.ndarray, centers: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Nearest center of each sample and the distance to it (ties go to the lower index)."""
    points = as_points(samples, dim=int(centers.shape[1]))
    dist = torch.cdist(points, centers.double())
    nearest_dist, nearest = dist.min(dim=1)
    return nearest, nearest_dist


def mode_stats_from_labels(labels: torch.Tensor, n_modes: int, n_samples: int) -> ModeStats:
    """Mode metrics from the mode labels of the high-quality samples only."""
    histogram = torch.bincount(labels.long(), minlength=n_modes)
    total = int(histogram.sum())
    kl = math.log(n_modes) if total == 0 else kl_from_uniform(histogram)
    return ModeStats(
        modes=int((histogram > 0).sum()),
        n_modes=n_modes,
        hq=total / n_samples,
        kl=kl,
        histogram=[int(c) for c in histogram],
    )


def kl_from_uniform(histogram: torch.Tensor) -> float:
    """KL(p || uniform) in nats of a non-empty histogram of counts: sum p log(K p)."""
    counts = histogram.double()
    p = counts / counts.sum()
    nz = p > 0
    return float((p[nz] * torch.log(p[nz] * histogram.numel())).sum())


def mode_stats(
    samples: torch.Tensor | np.ndarray,
    centers: torch.Tensor,
    std: float,
    hq_stds: float = HQ_STDS,
) -> ModeStats:
    """Modes covered, high-quality share, KL and the per-mode histogram of ``samples``."""
    nearest, dist = assign_modes(samples, centers)
    high_quality = dist <= hq_stds * std
    return mode_stats_from_labels(nearest[high_quality], int(centers.shape[0]), len(nearest))


def covered_modes(stats: ModeStats) -> frozenset[int]:
    """The set of covered modes (non-empty bins of the high-quality histogram)."""
    return frozenset(i for i, count in enumerate(stats.histogram) if count > 0)


def jaccard_distance(a: frozenset[int] | set[int], b: frozenset[int] | set[int]) -> float:
    """``1 - |a & b| / |a | b|``: 0 for the same set, 1 for disjoint sets (0 when both empty)."""
    union = len(a | b)
    return 0.0 if union == 0 else 1.0 - len(a & b) / union


def mode_churn(covered: list[frozenset[int]] | list[set[int]]) -> float | None:
    """Mode churn: the mean Jaccard distance between consecutive covered-mode sets (``None``
    with fewer than two evaluations). 0 when the generator keeps its modes, near 1 when it hops
    from mode to mode."""
    if len(covered) < 2:
        return None
    steps = [jaccard_distance(a, b) for a, b in itertools.pairwise(covered)]
    return sum(steps) / len(steps)
