import json

import numpy as np
import pytest
import torch

from modeguard.cli import main
from modeguard.data.digits import load_digits
from modeguard.train import TrainConfig, Trainer, train

TINY = dict(steps=4, eval_every=2, batch_size=16, eval_samples=64)


@pytest.mark.parametrize(
    ("data", "remedy", "extra"),
    [("mnist", "none", {}), ("stacked-mnist", "pacgan", {"pack": 2}),
     ("stacked-mnist", "minibatch", {}), ("mnist", "unrolled", {"unroll": 1}),
     ("mnist", "replay", {}), ("mnist", "per-class", {}), ("stacked-mnist", "madgan", {})],
)  # fmt: skip
def test_images_train_with_each_remedy_into_a_run_folder(tmp_path, data, remedy, extra):
    config = TrainConfig(data=data, remedy=remedy, d_factor=0.25, **TINY, **extra)
    summary = train(config, tmp_path / "r", progress=False)
    assert summary["n_modes"] == (10 if data == "mnist" else 1000)
    assert summary["classifier_accuracy"] >= 0.97  # the digit classifier's held-out accuracy
    assert sum(json.loads((tmp_path / "r" / "metrics.jsonl").read_text().splitlines()[-1])[
        "histogram"]) == 64  # fmt: skip
    for name in ("samples.png", "progress.png", "summary.json", "checkpoint.pt"):
        assert (tmp_path / "r" / name).is_file(), name
    if remedy in ("per-class", "madgan"):
        assert (tmp_path / "r" / "attribution.png").is_file()


def test_image_resume_gives_the_same_run(tmp_path):
    config = TrainConfig(data="mnist", **TINY)
    full = train(config, tmp_path / "full", progress=False)
    trainer = Trainer(config)
    for _ in range(2):
        trainer.train_step()
    assert trainer.config.preset == "dcgan" and trainer.config.eval_samples == 64
    again = train(config, tmp_path / "full", resume=True, progress=False)
    assert again == full  # a finished run is returned as it stands
    assert TrainConfig(data="stacked-mnist").resolve().eval_samples == 26_000


def test_image_cli_errors(tmp_path, capsys):
    def one_line(argv, fragment):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and fragment in err, err

    out = ["--out", str(tmp_path / "r"), "--quiet"]
    one_line(["train", "--data", "stacked-mnist", "--remedy", "per-class", *out],
             "per-class would build 1000 generators")  # fmt: skip
    one_line(
        ["train", "--data", "mnist", "--preset", "unrolled", *out],
        "preset unrolled is not for images",
    )
    one_line(
        ["train", "--data", "ring", "--preset", "dcgan", *out], "preset dcgan is not for points"
    )
    one_line(
        ["train", "--data", "ring", "--mnist-dir", str(tmp_path), *out], "--mnist-dir applies only"
    )
    one_line(["train", "--data", "folder:" + str(tmp_path / "none"), *out], "is not a folder")
    assert not (tmp_path / "r").exists()


def test_eval_scores_image_files(tmp_path, capsys):
    split = load_digits()
    held_out = split.test_images[::4].unsqueeze(1).numpy()  # uint8 [250, 1, 28, 28], all digits
    np.save(tmp_path / "digits.npy", held_out)
    assert main(["eval", "--data", "mnist", str(tmp_path / "digits.npy"), "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["modes"] == 10 and stats["n_modes"] == 10 and stats["classifier_accuracy"] >= 0.97
    truth = torch.bincount(split.test_labels[::4], minlength=10)
    assert np.abs(np.array(stats["histogram"]) - truth.numpy()).sum() <= 2 * 0.03 * 250
    np.save(tmp_path / "unit.npy", held_out.astype(np.float32) / 255)
    assert main(["eval", "--data", "mnist", str(tmp_path / "unit.npy")]) == 0
    out = capsys.readouterr().out
    assert "modes covered  10 / 10" in out and "accurate on held-out images" in out
    for bad, fragment in [(held_out[:, 0], "must have shape [N, 1, 28, 28]"),
                          (held_out.astype(np.float32), "must lie in [0, 1]")]:  # fmt: skip
        np.save(tmp_path / "bad.npy", bad)
        assert main(["eval", "--data", "mnist", str(tmp_path / "bad.npy")]) == 2
        assert fragment in capsys.readouterr().err
