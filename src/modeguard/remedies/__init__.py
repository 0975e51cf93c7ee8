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
from modeguard.remedies.multigen import (
    ClassConditional,
    GeneratorBank,
    GeneratorBankRemedy,
    MADGANRemedy,
    MultiGenerator,
    PerClassGenerators,
    PerClassRemedy,
    attribution,
    madgan_d_loss,
    madgan_g_loss,
)
from modeguard.remedies.replay import ReplayBuffer, ReplayRemedy, SnapshotReplay
from modeguard.remedies.unrolled import UnrolledRemedy, unroll_discriminator, unrolled_logits

REMEDIES: dict[str, type[Remedy]] = {
    cls.name: cls
    for cls in (
        MinibatchRemedy,
        MinibatchStdRemedy,
        PacGANRemedy,
        UnrolledRemedy,
        ReplayRemedy,
        PerClassRemedy,
        MADGANRemedy,
    )
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
    for name in names:
        clash = sorted(REMEDIES[name].incompatible & set(names))
        if clash:
            raise ModeguardError(
                f"{name} cannot be combined with {', '.join(clash)} yet; run them separately"
            )
    banks = [n for n in names if issubclass(REMEDIES[n], GeneratorBankRemedy)]
    if len(banks) > 1:
        raise ModeguardError(f"choose one of {', '.join(banks)}: each replaces the generator")
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
    "ClassConditional",
    "GeneratorBank",
    "GeneratorBankRemedy",
    "MADGANRemedy",
    "MinibatchDiscrimination",
    "MinibatchRemedy",
    "MinibatchStdDev",
    "MinibatchStdRemedy",
    "MultiGenerator",
    "PacGANRemedy",
    "Pack",
    "PerClassGenerators",
    "PerClassRemedy",
    "Remedy",
    "ReplayBuffer",
    "ReplayRemedy",
    "SnapshotReplay",
    "UnrolledRemedy",
    "attribution",
    "build_remedies",
    "madgan_d_loss",
    "madgan_g_loss",
    "pack",
    "parse_remedies",
    "remedy_options",
    "unroll_discriminator",
    "unrolled_logits",
]
