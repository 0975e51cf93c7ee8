import pytest

from modeguard.bench import builtin_suites, load_suite, parse_suite
from modeguard.errors import ModeguardError

from .conftest import TINY_SUITE


def test_builtin_suites_load_and_expand():
    assert {"quick", "pacgan-table1"} <= set(builtin_suites())
    quick = load_suite("quick")
    assert {r.config.data for r in quick.runs} == {"ring", "grid"}
    assert {r.config.seed for r in quick.runs} == {0, 1, 2}
    every = {"none", "minibatch", "mbstd", "pacgan", "unrolled", "replay", "per-class", "madgan"}
    assert {r.config.remedy for r in quick.runs} == every
    steps = load_suite("unrolled-steps")
    assert {r.config.unroll for r in steps.runs} == {0, 1, 5, 10}
    assert {r.config.steps for r in steps.runs} == {2000}  # one budget for every variant
    for name in ("grouping", "grouping-pacgan", "replay", "multigen"):
        suite = load_suite(name)
        assert len({r.config.seed for r in suite.runs}) == 5
        assert len({r.config.steps for r in suite.runs}) == 1
    table1 = load_suite("pacgan-table1")
    assert len({r.config.seed for r in table1.runs}) == 10
    assert all(r.config.preset == "pacgan" for r in table1.runs)
    assert table1.references


def test_grid_expansion_labels_and_seed_override(tiny_suite_file):
    suite = load_suite(tiny_suite_file, seeds=3)
    assert len(suite.runs) == 2 * 2 * 3
    assert {r.variant for r in suite.runs} == {"none", "pacgan pack=2"}
    pac = [r for r in suite.runs if r.variant == "pacgan pack=2"]
    assert all(r.config.pack == 2 and r.config.batch_size == 64 for r in pac)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"remedies": ["none", "magic"]}, "remedies[1] (magic) on ring: unknown remedy 'magic'"),
        ({"seeds": [0, -1]}, "seeds must be a positive count or a list of distinct seeds"),
        ({"seeds": [1, 1]}, "seeds must be a positive count or a list of distinct seeds"),
        ({"seeds": 0}, "seeds must be a positive count"),
        ({"seeds": "three"}, "seeds must be"),
        ({"data": []}, "data must be a name or a non-empty list"),
        ({"data": ["moon"]}, "unknown data set 'moon'"),
        ({"stepz": 3}, "unknown key(s) stepz"),
        ({"remedies": [{"pack": 2}]}, "remedies[0] must be a remedy spec or a mapping"),
        ({"remedies": [{"remedy": "pacgan", "pack": 3}]}, "not a multiple of the PacGAN pack"),
        ({"remedies": ["none", "none"]}, "label 'none' appears twice"),
        ({"base": {"steps": 0}}, "steps must be a positive integer"),
    ],
)
def test_bad_suites_get_clear_errors(change, message):
    with pytest.raises(ModeguardError) as exc:
        parse_suite({**TINY_SUITE, **change}, "bad.yaml")
    assert message in str(exc.value) and str(exc.value).startswith("suite bad.yaml: ")


def test_unknown_suite_and_bad_yaml(tmp_path):
    with pytest.raises(ModeguardError, match="unknown suite 'nope'"):
        load_suite("nope")
    (tmp_path / "s.yaml").write_text("data: [ring\n")
    with pytest.raises(ModeguardError, match="not valid YAML"):
        load_suite(tmp_path / "s.yaml")
    with pytest.raises(ModeguardError, match="does not exist"):
        load_suite(tmp_path / "missing.yaml")
