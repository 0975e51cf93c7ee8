import pytest

from modeguard.train import TrainConfig

TINY = dict(steps=40, eval_every=20, batch_size=64, eval_samples=500)


@pytest.fixture
def tiny_config() -> TrainConfig:
    """A run of a few seconds on the ring."""
    return TrainConfig(data="ring", seed=1, **TINY)
