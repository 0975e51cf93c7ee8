import math

import pytest
import torch

from modeguard.data import get_dataset, grid, ring
from modeguard.errors import ModeguardError


def test_ring_centers_are_eight_distinct_angles():
    data = ring()
    assert data.n_modes == 8 and data.std == 0.01
    angles = torch.tensor([2 * math.pi * i / 8 for i in range(8)])
    expected = torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)
    torch.testing.assert_close(data.centers, expected)
    assert torch.cdist(data.centers, data.centers).add(torch.eye(8)).min() > 0.7


def test_grid_centers_are_the_lattice():
    data = grid()
    assert data.n_modes == 25 and data.std == 0.05
    values = {(x, y) for x, y in data.centers.tolist()}
    assert values == {(float(x), float(y)) for x in range(-4, 5, 2) for y in range(-4, 5, 2)}


def test_options_change_ring():
    data = ring(n_modes=5, radius=2.0, std=0.1)
    assert data.n_modes == 5
    torch.testing.assert_close(data.centers.norm(dim=1), torch.full((5,), 2.0))


@pytest.mark.parametrize("data", [ring(), grid()], ids=["ring", "grid"])
def test_sampling_statistics(data):
    points, labels = data.sample(200_000, torch.Generator().manual_seed(0))
    assert points.shape == (200_000, 2) and labels.shape == (200_000,)
    assert labels.unique().numel() == data.n_modes
    residual = points - data.centers[labels]
    torch.testing.assert_close(residual.mean(0), torch.zeros(2), atol=3 * data.std / 100, rtol=0)
    torch.testing.assert_close(residual.std(0), torch.full((2,), data.std), rtol=0.01, atol=0)
    share = torch.bincount(labels, minlength=data.n_modes) / 200_000
    torch.testing.assert_close(
        share, torch.full((data.n_modes,), 1 / data.n_modes), atol=0.005, rtol=0
    )


def test_sampling_is_deterministic_by_generator():
    a = ring().sample(10, torch.Generator().manual_seed(3))
    b = ring().sample(10, torch.Generator().manual_seed(3))
    torch.testing.assert_close(a, b)


def test_bad_input():
    with pytest.raises(ModeguardError, match="unknown data set 'moon'"):
        get_dataset("moon")
    with pytest.raises(ModeguardError, match="std > 0"):
        ring(std=0)
    with pytest.raises(ModeguardError, match="positive"):
        grid().sample(0)
