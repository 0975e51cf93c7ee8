"""Collapse metrics."""

from modeguard.metrics.modes import ModeStats, assign_modes, kl_from_uniform, mode_stats

__all__ = ["ModeStats", "assign_modes", "kl_from_uniform", "mode_stats"]
