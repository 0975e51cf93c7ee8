"""Remedy 4, multiple networks: several generators cover what one cannot.

- :class:`GeneratorBank`: K generators (optionally sharing all but their last layer) that
  produce sample i with generator ``index[i]``; each generator only ever sees the gradients of
  its own samples.
- :class:`PerClassGenerators`: one generator per class of labelled data; classes are drawn in
  the data's proportions. The discriminator is **one shared discriminator conditioned on the
  class** (:class:`ClassConditional`: a one-hot class code concatenated to its input), so it
  judges whether a sample is a good member of *its* class; one D instead of K keeps the cost
  at about one GAN's discriminator.
- :class:`MultiGenerator` and MAD-GAN (Ghosh et al. 2018, :func:`madgan_d_loss`,
  :func:`madgan_g_loss`): the
  discriminator has K + 1 outputs (0 = real, k = made by generator k) and learns to tell the
  generators apart, which pushes them onto different modes; each generator tries to be
  classified as real.

:func:`attribution` tells which generator covers which modes. :class:`PerClassRemedy` and
:class:`MADGANRemedy` plug these into the trainer.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from modeguard.errors import ModeguardError
from modeguard.remedies.base import Remedy

Loss = Any  # modeguard.train.losses.Loss (not imported: remedies sit below train)
MAX_PER_CLASS = 100  # per-class refuses more classes (Stacked MNIST's 1,000 modes)


class GeneratorBank(nn.Module):
    """K generators; ``forward(z, index)`` makes sample i with generator ``index[i]``.

    With ``share``, the generators share every layer before the last layer with weights
    (``build()`` must return an ``nn.Sequential``): one trunk and K heads (that layer and any
    activation after it), as MAD-GAN's shared variant.
    """

    def __init__(self, build: Callable[[], nn.Module], k: int, share: bool = False) -> None:
        super().__init__()
        if k < 1:
            raise ModeguardError(f"the number of generators must be positive, got {k}")
        self.k, self.share = k, share
        if share:
            first = build()
            if not isinstance(first, nn.Sequential) or len(first) < 2:
                raise ModeguardError("shared generators need an nn.Sequential of 2+ layers")
            cut = max(i for i, layer in enumerate(first) if any(True for _ in layer.parameters()))
            self.trunk: nn.Module = first[:cut]  # the heads: the last layer with weights, on
            self.heads = nn.ModuleList([first[cut:], *(build()[cut:] for _ in range(k - 1))])
        else:
            self.trunk = nn.Identity()
            self.heads = nn.ModuleList([build() for _ in range(k)])

    def forward(self, z: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
        hidden = self.trunk(z)
        order, parts = [], []
        for k, head in enumerate(self.heads):
            rows = torch.nonzero(index == k).flatten()
            if rows.numel():
                order.append(rows)
                parts.append(head(hidden[rows]))
        out = torch.cat(parts)
        return out[torch.argsort(torch.cat(order))]  # back to the order of ``index``


class PerClassGenerators(GeneratorBank):
    """One generator per class; :meth:`draw` picks classes in the data's proportions.

    ``forward(z, labels)`` makes sample i with the generator of class ``labels[i]``.
    """

    def __init__(self, build: Callable[[], nn.Module], class_probs: torch.Tensor) -> None:
        probs = torch.as_tensor(class_probs, dtype=torch.float64)
        if probs.ndim != 1 or len(probs) < 1 or (probs < 0).any() or probs.sum() <= 0:
            raise ModeguardError("class_probs must be a non-empty vector of shares >= 0")
        super().__init__(build, len(probs))
        self.class_probs = probs / probs.sum()

    def draw(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` class labels in the data's proportions (see :func:`stratified_draw`)."""
        return stratified_draw(n, self.class_probs, generator)


