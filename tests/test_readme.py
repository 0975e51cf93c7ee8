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
