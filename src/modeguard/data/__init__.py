"""Data sets with known modes, looked up by name."""

from __future__ import annotations

from collections.abc import Callable

from modeguard.data.toy import GaussianMixture, grid, ring
from modeguard.errors import ModeguardError

DATASETS: dict[str, Callable[..., GaussianMixture]] = {"ring": ring, "grid": grid}


def get_dataset(name: str, **options: float) -> GaussianMixture:
    """Build the data set called ``name`` (``ring`` or ``grid``) with optional overrides."""
    if name not in DATASETS:
        raise ModeguardError(
            f"unknown data set {name!r}; choose one of: {', '.join(sorted(DATASETS))}"
        )
    return DATASETS[name](**options)


__all__ = ["DATASETS", "GaussianMixture", "get_dataset", "grid", "ring"]