class MultiGenerator(GeneratorBank):
    """MAD-GAN's K generators; :meth:`draw` gives each an equal block of the batch.

    With ``share``, the generators share every layer but the last.
    """

    def draw(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Generator indices for ``n`` fakes: K contiguous, (almost) equal blocks."""
        return generator_blocks(n, self.k)


def stratified_draw(n: int, probs: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """``n`` labels, shuffled: class k appears ``floor(n p_k)`` times, and the remaining labels
    are drawn with weights ``n p_k - floor(n p_k)``, so each class's expected count is exactly
    ``n p_k`` and no class is left out of a batch by chance."""
    share = probs.double() / probs.double().sum() * n
    base = torch.floor(share.round(decimals=6)).long()  # 0.5 * 10 may come out as 4.9999999
    while int(base.sum()) > n:  # only when rounding pushed the floors over n
        base[torch.argmax(base - share)] -= 1
    rest = n - int(base.sum())
    if rest:
        base += torch.bincount(
            torch.multinomial(share - base, rest, replacement=True, generator=generator),
            minlength=len(probs),
        )
    labels = torch.repeat_interleave(torch.arange(len(probs)), base)
    return labels[torch.randperm(n, generator=generator)]


def generator_blocks(n: int, k: int) -> torch.Tensor:
    """``n`` generator indices in K contiguous, (almost) equal blocks: MAD-GAN's batch."""
    return torch.arange(n) * k // n


class ClassConditional(nn.Module):
    """A discriminator conditioned on the class: ``forward(x, labels)`` = ``disc([x, onehot])``
    (``disc`` is built for ``x``'s width, or channels, plus ``n_classes``; for images the
    one-hot code is appended as constant channels)."""

    def __init__(self, disc: nn.Module, n_classes: int) -> None:
        super().__init__()
        self.disc, self.n_classes = disc, n_classes

    def forward(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        code = F.one_hot(labels, self.n_classes).to(x.dtype)
        if x.ndim == 4:  # images: the code as constant extra channels
            code = code[:, :, None, None].expand(-1, -1, *x.shape[2:])
            return self.disc(torch.cat([x, code], dim=1))
        return self.disc(torch.cat([x.flatten(1), code], dim=1))


def madgan_d_loss(disc: nn.Module, real: torch.Tensor, fake: torch.Tensor,
                  index: torch.Tensor) -> torch.Tensor:  # fmt: skip
    """MAD-GAN's discriminator loss: cross-entropy with target 0 for real samples and k + 1
    for the fakes of generator k (the two batch means added)."""
    real_logits, fake_logits = disc(real), disc(fake)
    zeros = torch.zeros(len(real), dtype=torch.long)
    return F.cross_entropy(real_logits, zeros) + F.cross_entropy(fake_logits, index + 1)


def madgan_g_loss(disc: nn.Module, fake: torch.Tensor) -> torch.Tensor:
    """MAD-GAN's (non-saturating) generator loss: -log D_real(G_k(z)), the batch mean."""
    return F.cross_entropy(disc(fake), torch.zeros(len(fake), dtype=torch.long))


def attribution(
    modes: torch.Tensor, hq: torch.Tensor, index: torch.Tensor, k: int
) -> dict[str, Any]:
    """Which generator covers which modes, from each sample's mode, high-quality flag and
    generator: the modes each generator's high-quality samples cover, how many modes each
    covers, how many modes more than one covers, and how many any covers."""
    per_generator = [sorted({int(m) for m in modes[hq & (index == g)]}) for g in range(k)]
    owners: dict[int, int] = {}
    for modes in per_generator:
        for m in modes:
            owners[m] = owners.get(m, 0) + 1
    return {
        "generator_modes": per_generator,
        "modes_per_generator": [len(m) for m in per_generator],
        "shared_modes": sum(1 for count in owners.values() if count > 1),
        "covered_by_any": len(owners),
    }


class GeneratorBankRemedy(Remedy, ABC):
    """Base of the remedies that replace the generator by a :class:`GeneratorBank`.

    The trainer calls :meth:`build_generator` before it builds the discriminator (the bank's
    size can shape the discriminator), draws each batch's generator indices with :meth:`draw`,
    and takes both losses from :meth:`d_loss` and :meth:`g_loss`.
    """

    incompatible: ClassVar[frozenset[str]] = frozenset({"unrolled", "replay"})
    bank: PerClassGenerators | MultiGenerator

    @abstractmethod
    def build_generator(self, build: Callable[[], nn.Module], data: Any) -> GeneratorBank:
        """The generator bank, for ``data`` (kept as ``self.bank``)."""

    @property
    def n_generators(self) -> int:
        """The number of generators (after :meth:`build_generator`)."""
        return self.bank.k

    def draw(self, n: int, generator: torch.Generator | None) -> torch.Tensor:
        """Which generator makes each of ``n`` fakes: the bank's own draw."""
        return self.bank.draw(n, generator)

    @abstractmethod
    def d_loss(self, disc: nn.Module, loss: Loss, real: torch.Tensor, real_labels: torch.Tensor,
               fake: torch.Tensor, index: torch.Tensor) -> torch.Tensor:  # fmt: skip
        """The discriminator's loss."""

    @abstractmethod
    def g_loss(self, disc: nn.Module, loss: Loss, fake: torch.Tensor,
               index: torch.Tensor) -> torch.Tensor:  # fmt: skip
        """The generators' loss."""


class PerClassRemedy(GeneratorBankRemedy):
    """``--remedy per-class``: one generator per class, a class-conditioned discriminator."""

    name: ClassVar[str] = "per-class"
    options: ClassVar[dict[str, Any]] = {}
    wraps_last: ClassVar[bool] = True

    def build_generator(self, build: Callable[[], nn.Module], data: Any) -> GeneratorBank:
        if not getattr(data, "has_labels", False):
            raise ModeguardError(
                f"per-class needs labelled data and {getattr(data, 'name', 'this data')} has "
                "no labels; use --remedy madgan"
            )
        if data.n_modes > MAX_PER_CLASS:
            raise ModeguardError(
                f"per-class would build {data.n_modes} generators for {data.name}; it allows "
                f"at most {MAX_PER_CLASS}: use --remedy madgan --generators K"
            )
        self.bank = PerClassGenerators(build, data.class_probs)
        return self.bank

    def discriminator_in_dim(self, in_dim: int) -> int:
        return in_dim + self.n_generators

    def wrap_discriminator(self, disc: nn.Sequential) -> nn.Module:
        return ClassConditional(disc, self.n_generators)

    def d_loss(self, disc: nn.Module, loss: Loss, real: torch.Tensor, real_labels: torch.Tensor,
               fake: torch.Tensor, index: torch.Tensor) -> torch.Tensor:  # fmt: skip
        return loss.d(disc(real, real_labels), disc(fake, index))

    def g_loss(self, disc: nn.Module, loss: Loss, fake: torch.Tensor,
               index: torch.Tensor) -> torch.Tensor:  # fmt: skip
        return loss.g(disc(fake, index))


class MADGANRemedy(GeneratorBankRemedy):
    """``--remedy madgan --generators K``: MAD-GAN's K generators and K + 1-way discriminator
    (its own cross-entropy losses replace ``--loss``)."""

    name: ClassVar[str] = "madgan"
    options: ClassVar[dict[str, Any]] = {"generators": 4, "madgan_share": False}
    incompatible: ClassVar[frozenset[str]] = frozenset({"unrolled", "replay", "pacgan"})

    def build_generator(self, build: Callable[[], nn.Module], data: Any) -> GeneratorBank:
        self.bank = MultiGenerator(build, self.settings["generators"],
                                   share=self.settings["madgan_share"])  # fmt: skip
        return self.bank

    def wrap_discriminator(self, disc: nn.Sequential) -> nn.Sequential:
        head = disc[-1]
        if not isinstance(head, nn.Linear):
            raise ModeguardError("madgan needs a discriminator that ends in a linear layer")
        return nn.Sequential(*disc[:-1], nn.Linear(head.in_features, self.n_generators + 1))

    def d_loss(self, disc: nn.Module, loss: Loss, real: torch.Tensor, real_labels: torch.Tensor,
               fake: torch.Tensor, index: torch.Tensor) -> torch.Tensor:  # fmt: skip
        return madgan_d_loss(disc, real, fake, index)

    def g_loss(self, disc: nn.Module, loss: Loss, fake: torch.Tensor,
               index: torch.Tensor) -> torch.Tensor:  # fmt: skip
        return madgan_g_loss(disc, fake)
