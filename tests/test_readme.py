import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_own_loop_example_runs():
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### In your own loop") :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert all(p.grad is not None for p in namespace["G"].parameters())


def test_replay_and_multigen_example_runs():
    text = README.read_text(encoding="utf-8")
    section = text[text.index("Replay and several generators") :]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    namespace["g_loss"].backward()
    assert all(p.grad is not None for p in namespace["G"].parameters())
    assert namespace["d_fakes"].shape == (64, 2)
