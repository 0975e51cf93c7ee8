"""Training: config, losses, the loop and its checkpoints."""

from modeguard.train.config import TrainConfig
from modeguard.train.losses import LOSSES, get_loss
from modeguard.train.trainer import Trainer, train

__all__ = ["LOSSES", "TrainConfig", "Trainer", "get_loss", "train"]
