import json

import pytest
import torch
import yaml

from modeguard.errors import ModeguardError
from modeguard.train import TrainConfig, Trainer, train
from modeguard.train.checkpoint import load_checkpoint


def _without_time(summary):
    return {k: v for k, v in summary.items() if k not in ("seconds", "steps_per_second")}


def test_run_folder_contents(tiny_config, tmp_path):
    summary = train(tiny_config, tmp_path / "run", progress=False)
    run = tmp_path / "run"
    for name in ("config.yaml", "metrics.jsonl", "summary.json", "samples.png", "progress.png",
                 "checkpoint.pt"):  # fmt: skip
        assert (run / name).is_file(), name
    on_disk = json.loads((run / "summary.json").read_text())
    assert on_disk == summary
    for key in ("data", "preset", "remedy", "seed", "steps", "modes", "n_modes", "hq", "kl",
                "seconds"):  # fmt: skip
        assert key in summary
    assert (summary["data"], summary["preset"], summary["steps"]) == ("ring", "unrolled", 40)
    config = yaml.safe_load((run / "config.yaml").read_text())
    assert config["batch_size"] == 64 and config["g_lr"] == 1e-3 and config["preset"] == "unrolled"
    steps = [json.loads(line)["step"] for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert steps == [0, 20, 40]
    state = load_checkpoint(run / "checkpoint.pt")
    assert state["step"] == 40 and set(state) >= {"generator", "g_optimizer", "rng"}


def test_same_seed_same_numbers(tiny_config):
    a = train(tiny_config, progress=False)
    b = train(tiny_config, progress=False)
    assert _without_time(a) == _without_time(b)


def test_different_seed_different_samples(tiny_config):
    from dataclasses import replace

    a, b = Trainer(tiny_config), Trainer(replace(tiny_config, seed=2))
    assert not torch.equal(a.sample_eval(), b.sample_eval())


def test_training_updates_both_nets(tiny_config):
    trainer = Trainer(tiny_config)
    g0 = [p.clone() for p in trainer.generator.parameters()]
    d0 = [p.clone() for p in trainer.discriminator.parameters()]
    losses = trainer.train_step()
    assert set(losses) == {"d_loss", "g_loss"} and trainer.step == 1
    assert all(
        not torch.equal(a, b) for a, b in zip(g0, trainer.generator.parameters(), strict=True)
    )
    assert all(
        not torch.equal(a, b) for a, b in zip(d0, trainer.discriminator.parameters(), strict=True)
    )


@pytest.mark.parametrize("preset", ["unrolled", "pacgan"])
def test_smoke_each_preset(preset, tiny_config):
    from dataclasses import replace

    summary = train(replace(tiny_config, data="grid", preset=preset), progress=False)
    assert summary["n_modes"] == 25 and 0 <= summary["modes"] <= 25
    assert 0.0 <= summary["hq"] <= 1.0


def test_interrupted_run_resumes_to_the_same_result(tiny_config, tmp_path, monkeypatch):
    straight = train(tiny_config, tmp_path / "a", progress=False)

    original = Trainer.train_step

    def interrupted(self):
        if self.step == 30:
            raise KeyboardInterrupt
        return original(self)

    monkeypatch.setattr(Trainer, "train_step", interrupted)
    with pytest.raises(KeyboardInterrupt):
        train(tiny_config, tmp_path / "b", progress=False)
    assert not (tmp_path / "b" / "summary.json").exists()
    assert load_checkpoint(tmp_path / "b" / "checkpoint.pt")["step"] == 20
    monkeypatch.setattr(Trainer, "train_step", original)

    resumed = train(tiny_config, tmp_path / "b", resume=True, progress=False)
    assert _without_time(resumed) == _without_time(straight)
    lines_a = [json.loads(x) for x in (tmp_path / "a" / "metrics.jsonl").read_text().splitlines()]
    lines_b = [json.loads(x) for x in (tmp_path / "b" / "metrics.jsonl").read_text().splitlines()]
    strip = lambda rows: [{k: v for k, v in r.items() if k != "seconds"} for r in rows]  # noqa: E731
    assert strip(lines_a) == strip(lines_b)
    ga = load_checkpoint(tmp_path / "a" / "checkpoint.pt")["generator"]
    gb = load_checkpoint(tmp_path / "b" / "checkpoint.pt")["generator"]
    for key in ga:
        torch.testing.assert_close(ga[key], gb[key], rtol=0, atol=0)


def test_resume_of_a_finished_run_does_nothing(tiny_config, tmp_path):
    first = train(tiny_config, tmp_path / "run", progress=False)
    mtime = (tmp_path / "run" / "checkpoint.pt").stat().st_mtime_ns
    assert train(tiny_config, tmp_path / "run", resume=True, progress=False) == first
    assert (tmp_path / "run" / "checkpoint.pt").stat().st_mtime_ns == mtime


def test_resume_with_another_config_is_refused(tiny_config, tmp_path):
    from dataclasses import replace

    train(replace(tiny_config, steps=20), tmp_path / "run", progress=False)
    (tmp_path / "run" / "summary.json").unlink()
    with pytest.raises(ModeguardError, match="different configuration"):
        train(replace(tiny_config, seed=5), tmp_path / "run", resume=True, progress=False)


def test_non_empty_out_is_refused_and_kept(tiny_config, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ModeguardError, match="not empty"):
        train(tiny_config, tmp_path, progress=False)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("steps", 0, "steps must be a positive integer"),
        ("batch_size", -1, "batch_size must be a positive integer"),
        ("g_lr", 0.0, "g_lr must be a positive number"),
        ("preset", "big", "unknown preset 'big'"),
        ("remedy", "magic", "unknown remedy 'magic'"),
        ("loss", "l2", "unknown loss 'l2'"),
        ("seed", -3, "seed must be a non-negative integer"),
    ],
)
def test_config_validation(field, value, message):
    with pytest.raises(ModeguardError, match=message):
        TrainConfig(**{field: value}).resolve()


