import math

from modeguard.bench import ResultsStore, mean_se, write_report
from modeguard.cli import main


def test_mean_se_by_hand():
    mean, se, n = mean_se([3.0, 5.0, 7.0])
    assert (mean, n) == (5.0, 3)
    assert math.isclose(se, 2.0 / math.sqrt(3))  # sample std 2
    assert mean_se([4.0]) == (4.0, None, 1)
    assert mean_se([None, 2.0, 4.0])[:2] == (3.0, 1.0)


def _config(seed, remedy="none"):
    return {"data": "ring", "preset": "unrolled", "remedy": remedy, "seed": seed, "steps": 10}


def test_report_tables_match_a_hand_computation_and_escape_html(tmp_path):
    with ResultsStore(tmp_path / "results.sqlite") as store:
        store.set_meta("suite", {"name": "hand <b>", "description": "d & e", "references": [
            {"data": "ring", "variant": "none", "source": "Paper", "modes": 6.3}],
            "variants": ["none", "madgan"]})  # fmt: skip
        for seed, (modes, hq, kl) in enumerate([(3, 0.5, 1.0), (5, 0.7, 0.5), (7, 0.9, 0.0)]):
            summary = {"modes": modes, "n_modes": 8, "hq": hq, "kl": kl, "churn": None,
                       "seconds": 10.0 + seed, "steps_per_second": 100.0 * (seed + 1)}  # fmt: skip
            store.record(hash=f"h{seed}", suite="hand", config=_config(seed), variant="none",
                         version="t", summary=summary,
                         evals=[{"step": 0, "modes": 1, "hq": 0.1, "kl": 2.0}])  # fmt: skip
        for seed, (per_g, shared) in enumerate([([2, 2], 1), ([1, 3], 3)]):
            table = {"modes_per_generator": per_g, "shared_modes": shared}
            summary = {"modes": 4, "n_modes": 8, "hq": 0.5, "kl": 0.1, "seconds": 1.0,
                       "attribution": table}  # fmt: skip
            store.record(hash=f"m{seed}", suite="hand", config=_config(seed, "madgan"),
                         variant="madgan", version="t", summary=summary, evals=[])  # fmt: skip
        store.record(hash="x", suite="hand", config=_config(0, "pacgan"), version="t",
                     variant="<script>alert(1)</script>", error="Boom: <bad>")  # fmt: skip
    html_path, md_path = write_report(tmp_path)
    md = md_path.read_text()
    # modes 3, 5, 7: mean 5, s.e. 2 / sqrt(3) = 1.15; hq: 0.7 ± 0.115; kl: 0.5 ± 0.289
    # steps / s 100, 200, 300: 200 ± 100 / sqrt(3) = 58
    row = (
        "| none | 3 | 5.00 ± 1.15 | 0.700 ± 0.115 | 0.500 ± 0.289 | – | 11.0 ± 0.6 | 200 ± 58 | 0 |"
    )
    assert f"{row}  | modes 6.3 (Paper) |" in md
    # modes per generator: 2 and 2 (mean 2.0 ± 0.0); shared 1 and 3: 2.0 ± 1.0
    assert "| 0 | 2.0 ± 0.0 per G, 2.0 ± 1.0 shared |  |" in md
    # rows in the suite's order (not the store's alphabetical one), unknown variants last
    assert md.index("| none |") < md.index("| madgan |") < md.index("| &lt;script&gt;")
    assert "<script>" not in md and "<b>" not in md  # Markdown renderers pass raw HTML on
    page = html_path.read_text()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "hand &lt;b&gt;" in page and "d &amp; e" in page
    assert page.count("data:image/png;base64,") >= 1


def test_report_cli(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "holds no results.sqlite" in capsys.readouterr().err
