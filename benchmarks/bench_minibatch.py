"""Speed of minibatch discrimination: the ``torch.cdist`` form in ``MinibatchDiscrimination``
against the textbook broadcast ``[N, N, B, C]`` (Salimans et al.'s code), forward and backward.

Run: python benchmarks/bench_minibatch.py  (prints seconds per step and the ratio, side by side)
"""

from __future__ import annotations

import time

import torch

from modeguard.remedies import MinibatchDiscrimination


def broadcast_reference(layer: MinibatchDiscrimination, x: torch.Tensor) -> torch.Tensor:
    """The layer written as in the paper's code: every pair's L1 distance by broadcasting."""
    m = (x @ layer.T).view(-1, layer.kernels, layer.kernel_dim)
    l1 = (m.unsqueeze(0) - m.unsqueeze(1)).abs().sum(dim=3)
    return torch.cat([x, torch.exp(-l1).sum(dim=0) - 1.0], dim=1)


def _seconds(fn, x: torch.Tensor, repeats: int) -> float:
    start = time.perf_counter()
    for _ in range(repeats):
        fn(x).sum().backward()
    return (time.perf_counter() - start) / repeats


def main() -> None:
    torch.set_num_threads(1)
    torch.manual_seed(0)
    layer = MinibatchDiscrimination(128, 100, 5)
    for n in (100, 512):
        x = torch.randn(n, 128, requires_grad=True)
        torch.testing.assert_close(layer(x), broadcast_reference(layer, x), rtol=1e-4, atol=1e-4)
        repeats = 10 if n <= 128 else 3
        ours, ref = (
            _seconds(layer, x, repeats),
            _seconds(lambda v: broadcast_reference(layer, v), x, repeats),
        )
        print(
            f"batch {n:4d}, 100 kernels of 5: cdist {ours:.3f} s, broadcast {ref:.3f} s per "
            f"forward+backward, speed-up {ref / ours:.1f}x (same output)"
        )


if __name__ == "__main__":
    main()
