import json
import signal
import sqlite3
import subprocess
import sys
import time

from modeguard.bench import ResultsStore, load_suite, run_suite
from modeguard.cli import main


def _rows(path):
    db = sqlite3.connect(path)
    try:
        return db.execute("SELECT hash, status, finished_at FROM runs").fetchall()
    finally:
        db.close()


def test_tiny_suite_end_to_end_and_rerun_skips(tiny_suite_file, tmp_path, capsys):
    out = tmp_path / "bench"
    assert main(["bench", "--suite", str(tiny_suite_file), "--out", str(out), "--workers", "2",
                 "--quiet"]) == 0  # fmt: skip
    printed = capsys.readouterr().out
    assert "8 runs, 0 already done, 8 run now, 0 failed" in printed
    assert "| none | 2 |" in printed
    with ResultsStore(out / "results.sqlite") as store:
        runs = store.runs()
        assert len(runs) == 8 and {r["status"] for r in runs} == {"done"}
        for run in runs:
            summary = json.loads((out / "runs" / run["run_dir"].split("/")[-1] / "summary.json")
                                 .read_text())  # fmt: skip
            assert (run["modes"], run["hq"], run["kl"]) == (
                summary["modes"], summary["hq"], summary["kl"])  # fmt: skip
            assert [e["step"] for e in store.evals(run["hash"])] == [0, 10, 20]
    assert (out / "report.html").is_file() and (out / "report.md").is_file()
    result = run_suite(load_suite(tiny_suite_file), out, workers=2, progress=False)
    assert (result.skipped, result.done, result.failed) == (8, 0, 0)


def test_a_failing_run_is_recorded_and_does_not_stop_the_others(tmp_path, monkeypatch):
    from modeguard.bench import parse_suite
    from modeguard.train import trainer

    suite = parse_suite({"name": "f", "seeds": [0, 1], "data": "ring",
                         "base": {"steps": 10, "eval_every": 5, "batch_size": 32,
                                  "eval_samples": 100}})  # fmt: skip
    original = trainer.Trainer.train_step

    def broken(self):
        if self.config.seed == 1:
            raise RuntimeError("boom\nsecond line")
        return original(self)

    monkeypatch.setattr(trainer.Trainer, "train_step", broken)
    result = run_suite(suite, tmp_path, workers=1, progress=False)  # in-process
    assert (result.done, result.failed) == (1, 1)
    with ResultsStore(tmp_path / "results.sqlite") as store:
        failed = store.runs("failed")
    assert failed[0]["seed"] == 1 and failed[0]["error"] == "RuntimeError: boom"
    monkeypatch.setattr(trainer.Trainer, "train_step", original)
    result = run_suite(suite, tmp_path, workers=1, progress=False)
    assert (result.skipped, result.done, result.failed) == (1, 1, 0)  # the failed run retried


def test_killed_bench_resumes_without_repeating_finished_runs(tiny_suite_file, tmp_path):
    out = tmp_path / "bench"
    db = out / "results.sqlite"
    cmd = [sys.executable, "-m", "modeguard.cli", "bench", "--suite", str(tiny_suite_file),
           "--out", str(out), "--workers", "1", "--quiet"]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    try:
        while time.time() < deadline:
            if db.is_file():
                try:
                    if len(_rows(db)) >= 2:
                        break
                except sqlite3.OperationalError:
                    pass
            time.sleep(0.02)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    before = {h: finished for h, status, finished in _rows(db) if status == "done"}
    assert 2 <= len(before) < 8, "the bench should have been killed part way"

    result = run_suite(load_suite(tiny_suite_file), out, workers=1, progress=False)
    after = _rows(db)
    assert (result.skipped, result.done) == (len(before), 8 - len(before))
    assert len(after) == len({h for h, _, _ in after}) == 8
    for h, status, finished in after:
        assert status == "done"
        if h in before:
            assert finished == before[h]  # not run again
    with ResultsStore(db) as store:
        for run in store.runs():
            assert [e["step"] for e in store.evals(run["hash"])] == [0, 10, 20]
            lines = (out / "runs" / run["run_dir"].split("/")[-1] / "metrics.jsonl").read_text()
            assert [json.loads(x)["step"] for x in lines.splitlines()] == [0, 10, 20]


def test_bench_cli_errors(tiny_suite_file, tmp_path, capsys):
    argv = ["bench", "--suite", str(tiny_suite_file), "--out", str(tmp_path / "b"), "--quiet"]
    assert main([*argv, "--backend", "spark"]) == 2
    assert "unknown backend 'spark'" in capsys.readouterr().err
    assert main([*argv, "--workers", "0"]) == 2
    assert "workers must be a positive integer" in capsys.readouterr().err
    assert main([*argv, "--seeds", "0"]) == 2
    assert "--seeds must be a positive integer" in capsys.readouterr().err
    assert main([*argv, "--address", "127.0.0.1:1"]) == 2
    assert "--address is for --backend ray" in capsys.readouterr().err
