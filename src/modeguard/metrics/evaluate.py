"""Scoring samples of a data set with known modes: one evaluator per kind of data.

An evaluator maps samples to each sample's mode and whether it is high quality
(:meth:`assign`), and to the data set's :class:`ModeStats` (:meth:`stats`). Points are scored
by their nearest center (:func:`modeguard.metrics.modes.mode_stats`); images by the classifier
(:mod:`modeguard.metrics.classifier`), one channel at a time for stacked images.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import torch

from modeguard.errors import ModeguardError
from modeguard.metrics.classifier import (
    CONFIDENCE,
    TrainedClassifier,
    cached_classifier,
    classify,
    image_mode_stats,
)
from modeguard.metrics.modes import HQ_STDS, ModeStats, assign_modes, mode_stats


class Evaluator(Protocol):
    """What the trainer and ``modeguard eval`` need to score samples."""

    def assign(self, samples: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Each sample's mode and whether it is high quality."""

    def stats(self, samples: torch.Tensor) -> ModeStats:
        """The mode metrics of ``samples``."""


class PointEvaluator:
    """Nearest-center modes and the 3-std high-quality rule, for a Gaussian mixture."""

    def __init__(self, data: Any) -> None:
        self.centers, self.std = data.centers, data.std

    def assign(self, samples: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        nearest, dist = assign_modes(samples, self.centers)
        return nearest, dist <= HQ_STDS * self.std

    def stats(self, samples: torch.Tensor) -> ModeStats:
        return mode_stats(samples, self.centers, self.std)


class ImageEvaluator:
    """Classifier modes for images in ``[-1, 1]`` (training output) or ``[0, 1]`` (``unit``).

    For stacked images each channel is classified on its own and the mode is
    ``data.mode_of(channel labels)``; a sample is high quality when every channel's label has
    probability >= ``confidence``.
    """

    def __init__(self, data: Any, classifier: TrainedClassifier, unit: bool = False,
                 confidence: float = CONFIDENCE, progress: bool = False) -> None:  # fmt: skip
        self.data, self.classifier, self.unit = data, classifier, unit
        self.confidence, self.progress = confidence, progress

    def assign(self, samples: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = samples.float() if self.unit else ((samples.float() + 1.0) / 2.0).clamp(0.0, 1.0)
        n, c = x.shape[:2]
        per = c // self.data.stack
        items = x.reshape(n * self.data.stack, per, *x.shape[2:])
        labels, probs = classify(self.classifier.model, items, progress=self.progress)
        labels = labels.view(n, self.data.stack)
        confident = (probs.view(n, self.data.stack) >= self.confidence).all(dim=1)
        return self.data.mode_of(labels), confident

    def stats(self, samples: torch.Tensor) -> ModeStats:
        modes, confident = self.assign(samples)
        return image_mode_stats(modes, self.data.n_modes, confident)


def digit_classifier(mnist_dir: str | None = None, progress: bool = True) -> TrainedClassifier:
    """The cached MNIST digit classifier (trained on the training digits)."""
    from modeguard.data.digits import load_digits

    split = load_digits(mnist_dir)
    return cached_classifier(split.train_images.unsqueeze(1), split.train_labels,
                             split.test_images.unsqueeze(1), split.test_labels, 10,
                             progress=progress)  # fmt: skip


def classifier_for(data: Any, progress: bool = False) -> TrainedClassifier:
    """The classifier that names the modes of an image data set: a folder's own, or the digit
    classifier."""
    classifier = getattr(data, "classifier", None)
    return classifier or digit_classifier(getattr(data, "mnist_dir", None), progress)


def evaluator_for(data: Any, unit: bool = False, progress: bool = False) -> Evaluator:
    """The evaluator for ``data``: points, digits (MNIST, Stacked MNIST) or a folder's images."""
    if hasattr(data, "centers"):
        return PointEvaluator(data)
    return ImageEvaluator(data, classifier_for(data, progress), unit=unit, progress=progress)


def evaluate_samples(data: Any, samples: Any, progress: bool = False) -> ModeStats:
    """Score an array of samples of ``data``: points ``[N, 2]``, or images ``[N, C, H, W]``
    (float in ``[0, 1]`` or ``uint8``) of the data set's shape."""
    if hasattr(data, "centers"):
        return PointEvaluator(data).stats(samples)
    x = torch.as_tensor(np.asarray(samples))
    shape = tuple(data.shape)
    if x.ndim != 4 or tuple(x.shape[1:]) != shape or len(x) == 0:
        raise ModeguardError(
            f"images for {data.name} must have shape [N, {', '.join(map(str, shape))}], "
            f"got {list(x.shape)}"
        )
    if x.dtype == torch.uint8:
        x = x.float() / 255.0
    elif x.is_floating_point():
        if not torch.isfinite(x).all():
            raise ModeguardError("images contain NaN or inf; remove them first")
        if x.min() < 0 or x.max() > 1:
            raise ModeguardError("float images must lie in [0, 1] (or pass uint8 images)")
    else:
        raise ModeguardError(f"images must be float in [0, 1] or uint8, got {x.dtype}")
    return evaluator_for(data, unit=True, progress=progress).stats(x.float())
