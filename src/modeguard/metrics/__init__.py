"""Collapse metrics."""

from modeguard.metrics.modes import (
    ModeStats,
    assign_modes,
    covered_modes,
    jaccard_distance,
    kl_from_uniform,
    mode_churn,
    mode_stats,
)

__all__ = [
    "ModeStats",
    "assign_modes",
    "covered_modes",
    "jaccard_distance",
    "kl_from_uniform",
    "mode_churn",
    "mode_stats",
]
