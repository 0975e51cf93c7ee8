"""Remedies against mode collapse, each usable on its own or through the trainer.

The trainer takes a ``+``-joined spec such as ``pacgan+unrolled``; :func:`build_remedies` turns
it into :class:`Remedy` objects with their settings.
"""

from __future__ import annotations

from typing import Any

from modeguard.errors import ModeguardError
from modeguard.remedies.base import Remedy
from modeguard.remedies.grouping import (
    MinibatchDiscrimination,
    MinibatchRemedy,
    MinibatchStdDev,
    MinibatchStdRemedy,
    PacGANRemedy,
    Pack,
    pack,
)
from modeguard.remedies.replay import ReplayBuffer, ReplayRemedy, SnapshotReplay
from modeguard.remedies.unrolled import UnrolledRemedy, unroll_discriminator, unrolled_logits

REMEDIES: dict[str, type[Remedy]] = {
    cls.name: cls
    for cls in (MinibatchRemedy, MinibatchStdRemedy, PacGANRemedy, UnrolledRemedy, ReplayRemedy)
}


def remedy_options() -> dict[str, str]:
    """Every remedy option and the remedy it belongs to."""
    return {option: cls.name for cls in REMEDIES.values() for option in cls.options}


def parse_remedies(spec: str) -> list[str]:
    """Split a ``+``-joined remedy spec (``none`` for a plain GAN) and check every name."""
    if not isinstance(spec, str) or not spec.strip():
        raise ModeguardError("remedy must be a name such as 'none' or 'pacgan+unrolled'")
    names = [part.strip() for part in spec.split("+")]
    if names == ["none"]:
        return []
    for name in names:
        if name not in REMEDIES:
            choices = ", ".join(("none", *REMEDIES))
            raise ModeguardError(f"unknown remedy {name!r}; choose from: {choices}")
    if len(set(names)) != len(names):
        raise ModeguardError(f"remedy {spec!r} names a remedy twice; name each once")
    return names


def build_remedies(spec: str, settings: dict[str, Any] | None = None) -> list[Remedy]:
    """The remedies of ``spec``, each given its options from ``settings`` (others default)."""
    settings = settings or {}
    return [
        REMEDIES[name](**{k: settings[k] for k in REMEDIES[name].options if k in settings})
        for name in parse_remedies(spec)
    ]


__all__ = [
    "REMEDIES",
    "MinibatchDiscrimination",
    "MinibatchRemedy",
    "MinibatchStdDev",
    "MinibatchStdRemedy",
    "PacGANRemedy",
    "Pack",
    "Remedy",
    "ReplayBuffer",
    "ReplayRemedy",
    "SnapshotReplay",
    "UnrolledRemedy",
    "build_remedies",
    "pack",
    "parse_remedies",
    "remedy_options",
    "unroll_discriminator",
    "unrolled_logits",
]
