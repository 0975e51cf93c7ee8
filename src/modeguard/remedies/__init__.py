"""Remedies against mode collapse, each usable on its own or through the trainer."""

from __future__ import annotations

from modeguard.errors import ModeguardError

REMEDIES: tuple[str, ...] = ()


def parse_remedies(spec: str) -> list[str]:
    """Split a ``+``-joined remedy spec (``none`` for a plain GAN) and check every name."""
    if not isinstance(spec, str) or not spec.strip():
        raise ModeguardError("remedy must be a name such as 'none'")
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
