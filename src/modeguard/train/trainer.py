"""The one training loop, and ``train``: a run folder around it that resumes when interrupted."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
import yaml
from tqdm.auto import tqdm

from modeguard import __version__
from modeguard.data import is_image_data
from modeguard.data.digits import to_unit
from modeguard.errors import ModeguardError
from modeguard.io import atomic_write_json, atomic_write_text
from modeguard.metrics.evaluate import evaluator_for
from modeguard.metrics.modes import (
    ModeStats,
    covered_modes,
    jaccard_distance,
    mode_churn,
)
from modeguard.nets import get_preset
from modeguard.plots import (
    attribution_figure,
    curves_figure,
    image_grid_figure,
    image_progress_figure,
    progress_figure,
    samples_figure,
    save_figure,
)
from modeguard.remedies import GeneratorBankRemedy, attribution, build_remedies
from modeguard.train.checkpoint import load_checkpoint, save_checkpoint
from modeguard.train.config import TrainConfig
from modeguard.train.losses import get_loss

RUN_FILES = ("config.yaml", "metrics.jsonl", "summary.json", "checkpoint.pt")
SNAPSHOT_IMAGES = 64  # images kept per snapshot and drawn in samples.png
PLOT_FILES = ("samples.png", "progress.png", "curves.png", "attribution.png")


class Trainer:
    """A GAN on a data set with known modes: one D update and one G update per step.

    Each step draws one batch of noise; the discriminator phase trains D on real samples and
    the detached fakes, then the generator phase trains G on the same fakes against the
    updated D (as PyTorch's DCGAN example does), or against a look-ahead of it (``unrolled``).
    Remedies hook into these two phases.
    """

    def __init__(self, config: TrainConfig) -> None:
        self.config = config = config.resolve()
        self.data = config.dataset()
        self.evaluator = evaluator_for(self.data, progress=False)
        self.images = is_image_data(config.data)
        size = self.data.shape[-1] if self.images else None
        self.preset = get_preset(config.preset)
        self.loss = get_loss(config.loss)
        self.remedies = build_remedies(config.remedy, config.to_dict())
        for remedy in self.remedies:
            remedy.seed(config.seed)
        torch.manual_seed(config.seed)
        build = lambda: self.preset.build_generator(self.preset.z_dim, self.data.dim, size)  # noqa: E731
        banks = [r for r in self.remedies if isinstance(r, GeneratorBankRemedy)]
        self.bank: GeneratorBankRemedy | None = banks[0] if banks else None
        self.generator = self.bank.build_generator(build, self.data) if self.bank else build()
        in_dim = self.data.dim  # the input passes the outer wrappers (``wraps_last``) first
        for remedy in sorted(self.remedies, key=lambda r: not r.wraps_last):
            in_dim = remedy.discriminator_in_dim(in_dim)
        self.discriminator = self.preset.build_discriminator(in_dim, size, config.d_factor)
        for remedy in sorted(self.remedies, key=lambda r: r.wraps_last):
            self.discriminator = remedy.wrap_discriminator(self.discriminator)
        self.g_optimizer = torch.optim.Adam(
            self.generator.parameters(), lr=config.g_lr, betas=self.preset.betas
        )
        self.d_optimizer = torch.optim.Adam(
            self.discriminator.parameters(), lr=config.d_lr, betas=self.preset.betas
        )
        self.rng = torch.Generator().manual_seed(config.seed)
        eval_rng = torch.Generator().manual_seed(config.seed + 1_000_003)
        self.eval_noise = torch.randn(config.eval_samples, self.preset.z_dim, generator=eval_rng)
        self.eval_index = self.bank.draw(config.eval_samples, eval_rng) if self.bank else None
        self.step = 0
        self.seconds = 0.0
        self.snapshots: list[tuple[int, torch.Tensor]] = []
        self.covered: list[list[int]] = []  # covered modes at each evaluation after step 0
        self.history: list[dict[str, Any]] = []  # step, modes, hq, kl, churn per evaluation

    # -- the loop ------------------------------------------------------------------------
    def train_step(self) -> dict[str, float]:
        """One discriminator update and one generator update; returns both losses."""
        batch = self.config.batch_size
        real, labels = self.data.sample(batch, self.rng)
        noise = torch.randn(batch, self.preset.z_dim, generator=self.rng)
        if self.bank is None:
            index, fake = None, self.generator(noise)
        else:
            index = self.bank.draw(batch, self.rng)
            fake = self.generator(noise, index)
        d_fake = fake.detach()
        for remedy in self.remedies:
            d_fake = remedy.discriminator_fakes(d_fake, self.step)
        d_loss = self._d_phase(real, labels, d_fake, index)
        g_loss = self._g_phase(real, fake, index)
        self.step += 1
        return {"d_loss": d_loss, "g_loss": g_loss}

    def _d_phase(
        self, real: torch.Tensor, labels: torch.Tensor, fake: torch.Tensor, index: Any
    ) -> float:
        disc = self.discriminator
        if self.bank is None:
            loss = self.loss.d(disc(real), disc(fake))
        else:
            loss = self.bank.d_loss(disc, self.loss, real, labels, fake, index)
        self.d_optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.d_optimizer.step()
        return loss.item()

    def _g_phase(self, real: torch.Tensor, fake: torch.Tensor, index: Any) -> float:
        if self.bank is not None:
            loss = self.bank.g_loss(self.discriminator, self.loss, fake, index)
        else:
            critic = self.discriminator
            for remedy in self.remedies:
                looked_ahead = remedy.generator_critic(
                    self.discriminator, self.d_optimizer, self.loss.d, real, fake
                )
                critic = looked_ahead or critic
            loss = self.loss.g(critic(fake))
        self.g_optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.g_optimizer.step()
        return loss.item()

    # -- evaluation ----------------------------------------------------------------------
    @torch.no_grad()
    def sample_eval(self) -> torch.Tensor:
        """The generator's samples on the fixed evaluation noise (inference mode, in chunks)."""
        was_training = self.generator.training
        self.generator.eval()
        chunk = 2000 if self.images else len(self.eval_noise)
        try:
            parts = []
            for start in range(0, len(self.eval_noise), chunk):
                z = self.eval_noise[start : start + chunk]
                if self.bank is None:
                    parts.append(self.generator(z))
                else:
                    parts.append(self.generator(z, self.eval_index[start : start + chunk]))
            return torch.cat(parts)
        finally:
            self.generator.train(was_training)

    def evaluate(self) -> tuple[ModeStats, torch.Tensor]:
        """Mode metrics of the evaluation samples, and the samples."""
        samples = self.sample_eval()
        if not torch.isfinite(samples).all():
            raise ModeguardError(
                f"training diverged at step {self.step}: the generator produced NaN or inf; "
                "lower the learning rates"
            )
        return self.evaluator.stats(samples), samples

    # -- state ---------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The whole state needed to continue the run exactly."""
        return {
            "step": self.step,
            "seconds": self.seconds,
            "config": self.config.to_dict(),
            "generator": self.generator.state_dict(),
            "discriminator": self.discriminator.state_dict(),
            "g_optimizer": self.g_optimizer.state_dict(),
            "d_optimizer": self.d_optimizer.state_dict(),
            "rng": self.rng.get_state(),
            "torch_rng": torch.get_rng_state(),
            "snapshots": [[step, samples] for step, samples in self.snapshots],
            "covered": self.covered,
            "history": self.history,
            "remedies": {r.name: r.state_dict() for r in self.remedies},
            "version": __version__,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a state from :meth:`state_dict`; the configuration must match."""
        if state["config"] != self.config.to_dict():
            raise ModeguardError(
                "the checkpoint was written with a different configuration; "
                "use the same options to resume, or --force to start over"
            )
        self.generator.load_state_dict(state["generator"])
        self.discriminator.load_state_dict(state["discriminator"])
        self.g_optimizer.load_state_dict(state["g_optimizer"])
        self.d_optimizer.load_state_dict(state["d_optimizer"])
        self.rng.set_state(state["rng"])
        torch.set_rng_state(state["torch_rng"])
        self.step = int(state["step"])
        self.seconds = float(state["seconds"])
        self.snapshots = [(int(step), samples) for step, samples in state["snapshots"]]
        self.covered = [list(c) for c in state["covered"]]
        self.history = [dict(h) for h in state["history"]]
        for remedy in self.remedies:
            remedy.load_state_dict(state["remedies"].get(remedy.name, {}))

    # -- a whole run ---------------------------------------------------------------------
    def fit(self, out: Path | None = None, progress: bool = True) -> dict[str, Any]:
        """Train up to ``config.steps``, evaluating (and checkpointing into ``out``) every
        ``eval_every`` steps; returns the summary."""
        cfg = self.config
        torch.set_num_threads(cfg.threads)
        snapshot_steps = _snapshot_steps(cfg.steps, cfg.eval_every, cfg.snapshots)
        bar = tqdm(
            total=cfg.steps,
            initial=self.step,
            disable=not progress,
            desc=f"{cfg.data}/{cfg.remedy}/s{cfg.seed}",
            dynamic_ncols=True,
            leave=False,
        )
        stats = samples = None
        if not self.history and cfg.eval_at_start:  # a fresh run: the generator before training
            stats, samples = self.evaluate()
            self._record(out, stats, samples, snapshot_steps, {})
        started = time.perf_counter()
        while self.step < cfg.steps:
            losses = self.train_step()
            bar.update(1)
            if self.step % cfg.eval_every == 0 or self.step == cfg.steps:
                self.seconds += time.perf_counter() - started
                stats, samples = self.evaluate()
                self._record(out, stats, samples, snapshot_steps, losses)
                bar.set_postfix(modes=f"{stats.modes}/{stats.n_modes}", hq=f"{stats.hq:.2f}")
                started = time.perf_counter()
        bar.close()
        if stats is None:  # nothing was trained (a finished run resumed) or evaluated yet
            stats, samples = self.evaluate()
        summary = self.summary(stats)
        if self.bank is not None:
            modes, hq = self.evaluator.assign(samples)
            summary["attribution"] = attribution(modes, hq, self.eval_index, self.bank.n_generators)
        if out is not None:
            self._write_outputs(out, summary, samples)
        return summary

    def summary(self, stats: ModeStats) -> dict[str, Any]:
        """The run's final figures and identity."""
        cfg = self.config
        return {
            "data": cfg.data,
            "preset": cfg.preset,
            "remedy": cfg.remedy,
            "remedy_settings": cfg.remedy_settings(),
            "seed": cfg.seed,
            "steps": self.step,
            "batch_size": cfg.batch_size,
            "loss": cfg.loss,
            **stats.to_dict(),
            "churn": mode_churn([frozenset(c) for c in self.covered]),
            "seconds": round(self.seconds, 3),
            "steps_per_second": round(self.step / self.seconds, 2) if self.seconds else None,
            "version": __version__,
            **({"classifier_accuracy": self.evaluator.classifier.accuracy} if self.images else {}),
        }

    def _record(
        self,
        out: Path | None,
        stats: ModeStats,
        samples: torch.Tensor,
        snapshot_steps: set[int],
        losses: dict[str, float],
    ) -> None:
        if self.step in snapshot_steps:  # images: the first 64 only, to keep checkpoints small
            kept = samples[:SNAPSHOT_IMAGES] if self.images else samples
            self.snapshots.append((self.step, kept.float().clone()))
        churn = None
        if self.step > 0:
            current = covered_modes(stats)
            if self.covered:
                churn = jaccard_distance(frozenset(self.covered[-1]), current)
            self.covered.append(sorted(current))
        self.history.append(
            {
                "step": self.step,
                "modes": stats.modes,
                "hq": stats.hq,
                "kl": stats.kl,
                "churn": churn,
            }
        )
        if out is None:
            return
        line = {
            "step": self.step, **stats.to_dict(), "churn": churn,
            "seconds": round(self.seconds, 3), **losses,
        }  # fmt: skip
        with open(out / "metrics.jsonl", "a", encoding="utf-8") as f:
            f.write(json.dumps(line) + "\n")
        save_checkpoint(out / "checkpoint.pt", self.state_dict())

    def _write_outputs(self, out: Path, summary: dict[str, Any], samples: torch.Tensor) -> None:
        cfg = self.config
        title = f"{cfg.data} · {cfg.remedy} · seed {cfg.seed} · step {self.step}"
        if self.images:
            self._write_image_outputs(out, samples, title)
            atomic_write_json(out / "summary.json", summary)
            return
        save_figure(samples_figure(samples.numpy(), self.data, title), out / "samples.png")
        panels = [(step, s.numpy()) for step, s in self.snapshots]
        save_figure(
            progress_figure(panels, self.data, f"{cfg.data} · {cfg.remedy}"), out / "progress.png"
        )
        save_figure(curves_figure(self.history, f"{cfg.data} · {cfg.remedy}"), out / "curves.png")
        if self.bank is not None:
            fig = attribution_figure(samples.numpy(), self.eval_index.numpy(), self.data, title)
            save_figure(fig, out / "attribution.png")
        atomic_write_json(out / "summary.json", summary)

    def _write_image_outputs(self, out: Path, samples: torch.Tensor, title: str) -> None:
        cfg = self.config
        unit = to_unit(samples[:SNAPSHOT_IMAGES])
        save_figure(image_grid_figure(unit, title), out / "samples.png")
        panels = [(step, to_unit(s)[:16]) for step, s in self.snapshots]
        save_figure(image_progress_figure(panels, f"{cfg.data} · {cfg.remedy}"),
                    out / "progress.png")  # fmt: skip
        save_figure(curves_figure(self.history, f"{cfg.data} · {cfg.remedy}"), out / "curves.png")
        if self.bank is not None:
            rows = [(f"G{g}", to_unit(samples[self.eval_index == g][:16]))
                    for g in range(min(self.bank.n_generators, 16))]  # fmt: skip
            save_figure(image_progress_figure(rows, title), out / "attribution.png")


def _snapshot_steps(steps: int, eval_every: int, count: int) -> set[int]:
    """Evaluation steps at which to keep samples for ``progress.png``: about ``count`` of them,
    evenly spread from the first evaluation after step 0 to the last step."""
    evals = sorted({*range(eval_every, steps + 1, eval_every), steps})
    picks = np.linspace(0, len(evals) - 1, num=min(count, len(evals))).round().astype(int)
    return {evals[i] for i in picks}


def train(
    config: TrainConfig,
    out: str | Path | None = None,
    *,
    force: bool = False,
    resume: bool = False,
    progress: bool = True,
) -> dict[str, Any]:
    """Train one run and write its folder; returns ``summary.json``'s content.

    ``out`` must be new or empty unless ``resume`` (continue from its checkpoint; a finished
    run is returned as it stands) or ``force`` (delete the run files first). With ``out=None``
    nothing is written.
    """
    trainer = Trainer(config)
    if out is None:
        return trainer.fit(None, progress)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ModeguardError(f"--out {out} is a file; name a folder")
    existing = out.is_dir() and any(out.iterdir())
    if existing and force:
        for name in (*RUN_FILES, *PLOT_FILES):
            (out / name).unlink(missing_ok=True)
    elif existing and resume:
        return _resume(trainer, out, progress)
    elif existing:
        raise ModeguardError(
            f"--out {out} exists and is not empty; choose a new folder, --resume it, or --force"
        )
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(
        out / "config.yaml", yaml.safe_dump(trainer.config.to_dict(), sort_keys=False)
    )
    (out / "metrics.jsonl").write_text("", encoding="utf-8")
    return trainer.fit(out, progress)


def _resume(trainer: Trainer, out: Path, progress: bool) -> dict[str, Any]:
    if (out / "summary.json").is_file():
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        if summary.get("steps") == trainer.config.steps:
            return summary
    if not (out / "checkpoint.pt").is_file():
        raise ModeguardError(f"cannot resume {out}: it holds no checkpoint.pt; use --force")
    trainer.load_state_dict(load_checkpoint(out / "checkpoint.pt"))
    _truncate_metrics(out / "metrics.jsonl", trainer.step)
    return trainer.fit(out, progress)


def _truncate_metrics(path: Path, step: int) -> None:
    """Keep the evaluation lines up to the checkpoint's step (later ones will be redone)."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    kept = []
    for line in lines:
        try:
            if json.loads(line)["step"] <= step:
                kept.append(line)
        except (ValueError, KeyError):
            break  # a line cut short by the interruption
    atomic_write_text(path, "".join(f"{line}\n" for line in kept))
