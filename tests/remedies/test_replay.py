import pytest
import torch

from modeguard.errors import ModeguardError
from modeguard.remedies import ReplayBuffer, SnapshotReplay
from modeguard.train import TrainConfig, Trainer, train
from modeguard.train.checkpoint import load_checkpoint


def _batch(value: float, n: int = 10) -> torch.Tensor:
    return torch.full((n, 2), value)


def test_empty_buffer_falls_back_to_current_fakes():
    buffer = ReplayBuffer(capacity=50, fraction=0.5, generator=torch.Generator().manual_seed(0))
    out = buffer.mix(_batch(1.0))
    assert torch.equal(out, _batch(1.0))
    assert len(buffer) == 10


def test_fraction_holds_and_old_fakes_are_old():
    buffer = ReplayBuffer(capacity=30, fraction=0.3, generator=torch.Generator().manual_seed(0))
    for value in range(3):
        buffer.mix(_batch(float(value)))  # fills the buffer with 0s, 1s, 2s
    old_counts = []
    for step in range(200):
        out = buffer.mix(_batch(100.0 + step))
        assert out.shape == (10, 2)
        is_current = out[:, 0] == 100.0 + step
        assert is_current[:7].all()  # the first n - k rows are current fakes
        old_counts.append(int((~is_current).sum()))
    assert set(old_counts) == {3}  # round(0.3 * 10) old fakes in every batch


def test_capacity_is_never_exceeded_and_entries_refresh():
    buffer = ReplayBuffer(capacity=25, fraction=0.5, generator=torch.Generator().manual_seed(1))
    for step in range(40):
        buffer.mix(_batch(float(step), n=10))
        assert len(buffer) <= 25
    assert len(buffer) == 25
    assert buffer.items[:, 0].max() >= 35  # recent fakes made it in
    with pytest.raises(ModeguardError, match="capacity must be a positive"):
        ReplayBuffer(0)
    with pytest.raises(ModeguardError, match=r"fraction must lie in \[0, 1\]"):
        ReplayBuffer(10, fraction=1.5)


def test_save_and_restore_give_the_same_buffer():
    a = ReplayBuffer(capacity=20, fraction=0.5, generator=torch.Generator().manual_seed(2))
    for step in range(5):
        a.mix(torch.randn(8, 2, generator=torch.Generator().manual_seed(step)))
    b = ReplayBuffer(capacity=20, fraction=0.5, generator=torch.Generator().manual_seed(2))
    b.load_state_dict(a.state_dict())
    assert torch.equal(a.items, b.items)
    b.generator.set_state(a.generator.get_state())
    new = torch.randn(8, 2)
    assert torch.equal(a.mix(new), b.mix(new))


def test_snapshots_keep_the_last_ones_every_n_steps():
    pool = SnapshotReplay(every=3, keep=2, fraction=0.5, generator=torch.Generator().manual_seed(0))
    for step in range(10):
        out = pool.mix(_batch(float(step), n=4), step)
        if step == 0:
            assert torch.equal(out, _batch(0.0, n=4))  # nothing kept yet
    kept = sorted({float(s[0, 0]) for s in pool.snapshots})
    assert kept == [6.0, 9.0]  # snapshots at steps 0, 3, 6, 9; the last two kept
    out = pool.mix(_batch(50.0, n=4), 10)
    assert (out[:2, 0] == 50.0).all() and set(out[2:, 0].tolist()) <= {6.0, 9.0}


def test_trainer_checkpoint_restores_the_buffer(tmp_path):
    config = TrainConfig(remedy="replay", replay_capacity=100, steps=10, eval_every=5,
                         batch_size=32, eval_samples=100)  # fmt: skip
    train(config, tmp_path / "run", progress=False)
    state = load_checkpoint(tmp_path / "run" / "checkpoint.pt")
    restored = Trainer(config)
    restored.load_state_dict(state)
    assert torch.equal(
        restored.remedies[0].pool.items, state["remedies"]["replay"]["pool"]["items"]
    )
    assert len(restored.remedies[0].pool) == 100


def test_replay_options_are_validated():
    with pytest.raises(ModeguardError, match=r"replay_fraction must be a number in \[0, 1\]"):
        TrainConfig(remedy="replay", replay_fraction=2.0).resolve()
    with pytest.raises(ModeguardError, match="--replay-every applies only to --remedy replay"):
        TrainConfig(replay_every=3).resolve()
    snap = Trainer(TrainConfig(remedy="replay", replay_every=10))
    assert type(snap.remedies[0].pool).__name__ == "SnapshotReplay"
