import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def _run_block_after(heading: str) -> dict:
    """Execute the first Python block after ``heading`` in the README; return its namespace."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index(heading) :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    return namespace


def test_own_loop_example_runs():
    namespace = _run_block_after("### In your own loop")
    assert all(p.grad is not None for p in namespace["G"].parameters())


def test_replay_and_multigen_example_runs():
    namespace = _run_block_after("Replay and several generators")
    namespace["g_loss"].backward()
    assert all(p.grad is not None for p in namespace["G"].parameters())
    assert namespace["d_fakes"].shape == (64, 2)
