"""Suites: named grids of runs (data x preset x remedies x seeds), kept as YAML files.

A suite file looks like this (``configs/suites/quick.yaml`` in the package)::

    name: quick
    description: what it shows
    seeds: 3                      # a count (seeds 0..N-1) or a list of seeds
    base: {steps: 1000}           # TrainConfig fields shared by every run
    data: [ring, grid]
    presets: [unrolled]
    remedies:                     # a spec, or a mapping with `remedy`, options and `label`
      - none
      - {remedy: pacgan, pack: 4}
    references:                   # optional published figures shown beside ours
      - {data: ring, variant: none, source: "PacGAN Table 1", modes: 6.3}
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from modeguard.errors import ModeguardError
from modeguard.train.config import TrainConfig

SUITE_KEYS = {"name", "description", "seeds", "base", "data", "presets", "remedies", "references"}


@dataclass(frozen=True)
class Run:
    """One run of a suite: its resolved configuration and the variant it belongs to."""

    config: TrainConfig
    variant: str


@dataclass(frozen=True)
class Suite:
    """A validated suite, expanded into runs."""

    name: str
    description: str
    runs: list[Run]
    references: list[dict[str, Any]] = field(default_factory=list)


def builtin_suites() -> list[str]:
    """Names of the suites shipped with modeguard."""
    folder = resources.files("modeguard") / "configs" / "suites"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_suite(name_or_path: str | Path, seeds: int | None = None) -> Suite:
    """Load a built-in suite by name, or a suite file; ``seeds`` overrides its seed count."""
    text, where = _read(name_or_path)
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ModeguardError(f"suite {where}: not valid YAML ({exc.__class__.__name__})") from exc
    return parse_suite(raw, where, seeds)


def _read(name_or_path: str | Path) -> tuple[str, str]:
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise ModeguardError(f"suite file {path} does not exist")
        return path.read_text(encoding="utf-8"), str(path)
    name = str(name_or_path)
    if name not in builtin_suites():
        raise ModeguardError(
            f"unknown suite {name!r}; choose one of {', '.join(builtin_suites())} or a .yaml file"
        )
    resource = resources.files("modeguard") / "configs" / "suites" / f"{name}.yaml"
    return resource.read_text(encoding="utf-8"), name


def parse_suite(raw: Any, where: str = "<suite>", seeds: int | None = None) -> Suite:
    """Validate a suite mapping and expand it into runs (every run's config is resolved)."""

    def fail(message: str) -> ModeguardError:
        return ModeguardError(f"suite {where}: {message}")

    if not isinstance(raw, dict):
        raise fail("must be a mapping with data, remedies and seeds")
    unknown = sorted(set(raw) - SUITE_KEYS)
    if unknown:
        raise fail(f"unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(SUITE_KEYS))}")
    seed_list = _seeds(raw.get("seeds", 3) if seeds is None else seeds, fail)
    base = raw.get("base") or {}
    if not isinstance(base, dict):
        raise fail("base must be a mapping of TrainConfig fields")
    data_names = _string_list(raw.get("data"), "data", fail)
    presets = _string_list(raw.get("presets", [None]), "presets", fail, allow_none=True)
    entries = raw.get("remedies", ["none"])
    if not isinstance(entries, list) or not entries:
        raise fail("remedies must be a non-empty list")
    runs: list[Run] = []
    labels: set[str] = set()
    for i, entry in enumerate(entries):
        options, label = _remedy_entry(entry, i, fail)
        if label in labels:
            raise fail(f"remedies[{i}]: label {label!r} appears twice; give a distinct `label`")
        labels.add(label)
        for data in data_names:
            for preset in presets:
                try:
                    config = TrainConfig.from_dict({**base, **options, "data": data})
                    if preset is not None:
                        config = replace(config, preset=preset)
                    config = config.resolve()
                except ModeguardError as exc:
                    raise fail(f"remedies[{i}] ({label}) on {data}: {exc}") from None
                except TypeError as exc:
                    raise fail(f"remedies[{i}] ({label}): {exc}") from None
                runs.extend(Run(replace(config, seed=s), label) for s in seed_list)
    references = raw.get("references") or []
    if not isinstance(references, list) or not all(isinstance(r, dict) for r in references):
        raise fail("references must be a list of mappings")
    return Suite(str(raw.get("name", where)), str(raw.get("description", "")), runs, references)


def _seeds(value: Any, fail: Any) -> list[int]:
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 1:
            raise fail(f"seeds must be a positive count or a list of seeds, got {value}")
        return list(range(value))
    ok = isinstance(value, list) and value and all(
        isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in value
    )  # fmt: skip
    if not ok or len(set(value)) != len(value):
        raise fail(
            f"seeds must be a positive count or a list of distinct seeds >= 0, got {value!r}"
        )
    return list(value)


def _string_list(value: Any, key: str, fail: Any, allow_none: bool = False) -> list:
    if isinstance(value, str):
        value = [value]
    ok = isinstance(value, list) and value and all(
        isinstance(v, str) or (allow_none and v is None) for v in value
    )  # fmt: skip
    if not ok:
        raise fail(f"{key} must be a name or a non-empty list of names, got {value!r}")
    return value


def _remedy_entry(entry: Any, i: int, fail: Any) -> tuple[dict[str, Any], str]:
    if isinstance(entry, str):
        return {"remedy": entry}, entry
    if not isinstance(entry, dict) or "remedy" not in entry:
        raise fail(f"remedies[{i}] must be a remedy spec or a mapping with `remedy`")
    options = {k: v for k, v in entry.items() if k != "label"}
    extras = " ".join(f"{k}={v}" for k, v in options.items() if k != "remedy")
    label = entry.get("label") or (f"{entry['remedy']} {extras}".strip())
    return options, str(label)
