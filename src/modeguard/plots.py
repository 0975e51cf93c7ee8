"""Sample plots: 2-D samples over the mode centers and their high-quality circles."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure

from modeguard.data.toy import GaussianMixture
from modeguard.io import atomic_write_bytes
from modeguard.metrics.modes import HQ_STDS


def draw_samples(ax: plt.Axes, samples: np.ndarray, data: GaussianMixture, title: str = "") -> None:
    """Scatter ``samples`` on ``ax`` over ``data``'s centers with their 3-std circles."""
    centers = data.centers.numpy()
    ax.scatter(samples[:, 0], samples[:, 1], s=2, alpha=0.4, color="tab:blue", linewidths=0)
    for cx, cy in centers:
        ax.add_patch(
            plt.Circle((cx, cy), HQ_STDS * data.std, fill=False, color="tab:red", linewidth=0.8)
        )
    ax.scatter(centers[:, 0], centers[:, 1], s=6, color="tab:red", marker="x", linewidths=0.8)
    span = np.abs(centers).max() * 1.5 + 10 * data.std
    ax.set_xlim(-span, span)
    ax.set_ylim(-span, span)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=9)


def samples_figure(samples: np.ndarray, data: GaussianMixture, title: str = "") -> Figure:
    """One panel of final samples."""
    fig, ax = plt.subplots(figsize=(4, 4))
    draw_samples(ax, samples, data, title)
    fig.tight_layout()
    return fig


def progress_figure(
    snapshots: Sequence[tuple[int, np.ndarray]], data: GaussianMixture, title: str = ""
) -> Figure:
    """Samples at several points of training side by side (Unrolled GAN, Figure 1)."""
    n = max(len(snapshots), 1)
    fig, axes = plt.subplots(1, n, figsize=(2.2 * n, 2.5), squeeze=False)
    for ax, (step, samples) in zip(axes[0], snapshots, strict=False):
        draw_samples(ax, samples, data, f"step {step}")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def attribution_figure(
    samples: np.ndarray, index: np.ndarray, data: GaussianMixture, title: str = ""
) -> Figure:
    """Final samples coloured by the generator that made them, over the mode centers."""
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    draw_samples(ax, samples[:0], data, title)  # centers and circles only
    k = int(index.max()) + 1 if len(index) else 1
    cmap = plt.get_cmap("tab10" if k <= 10 else "tab20" if k <= 20 else "gist_ncar")
    for g in range(k):
        pts = samples[index == g]
        ax.scatter(pts[:, 0], pts[:, 1], s=3, alpha=0.6, color=cmap(g % cmap.N), linewidths=0,
                   label=f"G{g}" if k <= 10 else None)  # fmt: skip
    if k <= 10:
        ax.legend(fontsize=6, markerscale=3, loc="upper right")
    fig.tight_layout()
    return fig


def curves_figure(history: Sequence[dict], title: str = "") -> Figure:
    """Modes covered and mode churn over training, from the trainer's evaluation history."""
    steps = [h["step"] for h in history]
    fig, (left, right) = plt.subplots(1, 2, figsize=(8, 2.8))
    left.plot(steps, [h["modes"] for h in history], marker=".", color="tab:blue")
    left.set_xlabel("step")
    left.set_ylabel("modes covered")
    churn = [(h["step"], h["churn"]) for h in history if h.get("churn") is not None]
    right.plot([s for s, _ in churn], [c for _, c in churn], marker=".", color="tab:orange")
    right.set_ylim(-0.05, 1.05)
    right.set_xlabel("step")
    right.set_ylabel("mode churn (Jaccard)")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def tile(images: torch.Tensor | np.ndarray, columns: int = 8) -> np.ndarray:
    """Images ``[N, C, H, W]`` in ``[0, 1]`` as one ``[rows*H, columns*W, 3]`` (or gray) array;
    a 3-channel image is shown as RGB, other channel counts by their first channel."""
    x = np.asarray(images, dtype=np.float32)
    n, c, h, w = x.shape
    rows = max(1, -(-n // columns))
    canvas = np.ones((rows * h, columns * w, 3 if c == 3 else 1), dtype=np.float32)
    for i in range(n):
        r, col = divmod(i, columns)
        item = x[i].transpose(1, 2, 0) if c == 3 else x[i, :1].transpose(1, 2, 0)
        canvas[r * h : (r + 1) * h, col * w : (col + 1) * w] = item
    return canvas if c == 3 else canvas[..., 0]


def image_grid_figure(images: torch.Tensor | np.ndarray, title: str = "") -> Figure:
    """A grid of images in ``[0, 1]`` (8 per row)."""
    grid = tile(images)
    fig, ax = plt.subplots(figsize=(6, 6 * grid.shape[0] / grid.shape[1] + 0.4))
    ax.imshow(grid, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


def image_progress_figure(
    rows: Sequence[tuple[int | str, torch.Tensor | np.ndarray]], title: str = ""
) -> Figure:
    """One row of images per entry (a training step, or a generator), labelled on the left."""
    rows = [(label, imgs) for label, imgs in rows if len(imgs)]
    fig, axes = plt.subplots(max(1, len(rows)), 1, figsize=(8, 1.1 * max(1, len(rows)) + 0.4),
                             squeeze=False)  # fmt: skip
    for ax, (label, imgs) in zip(axes[:, 0], rows, strict=False):
        ax.imshow(tile(imgs, columns=16), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_ylabel(f"step {label}" if isinstance(label, int) else str(label), fontsize=7)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig


def figure_png(fig: Figure, dpi: int = 100) -> bytes:
    """Render ``fig`` to PNG bytes and close it."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    plt.close(fig)
    return buffer.getvalue()


def save_figure(fig: Figure, path: str | Path, dpi: int = 100) -> None:
    """Atomically write ``fig`` as a PNG file and close it."""
    atomic_write_bytes(path, figure_png(fig, dpi))
