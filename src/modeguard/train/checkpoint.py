"""Checkpoints: a plain dict of nets, optimisers, RNG states, remedy state, step and config."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from modeguard.errors import ModeguardError
from modeguard.io import atomic_torch_save

FORMAT_VERSION = 1


def save_checkpoint(path: str | Path, state: dict[str, Any]) -> None:
    """Atomically write ``state`` (tensors and plain values only) to ``path``."""
    atomic_torch_save(path, {"format": FORMAT_VERSION, **state})


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint written by :func:`save_checkpoint`; never unpickles code."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several types for a corrupt or foreign file
        raise ModeguardError(
            f"cannot read checkpoint {path}: {type(exc).__name__}; delete it or start with --force"
        ) from exc
    if not isinstance(state, dict) or state.get("format") != FORMAT_VERSION:
        raise ModeguardError(f"{path} is not a modeguard checkpoint (format {FORMAT_VERSION})")
    return state
