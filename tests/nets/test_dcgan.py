import pytest
import torch

from modeguard.errors import ModeguardError
from modeguard.nets.dcgan import dcgan_discriminator, dcgan_generator


@pytest.mark.parametrize(("channels", "size"), [(1, 28), (3, 28), (3, 32)])
def test_dcgan_shapes(channels, size):
    g = dcgan_generator(100, channels, size)
    x = g(torch.randn(5, 100))
    assert x.shape == (5, channels, size, size) and x.abs().max() <= 1
    assert dcgan_discriminator(channels, size)(x).shape == (5, 1)


def test_discriminator_factor_scales_its_width():
    full, quarter = dcgan_discriminator(3, 28, 1.0), dcgan_discriminator(3, 28, 0.25)
    assert (full[0].out_channels, quarter[0].out_channels) == (64, 16)
    assert (full[2].out_channels, quarter[2].out_channels) == (128, 32)
    with pytest.raises(ModeguardError, match="divisible by 4"):
        dcgan_generator(100, 1, 30)
