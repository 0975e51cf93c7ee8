"""Running a suite: in-process, on a local process pool, or as Ray tasks.

Each run writes its own run folder under ``OUT/runs/`` (and resumes it when a bench was
interrupted); the driver alone writes ``OUT/results.sqlite``, one transaction per finished run,
so a killed bench loses at most the runs in flight. Finished runs are skipped on a rerun; a
failed run is recorded with its error and tried again on the next rerun.
"""

from __future__ import annotations

import json
import multiprocessing
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from modeguard import __version__
from modeguard.bench.store import ResultsStore, config_hash
from modeguard.bench.suites import Run, Suite
from modeguard.errors import ModeguardError
from modeguard.train.config import TrainConfig

BACKENDS = ("local", "ray")
EVAL_FIELDS = ("step", "modes", "hq", "kl", "churn")


@dataclass(frozen=True)
class BenchResult:
    """What one ``run_suite`` call did."""

    total: int
    skipped: int
    done: int
    failed: int
    seconds: float


def run_folder_name(config: dict[str, Any], hash: str) -> str:
    """A readable, unique folder name for a run."""
    remedy = config["remedy"].replace("+", "_")
    return f"{config['data']}-{config['preset']}-{remedy}-s{config['seed']}-{hash[:10]}"


def execute_run(config: dict[str, Any], run_dir: str) -> dict[str, Any]:
    """Train one run into ``run_dir`` (resuming it if it holds a checkpoint); never raises.

    Returns ``summary``, ``evals`` (the evaluation lines), ``error`` (one line, or ``None``) and
    ``wall_seconds``.
    """
    start = time.perf_counter()
    folder = Path(run_dir)
    try:
        from modeguard.train.trainer import train

        resume = (folder / "checkpoint.pt").is_file()
        summary = train(
            TrainConfig.from_dict(config), folder, resume=resume, force=not resume, progress=False
        )
        lines = (folder / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
        evals = [{k: json.loads(line).get(k) for k in EVAL_FIELDS} for line in lines]
        error = None
    except Exception as exc:  # one failing run must not stop the others
        summary, evals = None, []
        error = f"{type(exc).__name__}: {exc}".splitlines()[0]
    return {
        "summary": summary,
        "evals": evals,
        "error": error,
        "wall_seconds": time.perf_counter() - start,
    }


def run_suite(
    suite: Suite,
    out: str | Path,
    *,
    workers: int = 1,
    backend: str = "local",
    address: str | None = None,
    progress: bool = True,
) -> BenchResult:
    """Run every unfinished run of ``suite`` into ``out`` and record it in the results store."""
    if backend not in BACKENDS:
        raise ModeguardError(f"unknown backend {backend!r}; choose one of: {', '.join(BACKENDS)}")
    if workers < 1:
        raise ModeguardError(f"workers must be a positive integer, got {workers}")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ModeguardError(f"--out {out} is a file; name a folder")
    (out / "runs").mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with ResultsStore(out / "results.sqlite") as store:
        variants = list(dict.fromkeys(run.variant for run in suite.runs))  # the suite's order
        store.set_meta("suite", {"name": suite.name, "description": suite.description,
                                 "references": suite.references, "variants": variants})  # fmt: skip
        done = store.done_hashes()
        jobs: dict[str, tuple[Run, dict[str, Any], str]] = {}
        for run in suite.runs:
            config = run.config.to_dict()
            h = config_hash(config)
            if h not in done:
                jobs[h] = (run, config, str(out / "runs" / run_folder_name(config, h)))
        skipped = len({config_hash(r.config.to_dict()) for r in suite.runs}) - len(jobs)
        counts = {"done": 0, "failed": 0}
        bar = tqdm(total=len(jobs), disable=not progress, desc=f"bench {suite.name}",
                   unit="run", dynamic_ncols=True)  # fmt: skip

        def finished(h: str, result: dict[str, Any], running: int) -> None:
            run, config, run_dir = jobs[h]
            store.record(
                hash=h, suite=suite.name, config=config, variant=run.variant,
                version=__version__, summary=result["summary"], evals=result["evals"],
                error=result["error"], wall_seconds=result["wall_seconds"], run_dir=run_dir,
            )  # fmt: skip
            counts["failed" if result["error"] else "done"] += 1
            bar.update(1)
            bar.set_postfix(done=counts["done"], running=running, failed=counts["failed"])

        execute = {"local": _run_local, "ray": _run_ray}[backend]
        try:
            for h, result, running in execute(jobs, workers, address):
                finished(h, result, running)
        finally:
            bar.close()
    return BenchResult(
        total=len(suite.runs), skipped=skipped, done=counts["done"], failed=counts["failed"],
        seconds=time.perf_counter() - started,
    )  # fmt: skip


Jobs = dict[str, tuple[Run, dict[str, Any], str]]
Results = Iterator[tuple[str, dict[str, Any], int]]


def _run_local(jobs: Jobs, workers: int, address: str | None) -> Results:
    if address:
        raise ModeguardError("--address is for --backend ray; drop it or add --backend ray")
    if workers == 1:
        for i, (h, (_, config, run_dir)) in enumerate(jobs.items()):
            yield h, execute_run(config, run_dir), min(1, len(jobs) - i - 1)
        return
    context = multiprocessing.get_context("spawn")  # no forked torch thread pools
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending = {pool.submit(execute_run, config, run_dir): h
                   for h, (_, config, run_dir) in jobs.items()}  # fmt: skip
        try:
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    h = pending.pop(future)
                    yield h, future.result(), min(workers, len(pending))
        finally:
            for future in pending:
                future.cancel()


def _run_ray(jobs: Jobs, workers: int, address: str | None) -> Results:
    from modeguard.bench.ray_backend import ray_session

    with ray_session(address, workers) as (ray, remote_execute):
        refs = {remote_execute.remote(config, run_dir): h
                for h, (_, config, run_dir) in jobs.items()}  # fmt: skip
        while refs:
            ready, _ = ray.wait(list(refs), num_returns=1)
            for ref in ready:
                h = refs.pop(ref)
                yield h, ray.get(ref), min(workers, len(refs))
