import pytest
import yaml

TINY_SUITE = {
    "name": "tiny",
    "seeds": 2,
    "base": {"steps": 20, "eval_every": 10, "batch_size": 64, "eval_samples": 200},
    "data": ["ring", "grid"],
    "remedies": ["none", {"remedy": "pacgan", "pack": 2}],
}


@pytest.fixture
def tiny_suite_file(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(TINY_SUITE))
    return path