def test_config_from_dict_refuses_unknown_keys():
    with pytest.raises(ModeguardError, match="unknown configuration key"):
        TrainConfig.from_dict({"stepz": 3})


def test_churn_is_written_per_evaluation_and_summarised(tiny_config, tmp_path):
    from modeguard.metrics.modes import jaccard_distance, mode_churn

    summary = train(tiny_config, tmp_path / "run", progress=False)
    lines = [json.loads(x) for x in (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()]
    assert lines[0]["churn"] is None and lines[1]["churn"] is None  # step 0; first after it
    covered = [{i for i, c in enumerate(line["histogram"]) if c} for line in lines[1:]]
    assert lines[2]["churn"] == pytest.approx(jaccard_distance(covered[0], covered[1]))
    assert summary["churn"] == pytest.approx(mode_churn(covered))
    assert (tmp_path / "run" / "curves.png").is_file()


def test_resume_from_the_first_checkpoint_does_not_repeat_step_zero(
    tiny_config, tmp_path, monkeypatch
):
    def interrupted(self):
        raise KeyboardInterrupt

    original = Trainer.train_step
    monkeypatch.setattr(Trainer, "train_step", interrupted)
    with pytest.raises(KeyboardInterrupt):
        train(tiny_config, tmp_path / "run", progress=False)
    monkeypatch.setattr(Trainer, "train_step", original)
    train(tiny_config, tmp_path / "run", resume=True, progress=False)
    lines = (tmp_path / "run" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(x)["step"] for x in lines] == [0, 20, 40]


def test_skipping_the_first_evaluation_changes_nothing_else(tmp_path, tiny_config):
    from dataclasses import replace

    full = train(tiny_config, tmp_path / "a", progress=False)
    skipped = train(replace(tiny_config, eval_at_start=False), tmp_path / "b", progress=False)
    steps = [json.loads(line)["step"] for line in (tmp_path / "b" / "metrics.jsonl").open()]
    assert steps == [20, 40]  # no step-0 line
    assert {k: skipped[k] for k in ("modes", "hq", "kl", "histogram", "churn")} == {
        k: full[k] for k in ("modes", "hq", "kl", "histogram", "churn")
    }
