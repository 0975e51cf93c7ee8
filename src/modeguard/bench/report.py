"""The bench report: ``report.html`` (one self-contained file, figures embedded) and
``report.md`` (figures under ``figures/``), from a bench folder's ``results.sqlite``.

Per data set and preset: a table of variants with modes, hq, kl and churn as mean ± standard
error over seeds (n given), the published figures beside ours where the suite names them, the
cost of a run; the final samples of each variant; modes covered over training.
"""

from __future__ import annotations

import base64
import html
import json
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from modeguard.bench.store import ResultsStore
from modeguard.errors import ModeguardError
from modeguard.io import atomic_write_bytes, atomic_write_text
from modeguard.plots import figure_png

METRICS = ("modes", "hq", "kl", "churn")


def mean_se(values: Sequence[float | None]) -> tuple[float, float | None, int]:
    """Mean, standard error (sample std / sqrt(n); ``None`` for n < 2) and n, ignoring ``None``."""
    xs = [float(v) for v in values if v is not None]
    n = len(xs)
    if n == 0:
        return math.nan, None, 0
    mean = sum(xs) / n
    if n < 2:
        return mean, None, n
    variance = sum((x - mean) ** 2 for x in xs) / (n - 1)
    return mean, math.sqrt(variance / n), n


def format_mean_se(values: Sequence[float | None], digits: int = 2) -> str:
    """``mean ± se`` (or ``mean`` alone for one value, ``–`` for none)."""
    mean, se, n = mean_se(values)
    if n == 0:
        return "–"
    return f"{mean:.{digits}f}" if se is None else f"{mean:.{digits}f} ± {se:.{digits}f}"


@dataclass
class Row:
    """One line of a report table: a variant of one data set and preset."""

    data: str
    preset: str
    variant: str
    runs: list[dict[str, Any]]
    failed: int

    def cell(self, metric: str) -> str:
        return format_mean_se([r[metric] for r in self.runs], 3 if metric != "modes" else 2)

    def attribution_cell(self) -> str:
        """Multi-generator runs: mean modes per generator and modes shared by several (mean ±
        s.e. over seeds); empty for single-generator variants."""
        tables = [json.loads(r["summary"] or "{}").get("attribution") for r in self.runs]
        tables = [t for t in tables if t]
        if not tables:
            return ""
        per_g = [sum(t["modes_per_generator"]) / len(t["modes_per_generator"]) for t in tables]
        shared = [t["shared_modes"] for t in tables]
        return f"{format_mean_se(per_g, 1)} per G, {format_mean_se(shared, 1)} shared"


def collect_rows(runs: list[dict[str, Any]], order: Sequence[str] = ()) -> list[Row]:
    """Group the store's runs by (data, preset, variant): data sets in the order they first
    appear, variants in ``order`` (the suite's), then any others in the order they appear."""
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for run in runs:
        groups[(run["data"], run["preset"], run["variant"])].append(run)
    data_rank = {key[:2]: i for i, key in reversed(list(enumerate(groups)))}
    rank = {v: i for i, v in enumerate(order)}
    keys = sorted(groups, key=lambda k: (data_rank[k[:2]], rank.get(k[2], len(rank))))
    groups = {k: groups[k] for k in keys}
    return [
        Row(
            *key, [r for r in rs if r["status"] == "done"], sum(r["status"] == "failed" for r in rs)
        )
        for key, rs in groups.items()
    ]


def _reference(refs: list[dict[str, Any]], row: Row) -> str:
    parts = []
    for ref in refs:
        if ref.get("data") == row.data and ref.get("variant") == row.variant:
            figures = ", ".join(f"{m} {ref[m]}" for m in METRICS if m in ref)
            parts.append(f"{figures} ({ref.get('source', 'published')})")
    return "; ".join(parts)


def _modes_figure(rows: list[Row], store: ResultsStore, title: str) -> bytes:
    fig, ax = plt.subplots(figsize=(6, 3.2))
    for row in rows:
        by_step: dict[int, list[float]] = defaultdict(list)
        for run in row.runs:
            for e in store.evals(run["hash"]):
                by_step[e["step"]].append(e["modes"])
        steps = sorted(by_step)
        if steps:
            ax.plot(steps, [sum(by_step[s]) / len(by_step[s]) for s in steps], marker=".",
                    label=row.variant)  # fmt: skip
    ax.set_xlabel("step")
    ax.set_ylabel("modes covered (mean over seeds)")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="best")
    fig.tight_layout()
    return figure_png(fig)


