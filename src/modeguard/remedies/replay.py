"""Remedy 3, learning from experience: the discriminator also trains on old fakes.

- :class:`ReplayBuffer` (Shrivastava et al. 2017): a buffer of past fakes; each discriminator
  batch takes a ``fraction`` of its fakes from the buffer, and current fakes overwrite random
  entries.
- :class:`SnapshotReplay`: every ``every`` steps a batch of the generator's samples is kept; old
  fakes are drawn from the last ``keep`` snapshots (old fakes from a fixed number of iterations
  back).

Both keep detached CPU tensors and save and restore their content with
``state_dict``/``load_state_dict``. :class:`ReplayRemedy` plugs them into the trainer.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch

from modeguard.errors import ModeguardError
from modeguard.remedies.base import Remedy


def _check_fraction(fraction: float) -> None:
    if not 0.0 <= fraction <= 1.0:
        raise ModeguardError(f"replay fraction must lie in [0, 1], got {fraction}")


def mix_old_fakes(
    fakes: torch.Tensor, pool: torch.Tensor, fraction: float, generator: torch.Generator | None
) -> torch.Tensor:
    """A batch as large as ``fakes``: its last ``round(fraction * n)`` rows drawn uniformly from
    ``pool`` (as many as the pool can give without repeats), the rest the first current fakes."""
    n = fakes.shape[0]
    k = min(round(fraction * n), pool.shape[0])
    if k == 0:
        return fakes
    picks = torch.randperm(pool.shape[0], generator=generator)[:k]
    return torch.cat([fakes[: n - k], pool[picks].to(fakes.dtype)])


class ReplayBuffer:
    """A fixed-capacity buffer of past fakes (Shrivastava et al. 2017).

    ``mix(fakes)`` returns the discriminator's fake batch (a ``fraction`` of it from the buffer;
    only current fakes while the buffer is empty), then stores the current fakes: free slots are
    filled first; once full, ``round(fraction * n)`` (at least 1) random entries are overwritten.
    """

    def __init__(
        self, capacity: int, fraction: float = 0.5, generator: torch.Generator | None = None
    ) -> None:
        if capacity < 1:
            raise ModeguardError(f"replay capacity must be a positive integer, got {capacity}")
        _check_fraction(fraction)
        self.capacity, self.fraction, self.generator = capacity, fraction, generator
        self.items: torch.Tensor | None = None

    def __len__(self) -> int:
        return 0 if self.items is None else int(self.items.shape[0])

    def mix(self, fakes: torch.Tensor) -> torch.Tensor:
        """The discriminator's fake batch; then ``fakes`` are pushed."""
        fakes = fakes.detach()
        batch = fakes if self.items is None else mix_old_fakes(
            fakes, self.items, self.fraction, self.generator
        )  # fmt: skip
        self.push(fakes)
        return batch

    def push(self, fakes: torch.Tensor) -> None:
        """Store current fakes: fill free slots, then overwrite random entries."""
        fakes = fakes.detach().cpu()
        if self.items is None:
            self.items = fakes[: self.capacity].clone()
            fakes = fakes[self.capacity :]
        free = self.capacity - len(self)
        if free > 0 and len(fakes):
            self.items = torch.cat([self.items, fakes[:free]])
            return
        n_new = min(max(1, round(self.fraction * len(fakes))), len(fakes), self.capacity)
        if n_new == 0:
            return
        slots = torch.randperm(self.capacity, generator=self.generator)[:n_new]
        rows = torch.randperm(len(fakes), generator=self.generator)[:n_new]
        self.items[slots] = fakes[rows]

    def state_dict(self) -> dict[str, Any]:
        """The buffer's content."""
        return {"items": self.items}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore :meth:`state_dict`."""
        items = state.get("items")
        self.items = None if items is None else items.clone()  # never alias the saved tensor


class SnapshotReplay:
    """Old fakes from generator snapshots: every ``every`` steps the current fakes are kept, the
    last ``keep`` snapshots form the pool that ``mix`` draws a ``fraction`` of each batch from."""

    def __init__(
        self, every: int, keep: int = 5, fraction: float = 0.5,
        generator: torch.Generator | None = None,
    ) -> None:  # fmt: skip
        if every < 1 or keep < 1:
            raise ModeguardError(f"snapshot every and keep must be positive, got {every}, {keep}")
        _check_fraction(fraction)
        self.every, self.keep, self.fraction, self.generator = every, keep, fraction, generator
        self.snapshots: list[torch.Tensor] = []

    def __len__(self) -> int:
        return sum(int(s.shape[0]) for s in self.snapshots)

    def mix(self, fakes: torch.Tensor, step: int) -> torch.Tensor:
        """The discriminator's fake batch at training step ``step`` (snapshots at multiples of
        ``every``; a snapshot is used from the next step on)."""
        fakes = fakes.detach()
        batch = fakes
        if self.snapshots:
            batch = mix_old_fakes(fakes, torch.cat(self.snapshots), self.fraction, self.generator)
        if step % self.every == 0:
            self.snapshots = [*self.snapshots, fakes.cpu().clone()][-self.keep :]
        return batch

    def state_dict(self) -> dict[str, Any]:
        """The kept snapshots."""
        return {"snapshots": list(self.snapshots)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore :meth:`state_dict`."""
        self.snapshots = list(state.get("snapshots", []))


class ReplayRemedy(Remedy):
    """``--remedy replay``: a replay buffer of past fakes, or with ``--replay-every N`` generator
    snapshots every N steps."""

    name: ClassVar[str] = "replay"
    options: ClassVar[dict[str, Any]] = {
        "replay_fraction": 0.5,
        "replay_capacity": 5120,
        "replay_every": 0,
        "replay_keep": 5,
    }
    minimums: ClassVar[dict[str, int]] = {"replay_every": 0}

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        s = self.settings
        self.generator = torch.Generator().manual_seed(0)
        self.pool: ReplayBuffer | SnapshotReplay
        if s["replay_every"]:
            self.pool = SnapshotReplay(
                s["replay_every"], s["replay_keep"], s["replay_fraction"], self.generator
            )
        else:
            self.pool = ReplayBuffer(s["replay_capacity"], s["replay_fraction"], self.generator)

    def seed(self, seed: int) -> None:
        self.generator.manual_seed(seed)

    def discriminator_fakes(self, fake: torch.Tensor, step: int) -> torch.Tensor:
        if isinstance(self.pool, SnapshotReplay):
            return self.pool.mix(fake, step)
        return self.pool.mix(fake)

    def state_dict(self) -> dict[str, Any]:
        return {"pool": self.pool.state_dict(), "rng": self.generator.get_state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if "pool" in state:
            self.pool.load_state_dict(state["pool"])
            self.generator.set_state(state["rng"])
