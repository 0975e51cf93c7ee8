"""Data sets with known modes, looked up by name: points (``ring``, ``grid``), digits
(``mnist``, ``stacked-mnist``) and a user's labelled image folders (``folder:PATH``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from modeguard.data.digits import ImageData, mnist, stacked_mnist
from modeguard.data.toy import GaussianMixture, grid, ring
from modeguard.errors import ModeguardError

DATASETS: dict[str, Callable[..., Any]] = {"ring": ring, "grid": grid}
IMAGE_DATASETS: dict[str, Callable[..., ImageData]] = {
    "mnist": mnist,
    "stacked-mnist": stacked_mnist,
}
FOLDER_PREFIX = "folder:"


def is_image_data(name: str) -> bool:
    """Whether the data set called ``name`` holds images."""
    return name in IMAGE_DATASETS or name.startswith(FOLDER_PREFIX)


def get_dataset(
    name: str, *, mnist_dir: str | None = None, image_size: int = 32, **options: float
) -> GaussianMixture | ImageData:
    """Build the data set called ``name`` with optional overrides.

    ``mnist_dir`` points the digit data sets at a full MNIST on disk; ``image_size`` is the side
    that a folder's images are resized to. Image data sets are loaded once per process.
    """
    if mnist_dir is not None and name not in IMAGE_DATASETS:
        raise ModeguardError("--mnist-dir applies only to --data mnist or stacked-mnist")
    if name in DATASETS:
        return DATASETS[name](**options)
    if name in IMAGE_DATASETS:
        return _cached_images(name, mnist_dir)
    if name.startswith(FOLDER_PREFIX):
        from modeguard.data.folder import image_folder

        return image_folder(name[len(FOLDER_PREFIX) :], image_size)
    choices = ", ".join([*sorted(DATASETS), *IMAGE_DATASETS, "folder:PATH"])
    raise ModeguardError(f"unknown data set {name!r}; choose one of: {choices}")


@lru_cache(maxsize=4)
def _cached_images(name: str, mnist_dir: str | None) -> ImageData:
    return IMAGE_DATASETS[name](mnist_dir)


__all__ = [
    "DATASETS",
    "IMAGE_DATASETS",
    "GaussianMixture",
    "ImageData",
    "get_dataset",
    "grid",
    "is_image_data",
    "mnist",
    "ring",
    "stacked_mnist",
]
