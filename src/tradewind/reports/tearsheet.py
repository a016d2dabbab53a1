"""A self-contained HTML tearsheet: equity vs benchmark, drawdown, rolling Sharpe, weights over
time with regime shading, and costs. Plotly's JavaScript is embedded so it opens offline."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from tradewind.reports.costs import describe_comparison
from tradewind.reports.run import RunSummary

REGIME_COLORS = {
    "BULL": "rgba(46, 160, 67, 0.10)",
    "BEAR": "rgba(218, 54, 51, 0.12)",
    "CHOPPY": "rgba(210, 153, 34, 0.12)",
    "VOLATILE": "rgba(137, 87, 229, 0.12)",
}
ROLLING_DAYS = 63


def tearsheet_data(run: RunSummary) -> dict[str, pd.Series | pd.DataFrame]:
    """The series the tearsheet plots (tested directly, so the charts show checked numbers)."""
    rec = run.recorder
    equity = rec.equity_curve()
    growth = equity / run.initial_capital
    data: dict[str, pd.Series | pd.DataFrame] = {"growth": growth}
    if run.benchmark is not None:
        bench = run.benchmark.reindex(equity.index, method="ffill")
        data["benchmark_growth"] = bench / bench.dropna().iloc[0]
    path = np.concatenate([[run.initial_capital], equity.to_numpy()])
    data["drawdown"] = pd.Series(
        path[1:] / np.maximum.accumulate(path)[1:] - 1.0, index=equity.index
    )
    r = pd.Series(path[1:] / path[:-1] - 1.0, index=equity.index)
    roll = r.rolling(ROLLING_DAYS)
    data["rolling_sharpe"] = (roll.mean() / roll.std() * np.sqrt(252)).replace(
        [np.inf, -np.inf], np.nan
    )
    data["weights"] = rec.weights_frame()
    costs = pd.Series(
        [f.cost for f in rec.fills], index=pd.DatetimeIndex([f.ts for f in rec.fills])
    )
    data["cumulative_costs"] = (
        costs.groupby(level=0).sum().cumsum().reindex(equity.index, method="ffill").fillna(0.0)
    )
    data["regime"] = pd.Series(rec.regime, index=equity.index)
    return data


def _regime_spans(regime: pd.Series) -> list[tuple[pd.Timestamp, pd.Timestamp, str]]:
    if regime.empty:
        return []
    change = regime.ne(regime.shift()).to_numpy()
    starts = np.flatnonzero(change)
    ends = [*starts[1:], len(regime)]
    idx = pd.DatetimeIndex(regime.index)
    last = len(idx) - 1
    return [
        (idx[int(s)], idx[min(int(e), last)], str(regime.iloc[int(s)]))
        for s, e in zip(starts, ends, strict=True)
    ]


def regime_shapes(spans: list[tuple[pd.Timestamp, pd.Timestamp, str]]) -> list[dict[str, Any]]:
    """The regime shading of the first panel: one rectangle per span, spanning the panel's
    height, as plotly's ``add_vrect(row=1, col=1)`` would add them, given to the layout at once.

    ``add_vrect`` validates and deep-copies the whole layout on every call (seconds for the
    ~150 spans of an 18-year run); the same shapes passed as one list cost milliseconds.
    """
    return [
        {
            "type": "rect",
            "xref": "x",
            "yref": "y domain",
            "x0": start,
            "x1": end,
            "y0": 0,
            "y1": 1,
            "fillcolor": REGIME_COLORS.get(label, "rgba(0,0,0,0.05)"),
            "line": {"width": 0},
        }
        for start, end, label in spans
    ]


def _regime_key(label: str) -> go.Scatter:
    """A legend entry (no data) naming the colour a regime is shaded in."""
    colour = REGIME_COLORS[label].rsplit(",", 1)[0].replace("rgba", "rgb") + ")"
    return go.Scatter(
        x=[None],
        y=[None],
        mode="markers",
        marker={"symbol": "square", "size": 12, "color": colour, "opacity": 0.5},
        name=f"{label} regime",
        legendgroup="regimes",
    )


class _Times:
    """The x values of the tearsheet's traces: each time as the ISO text plotly writes for it.

    Plotly copies a trace's data when it is added and again when the figure is written, and
    a column of ``Timestamp`` objects is copied and encoded object by object (a second for the
    ~20 traces of an 18-year run); the same times as one array of strings, formatted once for
    every trace on the run's bars, cost milliseconds and write the same JSON.
    """

    def __init__(self, bars: pd.DatetimeIndex) -> None:
        self._bars = bars
        self._text = _iso(bars)

    def __call__(self, data: pd.Series | pd.DataFrame) -> np.ndarray:
        """The x values of ``data`` (its index)."""
        index = pd.DatetimeIndex(data.index)
        return self._text if index.equals(self._bars) else _iso(index)


def _iso(index: pd.DatetimeIndex) -> np.ndarray:
    return np.asarray([t.isoformat() for t in index], dtype=str)


def build_figure(run: RunSummary) -> go.Figure:
    """The tearsheet's figure (five stacked panels)."""
    d = tearsheet_data(run)
    fig = make_subplots(
        rows=5,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.04,
        row_heights=[0.32, 0.14, 0.14, 0.26, 0.14],
        subplot_titles=(
            "Growth of $1 (regimes shaded)",
            "Drawdown",
            f"Rolling Sharpe ({ROLLING_DAYS} days)",
            "Weights",
            "Cumulative transaction costs ($)",
        ),
    )
    growth = d["growth"]
    x = _Times(pd.DatetimeIndex(growth.index))
    fig.add_trace(go.Scatter(x=x(growth), y=growth, name=run.name, line={"width": 2}), 1, 1)
    if "benchmark_growth" in d:
        b = d["benchmark_growth"]
        fig.add_trace(go.Scatter(x=x(b), y=b, name="Benchmark", line={"dash": "dot"}), 1, 1)
    spans = _regime_spans(d["regime"])  # type: ignore[arg-type]
    shown = {label for _, _, label in spans}
    for label in (known for known in REGIME_COLORS if known in shown):
        fig.add_trace(_regime_key(label), 1, 1)
    dd = d["drawdown"]
    fig.add_trace(go.Scatter(x=x(dd), y=dd, fill="tozeroy", name="Drawdown"), 2, 1)
    rs = d["rolling_sharpe"]
    fig.add_trace(go.Scatter(x=x(rs), y=rs, name="Rolling Sharpe"), 3, 1)
    weights = pd.DataFrame(d["weights"])
    for col in weights.columns:
        fig.add_trace(
            go.Scatter(x=x(weights), y=weights[col], name=col, stackgroup="w", mode="none"), 4, 1
        )
    costs = d["cumulative_costs"]
    fig.add_trace(go.Scatter(x=x(costs), y=costs, name="Costs"), 5, 1)
    fig.update_layout(
        height=1400,
        template="plotly_white",
        legend={"tracegroupgap": 12},
        shapes=regime_shapes(spans),
    )
    fig.update_yaxes(tickformat=".0%", row=2, col=1)
    fig.update_yaxes(tickformat=".0%", row=4, col=1)
    return fig


