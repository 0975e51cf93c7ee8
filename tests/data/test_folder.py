import pytest
import torch
from PIL import Image, ImageDraw

from modeguard.data import get_dataset
from modeguard.data.folder import read_image_folder
from modeguard.errors import ModeguardError


def _draw(folder, shape, n, seed):
    folder.mkdir(parents=True)
    g = torch.Generator().manual_seed(seed)
    for i in range(n):
        image = Image.new("RGB", (40, 40), "white")
        r = int(torch.randint(8, 14, (1,), generator=g))
        cx, cy = (int(v) for v in torch.randint(14, 26, (2,), generator=g))
        box = (cx - r, cy - r, cx + r, cy + r)
        draw = ImageDraw.Draw(image)
        (draw.ellipse if shape == "circle" else draw.rectangle)(box, fill="black")
        image.save(folder / f"{i:02d}.png")


@pytest.fixture
def shapes(tmp_path):
    root = tmp_path / "shapes"
    _draw(root / "circles", "circle", 15, 0)
    _draw(root / "squares", "square", 15, 1)
    (root / "squares" / "notes.png").write_text("not an image")
    return root


def test_folder_classes_are_modes_and_unreadable_files_are_counted(shapes):
    with pytest.warns(UserWarning, match="skipped 1 file"):
        images, labels, classes, skipped = read_image_folder(shapes, size=32)
    assert classes == ("circles", "squares") and skipped == 1
    assert images.shape == (30, 3, 32, 32) and images.dtype == torch.uint8
    assert torch.bincount(labels).tolist() == [15, 15]
    with pytest.warns(UserWarning):
        data = get_dataset(f"folder:{shapes}", image_size=32)
    assert (data.n_modes, data.shape, len(data.labels)) == (2, (3, 32, 32), 24)  # 3 each held out
    assert data.classifier.n_test == 6 and data.classifier.accuracy >= 5 / 6


def test_folder_errors(tmp_path):
    with pytest.raises(ModeguardError, match="is not a folder"):
        read_image_folder(tmp_path / "missing")
    with pytest.raises(ModeguardError, match="has no class subfolders"):
        read_image_folder(tmp_path)
    _draw(tmp_path / "cats", "circle", 3, 0)
    (tmp_path / "dogs").mkdir()
    with pytest.raises(ModeguardError, match=r"class 'dogs'.*has 0 readable image"):
        read_image_folder(tmp_path)


def test_a_gan_trains_on_a_folder_and_eval_counts_its_classes(shapes, tmp_path, capsys):
    import json

    import numpy as np

    from modeguard.cli import main
    from modeguard.train import TrainConfig, train

    with pytest.warns(UserWarning):
        config = TrainConfig(data=f"folder:{shapes}", steps=2, eval_every=1, batch_size=8,
                             eval_samples=32)  # fmt: skip
        summary = train(config, tmp_path / "run", progress=False)
    assert (summary["n_modes"], summary["preset"]) == (2, "dcgan")
    assert summary["classifier_accuracy"] >= 5 / 6
    with pytest.warns(UserWarning):
        images, labels, _, _ = read_image_folder(shapes, size=32)
    np.save(tmp_path / "squares.npy", images[labels == 1].numpy())  # uint8 [15, 3, 32, 32]
    assert (
        main(["eval", "--data", f"folder:{shapes}", str(tmp_path / "squares.npy"), "--json"]) == 0
    )
    stats = json.loads(capsys.readouterr().out)
    assert stats["n_modes"] == 2 and stats["histogram"][1] >= 12  # mostly squares
