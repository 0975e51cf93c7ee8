"""The small interface through which the trainer uses a remedy.

A remedy changes only the phase it is about; every hook defaults to the plain GAN. A remedy owns
its state: ``state_dict``/``load_state_dict`` go into the run's checkpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import torch
from torch import nn


class Remedy:
    """Base class of the trainer's remedies.

    Attributes:
        name: the name used in ``--remedy`` specs.
        options: the remedy's parameters and their defaults (each is a ``TrainConfig`` field).
        minimums: the smallest allowed value of an integer option (1 unless given).
        incompatible: remedies this one cannot be combined with (yet).
        wraps_last: wrap the discriminator after every other remedy (an outer wrapper).
    """

    name: ClassVar[str] = "none"
    options: ClassVar[dict[str, Any]] = {}
    minimums: ClassVar[dict[str, int]] = {}
    incompatible: ClassVar[frozenset[str]] = frozenset()
    wraps_last: ClassVar[bool] = False

    def __init__(self, **settings: Any) -> None:
        self.settings = {**self.options, **settings}

    def seed(self, seed: int) -> None:
        """Seed the remedy's own randomness (called once by the trainer)."""

    def discriminator_fakes(self, fake: torch.Tensor, step: int) -> torch.Tensor:
        """The fakes the discriminator trains on at ``step`` (replay mixes in old ones)."""
        return fake

    def discriminator_in_dim(self, in_dim: int) -> int:
        """The input width the discriminator must be built with (packing multiplies it)."""
        return in_dim

    def wrap_discriminator(self, disc: nn.Sequential) -> nn.Module:
        """The discriminator to train: ``disc`` with the remedy's layers added."""
        return disc

    def generator_critic(
        self,
        disc: nn.Module,
        optimizer: torch.optim.Optimizer,
        d_loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
        real: torch.Tensor,
        fake: torch.Tensor,
    ) -> Callable[[torch.Tensor], torch.Tensor] | None:
        """The discriminator the generator is trained against, or ``None`` for ``disc`` itself
        (the unrolled remedy returns a look-ahead copy)."""
        return None

    def state_dict(self) -> dict[str, Any]:
        """The remedy's own state, for the checkpoint."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore :meth:`state_dict`."""

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.settings.items())
        return f"{type(self).__name__}({args})"
