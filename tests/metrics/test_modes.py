import math

import numpy as np
import pytest
import torch

from modeguard.errors import ModeguardError
from modeguard.metrics.modes import assign_modes, kl_from_uniform, mode_stats

CENTERS = torch.tensor([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0], [4.0, 4.0]])
STD = 0.5  # high quality within 1.5 of a center


def test_all_samples_in_one_mode():
    samples = torch.tensor([[0.1, 0.0], [0.0, -0.2], [0.3, 0.3]])
    stats = mode_stats(samples, CENTERS, STD)
    assert stats.modes == 1
    assert stats.hq == 1.0
    assert stats.histogram == [3, 0, 0, 0]
    assert stats.kl == pytest.approx(math.log(4))


def test_all_modes_equally_gives_zero_kl():
    samples = torch.cat([CENTERS, CENTERS + 0.1])
    stats = mode_stats(samples, CENTERS, STD)
    assert (stats.modes, stats.hq, stats.histogram) == (4, 1.0, [2, 2, 2, 2])
    assert stats.kl == pytest.approx(0.0, abs=1e-12)


def test_hand_computed_mixture_of_hq_and_low_quality():
    # 3 in mode 0, 1 in mode 1, one far point (low quality, nearest is mode 0).
    samples = torch.tensor([[0.0, 0.0], [0.5, 0.5], [-1.0, 0.0], [4.0, 1.0], [2.0, 0.1]])
    stats = mode_stats(samples, CENTERS, STD)
    assert stats.histogram == [3, 1, 0, 0]
    assert stats.modes == 2
    assert stats.hq == pytest.approx(4 / 5)
    expected = 0.75 * math.log(0.75 * 4) + 0.25 * math.log(0.25 * 4)
    assert stats.kl == pytest.approx(expected)


def test_no_high_quality_sample_gives_log_k():
    samples = torch.tensor([[2.0, 2.0], [10.0, 10.0]])
    stats = mode_stats(samples, CENTERS, STD)
    assert (stats.modes, stats.hq, stats.histogram) == (0, 0.0, [0, 0, 0, 0])
    assert stats.kl == pytest.approx(math.log(4))


def test_point_at_exactly_three_std_is_high_quality():
    on_edge = torch.tensor([[1.5, 0.0], [0.0, 4.0 - 1.5]])
    just_out = torch.tensor([[1.5000001, 0.0]], dtype=torch.float64)
    assert mode_stats(on_edge, CENTERS, STD).hq == 1.0
    assert mode_stats(just_out, CENTERS, STD).hq == 0.0


def test_equidistant_point_goes_to_lower_index():
    nearest, dist = assign_modes(torch.tensor([[2.0, 0.0], [2.0, 4.0]]), CENTERS)
    assert nearest.tolist() == [0, 2]
    torch.testing.assert_close(dist, torch.tensor([2.0, 2.0], dtype=torch.float64))
    stats = mode_stats(torch.tensor([[2.0, 0.0]]), CENTERS, std=1.0)  # within 3 of both
    assert stats.histogram == [1, 0, 0, 0]


def test_kl_from_uniform_by_hand():
    hist = torch.tensor([1, 3, 0])
    expected = 0.25 * math.log(0.25 * 3) + 0.75 * math.log(0.75 * 3)
    assert kl_from_uniform(hist) == pytest.approx(expected)


def test_accepts_numpy_and_rejects_bad_input():
    assert mode_stats(np.zeros((2, 2)), CENTERS, STD).histogram == [2, 0, 0, 0]
    with pytest.raises(ModeguardError, match=r"shape \[N, 2\]"):
        mode_stats(np.zeros((2, 3)), CENTERS, STD)
    with pytest.raises(ModeguardError, match="NaN or inf in 1 row"):
        mode_stats(np.array([[0.0, np.nan], [0.0, 0.0]]), CENTERS, STD)
    with pytest.raises(ModeguardError, match="shape"):
        mode_stats(np.zeros((0, 2)), CENTERS, STD)


def test_jaccard_distance_and_churn_by_hand():
    from modeguard.metrics.modes import jaccard_distance, mode_churn

    assert jaccard_distance({1, 2}, {1, 2}) == 0.0
    assert jaccard_distance({1, 2}, {3}) == 1.0
    assert jaccard_distance({1, 2, 3}, {2, 3, 4}) == pytest.approx(1 - 2 / 4)
    assert jaccard_distance(set(), set()) == 0.0
    assert mode_churn([{0, 1}]) is None
    # 0 -> {0}: d = 1 - 1/2; {0} -> {5}: d = 1; {5} -> {5}: d = 0
    assert mode_churn([{0, 1}, {0}, {5}, {5}]) == pytest.approx((0.5 + 1.0 + 0.0) / 3)
    assert mode_churn([set(range(8))] * 4) == 0.0
