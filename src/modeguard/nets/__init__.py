"""Generators and discriminators."""

from modeguard.nets.mlp import PRESETS, Maxout, Preset, get_preset

__all__ = ["PRESETS", "Maxout", "Preset", "get_preset"]
