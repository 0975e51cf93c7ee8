"""A user's labelled image folders: ``PATH/<class>/<image>``, one subfolder per class.

Images are read with Pillow, converted to RGB and resized to ``size x size``; files Pillow
cannot read are skipped and counted in one warning. Classes (subfolder names, sorted) are the
modes. Every fifth image of each class (sorted by file name) is held out to measure the
classifier that counts the classes a generator covers; it is trained on the rest, which are
also the GAN's training images.
"""

from __future__ import annotations

import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from modeguard.data.digits import ImageData, held_out_mask
from modeguard.errors import ModeguardError


def _read(path: Path, size: int) -> np.ndarray | None:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            rgb = image.convert("RGB").resize((size, size), Image.Resampling.BILINEAR)
            return np.asarray(rgb, dtype=np.uint8).transpose(2, 0, 1).copy()
    except (OSError, UnidentifiedImageError, ValueError):
        return None


def read_image_folder(
    path: str | Path, size: int = 32
) -> tuple[torch.Tensor, torch.Tensor, tuple[str, ...], int]:
    """Images ``uint8 [N, 3, size, size]``, labels, class names and the count of skipped files."""
    root = Path(path)
    if not root.is_dir():
        raise ModeguardError(
            f"folder:{root} is not a folder; give a folder with one subfolder per class"
        )
    if size % 4 or size < 8:
        raise ModeguardError(f"--image-size must be a multiple of 4 and at least 8, got {size}")
    classes = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not classes:
        raise ModeguardError(
            f"folder:{root} has no class subfolders; put each class's images in PATH/<class>/"
        )
    images, labels, skipped = [], [], 0
    for label, name in enumerate(classes):
        files = sorted(
            p for p in (root / name).iterdir() if p.is_file() and not p.name.startswith(".")
        )
        read = [x for x in (_read(f, size) for f in files) if x is not None]
        skipped += len(files) - len(read)
        if len(read) < 2:
            raise ModeguardError(
                f"class {name!r} in folder:{root} has {len(read)} readable image(s); each class "
                "needs at least 2 (one is held out to test the classifier)"
            )
        images += read
        labels += [label] * len(read)
    if skipped:
        warnings.warn(f"folder:{root}: skipped {skipped} file(s) that are not readable images",
                      stacklevel=2)  # fmt: skip
    return torch.from_numpy(np.stack(images)), torch.tensor(labels), tuple(classes), skipped


@lru_cache(maxsize=4)
def image_folder(path: str, size: int = 32, progress: bool = True) -> ImageData:
    """The folder as a data set with its own trained classifier (held-out accuracy in
    ``data.classifier.accuracy``)."""
    from modeguard.metrics.classifier import cached_classifier

    images, labels, classes, _ = read_image_folder(path, size)
    held_out = held_out_mask(labels)
    classifier = cached_classifier(images[~held_out], labels[~held_out], images[held_out],
                                   labels[held_out], len(classes), progress=progress)  # fmt: skip
    return ImageData(f"folder:{path}", images[~held_out], labels[~held_out], len(classes),
                     source=f"folder:{Path(path).resolve()}", class_names=classes,
                     classifier=classifier)  # fmt: skip
