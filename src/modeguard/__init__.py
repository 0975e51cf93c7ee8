"""modeguard: make GAN mode collapse visible, measurable and curable."""

__version__ = "0.1.0"

from modeguard.data import GaussianMixture, get_dataset, grid, ring
from modeguard.errors import ModeguardError
from modeguard.metrics import ModeStats, mode_stats
from modeguard.nets import PRESETS, Preset, get_preset
from modeguard.train import TrainConfig, Trainer, train

__all__ = [
    "PRESETS",
    "GaussianMixture",
    "ModeStats",
    "ModeguardError",
    "Preset",
    "TrainConfig",
    "Trainer",
    "__version__",
    "get_dataset",
    "get_preset",
    "grid",
    "mode_stats",
    "ring",
    "train",
]
