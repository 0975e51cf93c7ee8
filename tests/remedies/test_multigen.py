import math

import pytest
import torch
from torch import nn

from modeguard.errors import ModeguardError
from modeguard.remedies import (
    MultiGenerator,
    PerClassGenerators,
    PerClassRemedy,
    attribution,
    madgan_d_loss,
    madgan_g_loss,
    parse_remedies,
)
from modeguard.remedies.multigen import generator_blocks, stratified_draw
from modeguard.train import TrainConfig, Trainer, train
from modeguard.train.checkpoint import load_checkpoint, save_checkpoint


def _linear(seed: int = 0) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))


def test_per_class_draw_keeps_the_class_proportions():
    probs = torch.tensor([0.5, 0.3, 0.2])
    bank = PerClassGenerators(_linear, probs)
    rng = torch.Generator().manual_seed(0)
    labels = bank.draw(10, rng)
    assert torch.bincount(labels, minlength=3).tolist() == [5, 3, 2]  # exact when n p is whole
    counts = torch.zeros(3)
    for _ in range(400):  # 7 labels: floor(7 p) = (3, 2, 1) plus one drawn in proportion
        labels = stratified_draw(7, probs, rng)
        part = torch.bincount(labels, minlength=3)
        assert (part >= torch.tensor([3, 2, 1])).all() and int(part.sum()) == 7
        counts += part
    torch.testing.assert_close(counts / counts.sum(), probs, atol=0.01, rtol=0)
    assert len(set(stratified_draw(1000, probs, rng)[:10].tolist())) > 1  # shuffled


def test_madgan_blocks_split_the_batch_evenly():
    assert generator_blocks(8, 4).tolist() == [0, 0, 1, 1, 2, 2, 3, 3]
    assert torch.bincount(MultiGenerator(_linear, 3).draw(10), minlength=3).tolist() == [4, 3, 3]


def test_each_generator_gets_gradients_only_from_its_own_samples():
    bank = MultiGenerator(_linear, 3)
    z = torch.randn(6, 3)
    index = torch.tensor([2, 0, 2, 0, 0, 2])
    out = bank(z, index)
    for i, k in enumerate(index.tolist()):  # sample i is made by its own generator
        torch.testing.assert_close(out[i], bank.heads[k](z[i : i + 1])[0])
    loss = out[index == 0].pow(2).sum()  # the loss of generator 0's samples only
    loss.backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in bank.heads[0].parameters())
    for k in (1, 2):
        assert all(p.grad is None or not p.grad.any() for p in bank.heads[k].parameters())
    expected = torch.autograd.grad(bank.heads[0](z[index == 0]).pow(2).sum(),
                                   bank.heads[0][0].weight)[0]  # fmt: skip
    torch.testing.assert_close(bank.heads[0][0].weight.grad, expected)


def test_shared_generators_share_the_trunk_only():
    bank = MultiGenerator(_linear, 3, share=True)
    assert len(bank.heads) == 3 and all(isinstance(h[0], nn.Linear) for h in bank.heads)
    heads = {id(p) for h in bank.heads for p in h.parameters()}
    assert len(heads) == 6  # three weights and three biases
    assert not heads & {id(p) for p in bank.trunk.parameters()}


def test_madgan_discriminator_targets_real_as_0_and_generator_k_as_k_plus_1():
    real_logits = torch.tensor([[2.0, 0.0, 0.0]])
    fake_logits = torch.tensor([[0.0, 1.0, 0.0], [0.0, 0.0, 3.0]])
    disc = lambda x: x  # noqa: E731  (the "samples" are the logits themselves)
    index = torch.tensor([0, 1])  # fake 0 by generator 0 (target 1), fake 1 by generator 1 (2)

    def nll(logits: list[float], target: int) -> float:
        return -logits[target] + math.log(sum(math.exp(v) for v in logits))

    by_hand = nll([2, 0, 0], 0) + (nll([0, 1, 0], 1) + nll([0, 0, 3], 2)) / 2
    torch.testing.assert_close(
        madgan_d_loss(disc, real_logits, fake_logits, index), torch.tensor(by_hand)
    )
    g_by_hand = (nll([0, 1, 0], 0) + nll([0, 0, 3], 0)) / 2  # generators aim for "real"
    torch.testing.assert_close(madgan_g_loss(disc, fake_logits), torch.tensor(g_by_hand))


def test_attribution_on_a_hand_made_case():
    modes = torch.tensor([0, 1, 1, 2, 5, 3])
    hq = torch.tensor([True, True, True, True, False, True])  # the 5th does not count
    index = torch.tensor([0, 0, 1, 1, 1, 2])
    table = attribution(modes, hq, index, 4)
    assert table["generator_modes"] == [[0, 1], [1, 2], [3], []]
    assert table["modes_per_generator"] == [2, 2, 1, 0]
    assert table["shared_modes"] == 1  # mode 1, by generators 0 and 1
    assert table["covered_by_any"] == 4


def test_per_class_refuses_data_without_labels():
    class Unlabelled:
        name, has_labels, n_modes = "blobs", False, 3

    with pytest.raises(ModeguardError, match=r"per-class needs labelled data.*--remedy madgan"):
        PerClassRemedy().build_generator(_linear, Unlabelled())


def test_generator_banks_refuse_remedies_they_cannot_join():
    with pytest.raises(ModeguardError, match="madgan cannot be combined with unrolled"):
        parse_remedies("madgan+unrolled")
    with pytest.raises(ModeguardError, match="choose one of per-class, madgan"):
        parse_remedies("per-class+madgan")
    assert parse_remedies("per-class+pacgan") == ["per-class", "pacgan"]


@pytest.mark.parametrize(
    "remedy", ["per-class", "madgan", "per-class+pacgan", "pacgan+per-class", "mbstd+madgan"]
)
def test_trainer_runs_generator_banks_and_resumes_them(tmp_path, remedy):
    extra = {"generators": 3} if remedy == "madgan" else {}
    config = TrainConfig(data="ring", remedy=remedy, steps=6, eval_every=3, batch_size=64,
                         eval_samples=200, **extra)  # fmt: skip
    full = train(config, tmp_path / "full", progress=False)
    table = full["attribution"]
    assert len(table["generator_modes"]) == (
        3 if remedy == "madgan" else 4 if "madgan" in remedy else 8
    )
    assert (tmp_path / "full" / "attribution.png").is_file()
    trainer = Trainer(config)
    for _ in range(3):
        trainer.train_step()
    save_checkpoint(tmp_path / "c.pt", trainer.state_dict())
    again = Trainer(config)
    again.load_state_dict(load_checkpoint(tmp_path / "c.pt"))
    for a, b in zip(trainer.generator.parameters(), again.generator.parameters(), strict=True):
        torch.testing.assert_close(a, b)
    trainer.train_step()
    again.train_step()
    torch.testing.assert_close(trainer.sample_eval(), again.sample_eval())
