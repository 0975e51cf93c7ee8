import math

import torch

from modeguard.data import get_dataset
from modeguard.data.digits import load_digits
from modeguard.metrics import classifier as clf
from modeguard.metrics.classifier import image_mode_stats
from modeguard.metrics.evaluate import digit_classifier, evaluate_samples


def test_image_mode_stats_by_hand():
    stats = image_mode_stats(torch.tensor([0, 0, 1, 3]), 4, torch.tensor([1, 1, 0, 1]).bool())
    assert (stats.modes, stats.histogram, stats.hq) == (3, [2, 1, 0, 1], 0.75)
    # p = (1/2, 1/4, 0, 1/4): sum p log(4p) = 1/2 log 2
    assert math.isclose(stats.kl, 0.5 * math.log(2))
    assert math.isclose(image_mode_stats(torch.zeros(9), 1000).kl, math.log(1000))


def test_digit_classifier_is_accurate_on_held_out_digits_and_cached(monkeypatch):
    trained = digit_classifier(progress=False)
    assert trained.n_test == 1000
    assert trained.accuracy >= 0.97, trained.accuracy

    def no_training(*args, **kwargs):
        raise AssertionError("the cached classifier should have been loaded")

    monkeypatch.setattr(clf, "train_classifier", no_training)
    again = digit_classifier(progress=False)
    assert again.accuracy == trained.accuracy
    for a, b in zip(trained.model.parameters(), again.model.parameters(), strict=True):
        torch.testing.assert_close(a, b)


def test_a_generator_of_100_stacked_modes_is_seen_as_about_100_modes():
    """A fake generator stacks real held-out digits, drawn from 100 chosen modes only."""
    data = get_dataset("stacked-mnist")
    split = load_digits()
    rng = torch.Generator().manual_seed(0)
    chosen = torch.randperm(1000, generator=rng)[:100]
    picks = chosen[torch.randint(100, (10_000,), generator=rng)]
    digits = torch.stack([picks // 100, picks // 10 % 10, picks % 10], dim=1)
    by_digit = [torch.nonzero(split.test_labels == d).flatten() for d in range(10)]
    images = torch.empty(10_000, 3, 28, 28, dtype=torch.uint8)
    for c in range(3):
        for d in range(10):
            rows = torch.nonzero(digits[:, c] == d).flatten()
            pool = by_digit[d]
            images[rows, c] = split.test_images[
                pool[torch.randint(len(pool), (len(rows),), generator=rng)]
            ]
    stats = evaluate_samples(data, images.numpy())
    accuracy = digit_classifier(progress=False).accuracy
    in_chosen = sum(stats.histogram[m] for m in chosen.tolist()) / 10_000
    assert in_chosen >= accuracy**3 - 0.03  # wrong digits move a sample out of its mode
    assert all(stats.histogram[m] > 0 for m in chosen.tolist())  # every chosen mode is seen
    stray = 10_000 - sum(stats.histogram[m] for m in chosen.tolist())
    assert 100 <= stats.modes <= 100 + stray
    assert abs(stats.kl - math.log(10)) < 0.5  # log(1000/100) for 100 equal modes
