"""Files in and out: atomic writes (a finished file is never half-written) and sample loading."""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from modeguard.errors import ModeguardError


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename, so readers never see
    a partial file and a crash leaves the old content in place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    """Atomically write UTF-8 ``text`` to ``path``."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | Path, obj: Any) -> None:
    """Atomically write ``obj`` as indented JSON."""
    atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


def atomic_torch_save(path: str | Path, obj: Any) -> None:
    """Atomically ``torch.save`` a dict of tensors and plain values."""
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    atomic_write_bytes(path, buffer.getvalue())


def load_array(path: str | Path) -> np.ndarray:
    """Read an array from ``.npy``, ``.npz`` (its only or first array) or ``.csv`` (comma
    separated numbers, an optional header line). Never unpickles."""
    path = Path(path)
    if not path.is_file():
        raise ModeguardError(f"cannot read {path}: no such file")
    suffix = path.suffix.lower()
    try:
        if suffix == ".npy":
            return np.load(path, allow_pickle=False)
        if suffix == ".npz":
            with np.load(path, allow_pickle=False) as archive:
                if not archive.files:
                    raise ModeguardError(f"cannot read {path}: the .npz archive holds no array")
                return archive[archive.files[0]]
        if suffix == ".csv":
            return _load_csv(path)
    except ModeguardError:
        raise
    except (ValueError, OSError, EOFError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModeguardError(f"cannot read {path}: {first_line}") from exc
    raise ModeguardError(f"cannot read {path}: unsupported file type; use .npy, .npz or .csv")


def _load_csv(path: Path) -> np.ndarray:
    with open(path, encoding="utf-8") as f:
        lines = [line for line in f.read().splitlines() if line.strip()]
    if lines and not _is_numeric_row(lines[0]):
        lines = lines[1:]  # a header
    if not lines:
        raise ModeguardError(f"cannot read {path}: the CSV file holds no rows of numbers")
    return np.loadtxt(lines, delimiter=",", ndmin=2)


def _is_numeric_row(line: str) -> bool:
    try:
        [float(cell) for cell in line.split(",")]
    except ValueError:
        return False
    return True
