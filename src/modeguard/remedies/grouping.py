"""Remedy 1, grouping: the discriminator judges groups of samples, so it can see missing variety.

- :class:`MinibatchDiscrimination` (Salimans et al. 2016) appends to each sample's features its
  closeness to the other samples of the batch.
- :class:`MinibatchStdDev` (Karras et al. 2018) appends the mean standard deviation of a group.
- :func:`pack` (PacGAN, Lin et al. 2018) concatenates ``m`` samples into one discriminator input.

Each is a plain PyTorch layer or function for a user's own loop; :class:`MinibatchRemedy`,
:class:`MinibatchStdRemedy` and :class:`PacGANRemedy` plug them into the trainer.
"""

from __future__ import annotations

from typing import ClassVar

import torch
from torch import nn

from modeguard.errors import ModeguardError
from modeguard.remedies.base import Remedy


def pack(x: torch.Tensor, m: int) -> torch.Tensor:
    """Concatenate each run of ``m`` consecutive samples into one: ``[N, F, ...]`` becomes
    ``[N/m, m*F, ...]`` (features of vectors, channels of images), in order."""
    n = x.shape[0]
    if m < 1:
        raise ModeguardError(f"pack size must be a positive integer, got {m}")
    if n % m:
        raise ModeguardError(
            f"batch of {n} samples is not a multiple of the pack size {m}; "
            f"choose a batch size divisible by {m}"
        )
    return x.reshape(n // m, m * x.shape[1], *x.shape[2:])


class Pack(nn.Module):
    """:func:`pack` as a layer, to put in front of a discriminator built for ``m`` times the
    input width. Real packs must be made of real samples only and fake packs of fakes only:
    call the discriminator on real and fake batches separately."""

    def __init__(self, m: int) -> None:
        super().__init__()
        self.m = m

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return pack(x, self.m)

    def extra_repr(self) -> str:
        return f"m={self.m}"


class MinibatchDiscrimination(nn.Module):
    """Salimans et al.'s minibatch discrimination layer.

    With features ``f_i`` of width A and the learned tensor T (A x B x C), ``M_i = f_i T`` is a
    B x C matrix; ``o(x_i)_b = sum_{j != i} exp(-||M_{i,b} - M_{j,b}||_1)``. The output is
    ``[f_i, o(x_i)]`` of width A + B. As in the authors' code, a sample is not compared with
    itself, so a batch of n identical samples gives ``o = n - 1`` for every kernel. Its cost is
    quadratic in the batch size (about 0.7 s per step at batch 512, 100 kernels, on one CPU
    core; see ``benchmarks/bench_minibatch.py``).
    """

    def __init__(self, in_features: int, kernels: int = 100, kernel_dim: int = 5) -> None:
        super().__init__()
        self.kernels, self.kernel_dim = kernels, kernel_dim
        self.T = nn.Parameter(torch.randn(in_features, kernels * kernel_dim) * 0.1)

    @property
    def extra_features(self) -> int:
        """How many features the layer appends."""
        return self.kernels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        m = (x @ self.T).view(-1, self.kernels, self.kernel_dim).transpose(0, 1)  # [B, N, C]
        l1 = torch.cdist(m, m, p=1)  # [B, N, N]; 4x faster than broadcasting [N, N, B, C]
        closeness = torch.exp(-l1).sum(dim=2) - 1.0  # drop the sample's own exp(0) = 1
        return torch.cat([x, closeness.T], dim=1)


class MinibatchStdDev(nn.Module):
    """Karras et al.'s minibatch standard deviation layer, on vectors ``[N, F]`` or feature maps
    ``[N, C, H, W]``.

    The batch is split into groups of ``group_size`` (sample i is in group ``i mod N/G``, as in
    the authors' code); for each group, the standard deviation of every feature over the group
    is averaged into one number, appended to each member as one extra feature (or channel).
    """

    extra_features = 1

    def __init__(self, group_size: int = 4, eps: float = 1e-8) -> None:
        super().__init__()
        self.group_size, self.eps = group_size, eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = x.shape[0]
        g = min(self.group_size, n)
        if n % g:
            raise ModeguardError(
                f"batch of {n} samples is not a multiple of the minibatch-std group size {g}; "
                f"choose a batch size divisible by {g}"
            )
        groups = x.reshape(g, n // g, *x.shape[1:])
        std = (groups.var(dim=0, unbiased=False) + self.eps).sqrt()  # [N/g, F, ...]
        per_group = std.flatten(1).mean(dim=1)  # [N/g]
        feature = per_group.repeat(g)  # member i of the batch gets its group's value
        shape = (n, 1, *x.shape[2:])
        return torch.cat([x, feature.view(n, *([1] * (x.dim() - 1))).expand(shape)], dim=1)

    def extra_repr(self) -> str:
        return f"group_size={self.group_size}"


def insert_before_head(disc: nn.Sequential, layer: nn.Module, extra: int) -> nn.Sequential:
    """``disc`` with ``layer`` put before its final linear layer, which grows by ``extra`` inputs
    (a fresh head initialised by PyTorch's default)."""
    head = disc[-1]
    if not isinstance(head, nn.Linear):
        raise ModeguardError(
            "this discriminator does not end in a linear layer, so the grouping layer has no "
            "place; add it to your discriminator by hand"
        )
    new_head = nn.Linear(head.in_features + extra, head.out_features)
    return nn.Sequential(*disc[:-1], layer, new_head)


class MinibatchRemedy(Remedy):
    """``--remedy minibatch``: minibatch discrimination before the discriminator's head."""

    name: ClassVar[str] = "minibatch"
    options: ClassVar[dict[str, int]] = {"mbd_kernels": 100, "mbd_kernel_dim": 5}

    def wrap_discriminator(self, disc: nn.Sequential) -> nn.Sequential:
        head = disc[-1]
        in_features = head.in_features if isinstance(head, nn.Linear) else 0
        layer = MinibatchDiscrimination(
            in_features, self.settings["mbd_kernels"], self.settings["mbd_kernel_dim"]
        )
        return insert_before_head(disc, layer, layer.extra_features)


class MinibatchStdRemedy(Remedy):
    """``--remedy mbstd``: minibatch standard deviation before the discriminator's head."""

    name: ClassVar[str] = "mbstd"
    options: ClassVar[dict[str, int]] = {"mbstd_group": 4}

    def wrap_discriminator(self, disc: nn.Sequential) -> nn.Sequential:
        return insert_before_head(disc, MinibatchStdDev(self.settings["mbstd_group"]), 1)


class PacGANRemedy(Remedy):
    """``--remedy pacgan --pack m``: the discriminator judges packs of ``m`` samples."""

    name: ClassVar[str] = "pacgan"
    options: ClassVar[dict[str, int]] = {"pack": 2}

    def discriminator_in_dim(self, in_dim: int) -> int:
        return in_dim * self.settings["pack"]

    def wrap_discriminator(self, disc: nn.Sequential) -> nn.Sequential:
        return nn.Sequential(Pack(self.settings["pack"]), *disc)
