"""A sweep report as one self-contained HTML page: warnings, distribution, heat map, PBO.

Charts (plotly, JavaScript embedded so the page opens offline):

* the distribution of every successful trial's Sharpe ratio, the best one marked;
* a heat map of the Sharpe ratio over the two parameters of a two-parameter sweep (the mean
  where a cell holds several trials); one parameter: Sharpe per value; more: a box per value of
  each parameter (how much each one moves the result);
* the PBO logits (their share at or below zero is the probability of overfitting) and the
  selected trials' out-of-sample against in-sample Sharpe.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from tradewind.backtest.results import PARAM_PREFIX
from tradewind.backtest.sweep_report import SweepReport

TOP_ROWS = 25


def sharpe_grid(report: SweepReport) -> pd.DataFrame | None:
    """Mean Sharpe by the values of a two-parameter sweep (rows: first, columns: second)."""
    if len(report.params) != 2:
        return None
    a, b = (PARAM_PREFIX + p for p in report.params)
    ok = report.ok.copy()
    if ok.empty:
        return None
    ok[a], ok[b] = ok[a].map(_label), ok[b].map(_label)
    grid = ok.pivot_table(index=a, columns=b, values="sharpe", aggfunc="mean", sort=False)
    grid.index.name, grid.columns.name = report.params
    return grid


def figures(report: SweepReport) -> list[go.Figure]:
    """The report's charts, in page order."""
    figs: list[go.Figure] = []
    ok = report.ok
    hist = go.Figure(go.Histogram(x=ok["sharpe"], nbinsx=40, name="trials"))
    if report.best is not None:
        hist.add_vline(x=report.best["sharpe"], line_dash="dash", annotation_text="best")
    hist.update_layout(title="Sharpe ratio of every successful trial", xaxis_title="Sharpe")
    figs.append(hist)
    grid = sharpe_grid(report)
    if grid is not None:
        heat = go.Figure(
            go.Heatmap(
                z=grid.to_numpy(),
                x=[str(c) for c in grid.columns],
                y=[str(i) for i in grid.index],
                colorscale="RdYlGn",
                colorbar={"title": "Sharpe"},
                text=np.round(grid.to_numpy(), 2),
                texttemplate="%{text}",
            )
        )
        heat.update_layout(
            title="Sharpe ratio by parameter", xaxis_title=grid.columns.name,
            yaxis_title=grid.index.name,
        )  # fmt: skip
        figs.append(heat)
    else:
        for param in report.params:
            box = go.Figure(go.Box(x=ok[PARAM_PREFIX + param].map(_label), y=ok["sharpe"]))
            box.update_layout(title=f"Sharpe ratio by {param}", xaxis_title=param)
            figs.append(box)
    if report.pbo is not None:
        pbo = report.pbo
        logit = go.Figure(go.Histogram(x=pbo.logits, nbinsx=40))
        logit.add_vline(x=0.0, line_dash="dash")
        logit.update_layout(
            title=(
                f"CSCV logits of the in-sample best's out-of-sample rank "
                f"(PBO {pbo.probability:.0%}: share at or below 0)"
            ),
            xaxis_title="logit",
        )
        figs.append(logit)
    return figs


def write_report_html(report: SweepReport, path: str | Path) -> Path:
    """Write the report page to ``path``; return it."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>Sweep {html.escape(report.folder.name)}</title>",
        "<style>body{font-family:sans-serif;margin:2em} table{border-collapse:collapse}"
        " td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}"
        " .warn{color:#a15c00;font-weight:bold}</style></head><body>",
        f"<h1>Sweep {html.escape(report.folder.name)}</h1>",
        f"<p>{_summary(report)}</p>",
    ]
    parts += [f"<p class='warn'>{html.escape(w)}</p>" for w in report.warnings]
    for i, fig in enumerate(figures(report)):
        parts.append(fig.to_html(full_html=False, include_plotlyjs="inline" if i == 0 else False))
    parts.append(f"<h2>Best {TOP_ROWS} trials</h2>")
    parts.append(_top_table(report).to_html(index=False, float_format=lambda v: f"{v:.4g}"))
    if not report.failed.empty:
        parts.append("<h2>Failed trials</h2>")
        cols = ["trial_id", *(PARAM_PREFIX + p for p in report.params), "error"]
        parts.append(report.failed[cols].to_html(index=False))
    parts.append("</body></html>")
    out.write_text("\n".join(parts), encoding="utf-8")
    return out


def _summary(report: SweepReport) -> str:
    text = (
        f"{report.method} search over {', '.join(report.params)}: "
        f"{len(report.table)} of {report.planned} trials recorded, {len(report.failed)} failed"
    )
    if report.groups is not None:
        text += f", {report.groups.effective} effectively different"
    if report.dsr is not None and report.dsr.trials >= 2:
        text += f"; deflated Sharpe probability of the best {report.dsr.probability:.0%}"
    if report.pbo is not None:
        text += f"; PBO {report.pbo.probability:.0%}"
    return html.escape(text)


def _top_table(report: SweepReport) -> pd.DataFrame:
    cols = [PARAM_PREFIX + p for p in report.params]
    metrics = ["sharpe", "cagr", "max_drawdown", "turnover", "costs_pct_per_year", "rebalances"]
    top = report.ok.head(TOP_ROWS)[["trial_id", *cols, *metrics]].copy()
    top.columns = ["trial", *report.params, *metrics]
    return top


def _label(value: object) -> str:
    if isinstance(value, list):
        return ",".join(map(str, value))
    return str(value)