def write_tearsheet(run: RunSummary, path: str | Path, note: str = "") -> Path:
    """Write the tearsheet HTML (plotly embedded) with a metrics table on top."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    p = run.performance
    rows = [
        ("Period", f"{p.start} to {p.end}"),
        ("Final equity", f"${p.final_equity:,.0f}"),
        ("Total return", f"{p.total_return:.1%}"),
        ("CAGR", f"{p.cagr:.2%}"),
        ("Sharpe", f"{p.sharpe:.2f}"),
        ("Sortino", f"{p.sortino:.2f}"),
        ("Max drawdown", f"{p.max_drawdown:.1%} ({p.max_drawdown_days} days)"),
        ("Win rate / profit factor", f"{p.win_rate:.0%} / {p.profit_factor:.2f}"),
        ("Turnover", f"{p.turnover:.2f}"),
        ("Costs", f"${p.costs_usd:,.0f} ({p.costs_pct_per_year:.3%} / year)"),
        ("Costs: estimate vs realized", describe_comparison(run.costs)),
        ("Rebalances", str(p.rebalances)),
    ]
    if run.relative is not None:
        r = run.relative
        rows += [
            ("Benchmark CAGR / Sharpe", f"{r.benchmark_cagr:.2%} / {r.benchmark_sharpe:.2f}"),
            ("Excess return / beta", f"{r.excess_return:+.2%} / {r.beta:.2f}"),
            ("Tracking error / IR", f"{r.tracking_error:.2%} / {r.information_ratio:.2f}"),
        ]
    table = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    figure = build_figure(run).to_html(full_html=False, include_plotlyjs=True)
    out.write_text(
        f"""<!doctype html><html><head><meta charset="utf-8">
<title>tradewind tearsheet: {html.escape(run.name)}</title>
<style>body{{font-family:sans-serif;margin:24px}}table{{border-collapse:collapse}}
th{{text-align:left;padding:2px 16px 2px 0}}td{{padding:2px 0}}.note{{color:#666}}</style>
</head><body><h1>tradewind: {html.escape(run.name)}</h1>
<p class="note">{html.escape(note)}</p><table>{table}</table>{figure}</body></html>""",
        encoding="utf-8",
    )
    return out
