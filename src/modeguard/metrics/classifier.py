"""The classifier that names the mode of an image: MNIST digits, Stacked MNIST channels, or the
classes of a user's image folders.

A small CNN (two conv-ReLU-maxpool blocks and two linear layers) trained here, without any
download, seeded and on one thread, so the same data give the same weights. It is trained once
and cached under ``$MODEGUARD_CACHE`` (default ``~/.cache/modeguard``), keyed by a hash of the
training data and the recipe; loading uses ``torch.load(..., weights_only=True)``.

Image mode metrics (:func:`image_mode_stats`), as the PacGAN and VEEGAN Stacked MNIST protocol:
each image's mode is the classifier's argmax (per channel for stacked images, mode =
``100a + 10b + c``); modes covered = non-empty bins over all samples; ``kl`` = ``sum p log(K p)``
over the bins. ``hq`` (modeguard's own, not the papers') is the share of samples whose every
channel the classifier names with probability at least ``confidence`` (0.9).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from modeguard.errors import ModeguardError
from modeguard.io import atomic_torch_save
from modeguard.metrics.modes import ModeStats, kl_from_uniform

RECIPE = "cnn-v1:epochs=15,min_steps=300,batch=64,adam=1e-3,cosine,dropout=0.3,shift=2,seed=0"
CONFIDENCE = 0.9


class ImageClassifier(nn.Module):
    """conv(32)-ReLU-pool, conv(64)-ReLU-pool, linear(128)-ReLU-dropout, linear(n_classes)."""

    def __init__(self, channels: int, size: int, n_classes: int) -> None:
        super().__init__()
        self.channels, self.size, self.n_classes = channels, size, n_classes
        self.features = nn.Sequential(
            nn.Conv2d(channels, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        )  # fmt: skip
        self.head = nn.Sequential(
            nn.Flatten(), nn.Linear(64 * (size // 4) ** 2, 128), nn.ReLU(), nn.Dropout(0.3),
            nn.Linear(128, n_classes),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of images ``[N, C, H, W]`` in ``[0, 1]``."""
        return self.head(self.features(x))


@dataclass
class TrainedClassifier:
    """A classifier and its accuracy on the held-out images."""

    model: ImageClassifier
    accuracy: float
    n_test: int


def cache_dir() -> Path:
    """Where trained classifiers are cached: ``$MODEGUARD_CACHE`` or ``~/.cache/modeguard``."""
    return Path(os.environ.get("MODEGUARD_CACHE") or Path.home() / ".cache" / "modeguard")


def _key(*tensors: torch.Tensor) -> str:
    digest = hashlib.sha256(RECIPE.encode())
    for t in tensors:
        digest.update(str(tuple(t.shape)).encode())
        digest.update(t.contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


def _shift(x: torch.Tensor, generator: torch.Generator, max_shift: int = 2) -> torch.Tensor:
    """Each image moved by a random whole-pixel offset in ``[-max_shift, max_shift]``."""
    padded = F.pad(x, [max_shift] * 4)
    size = x.shape[-1]
    out = torch.empty_like(x)
    offsets = torch.randint(2 * max_shift + 1, (len(x), 2), generator=generator)
    for i, (dy, dx) in enumerate(offsets.tolist()):
        out[i] = padded[i, :, dy : dy + size, dx : dx + size]
    return out


def train_classifier(
    images: torch.Tensor,
    labels: torch.Tensor,
    test_images: torch.Tensor,
    test_labels: torch.Tensor,
    n_classes: int,
    epochs: int = 15,
    progress: bool = True,
) -> TrainedClassifier:
    """Train the CNN on ``uint8`` images ``[N, C, H, W]`` for ``epochs`` (more for a small
    data set: at least 300 updates); report held-out accuracy."""
    if len(images) == 0 or len(test_images) == 0:
        raise ModeguardError("the classifier needs training and held-out images")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the same weights on every machine of a kind
    try:
        torch.manual_seed(0)
        rng = torch.Generator().manual_seed(0)
        c, h, _ = images.shape[1:]
        model = ImageClassifier(c, h, n_classes)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        x, y = images.float() / 255.0, labels.long()
        batches = (len(x) + 63) // 64
        epochs = max(epochs, -(-300 // batches))
        steps = epochs * batches
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, steps)
        bar = tqdm(total=steps, desc="classifier", disable=not progress, leave=False)
        for _ in range(epochs):
            order = torch.randperm(len(x), generator=rng)
            for start in range(0, len(x), 64):
                rows = order[start : start + 64]
                loss = F.cross_entropy(model(_shift(x[rows], rng)), y[rows])
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                schedule.step()
                bar.update(1)
        bar.close()
        model.eval()
        predicted, _ = classify(model, test_images.float() / 255.0, progress=False)
        accuracy = float((predicted == test_labels).double().mean())
    finally:
        torch.set_num_threads(threads)
    return TrainedClassifier(model, accuracy, len(test_labels))


def cached_classifier(
    images: torch.Tensor,
    labels: torch.Tensor,
    test_images: torch.Tensor,
    test_labels: torch.Tensor,
    n_classes: int,
    progress: bool = True,
) -> TrainedClassifier:
    """:func:`train_classifier`, trained once per data set and cached (see the module)."""
    path = cache_dir() / f"classifier-{_key(images, labels, test_images, test_labels)}.pt"
    c, h, _ = images.shape[1:]
    if path.is_file():
        try:
            saved = torch.load(path, map_location="cpu", weights_only=True)
            model = ImageClassifier(c, h, n_classes)
            model.load_state_dict(saved["model"])
            model.eval()
            return TrainedClassifier(model, float(saved["accuracy"]), int(saved["n_test"]))
        except Exception:  # a corrupt or foreign cache file: train again
            pass
    trained = train_classifier(images, labels, test_images, test_labels, n_classes,
                               progress=progress)  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {"model": trained.model.state_dict(), "accuracy": trained.accuracy,
             "n_test": trained.n_test}  # fmt: skip
    atomic_torch_save(path, state)
    return trained


@torch.no_grad()
def classify(
    model: nn.Module, images: torch.Tensor, batch: int = 2000, progress: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    """Labels and their probabilities for images ``[N, C, H, W]`` in ``[0, 1]``."""
    labels, probs = [], []
    for start in tqdm(range(0, len(images), batch), desc="classify", disable=not progress,
                      leave=False):  # fmt: skip
        p = F.softmax(model(images[start : start + batch].float()), dim=1)
        top, label = p.max(dim=1)
        labels.append(label)
        probs.append(top)
    return torch.cat(labels), torch.cat(probs)


def image_mode_stats(
    modes: torch.Tensor, n_modes: int, confident: torch.Tensor | None = None
) -> ModeStats:
    """Mode metrics from each sample's mode: covered = non-empty bins, ``kl`` = sum p log(K p),
    ``hq`` = share of ``confident`` samples (all when not given)."""
    if len(modes) == 0:
        raise ModeguardError("no samples to score")
    histogram = torch.bincount(modes.long(), minlength=n_modes)
    hq = 1.0 if confident is None else float(confident.double().mean())
    return ModeStats(
        modes=int((histogram > 0).sum()),
        n_modes=n_modes,
        hq=hq,
        kl=kl_from_uniform(histogram),
        histogram=[int(c) for c in histogram],
    )