def _samples_png(row: Row) -> bytes | None:
    for run in sorted(row.runs, key=lambda r: r["seed"]):
        path = Path(run["run_dir"] or "") / "samples.png"
        if path.is_file():
            return path.read_bytes()
    return None


def write_report(out: str | Path) -> tuple[Path, Path]:
    """Write ``report.html`` and ``report.md`` for the bench folder ``out``; returns both."""
    out = Path(out)
    if not (out / "results.sqlite").is_file():
        raise ModeguardError(f"{out} holds no results.sqlite; run `modeguard bench --out {out}`")
    with ResultsStore(out / "results.sqlite") as store:
        suite = store.get_meta("suite", {}) or {}
        refs = suite.get("references", [])
        rows = collect_rows(store.runs(), suite.get("variants", []))
        sections: dict[tuple[str, str], list[Row]] = defaultdict(list)
        for row in rows:
            sections[(row.data, row.preset)].append(row)
        figures = {
            key: _modes_figure(rs, store, f"{key[0]} · {key[1]}") for key, rs in sections.items()
        }
    name = suite.get("name", out.name)
    md = [f"# modeguard bench: {_md_cell(name)}", "", _md_cell(suite.get("description", "")), ""]
    esc = html.escape
    body = [f"<h1>modeguard bench: {esc(name)}</h1>", f"<p>{esc(suite.get('description', ''))}</p>"]
    header = ["variant", "n", "modes", "hq", "kl", "churn", "s / run", "steps / s", "failed",
              "generators", "published"]  # fmt: skip
    (out / "figures").mkdir(exist_ok=True)
    for (data, preset), rs in sections.items():
        title = f"{data} · preset {preset}"
        md += [f"## {_md_cell(title)}", "", "| " + " | ".join(header) + " |",
               "|" + " --- |" * len(header)]  # fmt: skip
        body += [f"<h2>{esc(title)}</h2>", "<table>", "<tr>"
                 + "".join(f"<th>{esc(h)}</th>" for h in header) + "</tr>"]  # fmt: skip
        for row in rs:
            cells = [
                row.variant, str(len(row.runs)), *(row.cell(m) for m in METRICS),
                format_mean_se([r["seconds"] for r in row.runs], 1),
                format_mean_se([r["steps_per_second"] for r in row.runs], 0), str(row.failed),
                row.attribution_cell(), _reference(refs, row),
            ]  # fmt: skip
            md.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
            body.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>")
        body.append("</table>")
        slug = f"{data}-{preset}".replace("/", "_")
        atomic_write_bytes(out / "figures" / f"{slug}-modes.png", figures[(data, preset)])
        md += ["", f"![modes covered over training](figures/{slug}-modes.png)", ""]
        body.append(_img(figures[(data, preset)], f"modes covered over training, {title}"))
        body.append("<div class='samples'>")
        for i, row in enumerate(rs):
            png = _samples_png(row)
            if png is None:
                continue
            atomic_write_bytes(out / "figures" / f"{slug}-samples-{i}.png", png)
            md.append(f"![{_md_cell(row.variant)}](figures/{slug}-samples-{i}.png)")
            body.append(f"<figure>{_img(png, row.variant)}<figcaption>{esc(row.variant)}"
                        "</figcaption></figure>")  # fmt: skip
        body.append("</div>")
        md.append("")
    note = (
        "Figures are mean ± standard error over n seeds; s / run is training seconds; "
        "generators: modes each generator covers, and modes covered by more than one."
    )
    md.append(note)
    body.append(f"<p>{esc(note)}</p>")
    page = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{esc('modeguard bench: ' + name)}</title><style>{_CSS}</style></head><body>"
        + "\n".join(body) + "</body></html>"
    )  # fmt: skip
    atomic_write_text(out / "report.html", page)
    atomic_write_text(out / "report.md", "\n".join(md) + "\n")
    return out / "report.html", out / "report.md"


def _md_cell(text: str) -> str:
    """A Markdown table cell: HTML escaped (Markdown renderers pass raw HTML on) and ``|``
    escaped."""
    return html.escape(text, quote=False).replace("|", "\\|")


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f"<img alt='{html.escape(alt, quote=True)}' src='data:image/png;base64,{data}'>"


_CSS = (
    "body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
    "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;"
    "text-align:right}td:first-child,th:first-child{text-align:left}"
    ".samples{display:flex;flex-wrap:wrap}.samples figure{margin:4px;width:240px}"
    ".samples img{width:240px}"
)
