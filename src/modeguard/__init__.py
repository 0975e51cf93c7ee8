"""modeguard: make GAN mode collapse visible, measurable and curable."""

__version__ = "0.1.0"

from modeguard.data import GaussianMixture, ImageData, get_dataset, grid, mnist, ring, stacked_mnist
from modeguard.errors import ModeguardError
from modeguard.metrics import ModeStats, mode_stats
from modeguard.metrics.evaluate import evaluate_samples
from modeguard.nets import PRESETS, Preset, get_preset
from modeguard.train import TrainConfig, Trainer, train

__all__ = [
    "PRESETS",
    "GaussianMixture",
    "ImageData",
    "ModeStats",
    "ModeguardError",
    "Preset",
    "TrainConfig",
    "Trainer",
    "__version__",
    "evaluate_samples",
    "get_dataset",
    "get_preset",
    "grid",
    "mnist",
    "mode_stats",
    "ring",
    "stacked_mnist",
    "train",
]
