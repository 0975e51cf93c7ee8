"""modeguard: make GAN mode collapse visible, measurable and curable."""

__version__ = "0.1.0"

from modeguard.data import GaussianMixture, get_dataset, grid, ring  # noqa: E402
from modeguard.errors import ModeguardError  # noqa: E402
from modeguard.metrics import ModeStats, mode_stats  # noqa: E402
from modeguard.nets import PRESETS, Preset, get_preset  # noqa: E402
from modeguard.train import TrainConfig, Trainer, train  # noqa: E402

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
