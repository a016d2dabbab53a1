"""A self-contained HTML tearsheet: equity vs benchmark, drawdown, rolling Sharpe, weights over
time with regime shading, and costs. Plotly's JavaScript is embedded so it opens offline."""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tradewind.reports.costs import describe_comparison
from tradewind.reports.plotly_page import (
    data_array,
    figure_div_parts,
    stacked_rows,
    template,
    trace,
)
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
    if rec.fills:
        costs = pd.Series(
            [f.cost for f in rec.fills], index=pd.DatetimeIndex([f.ts for f in rec.fills])
        )
        data["cumulative_costs"] = (
            costs.groupby(level=0).sum().cumsum().reindex(equity.index, method="ffill").fillna(0.0)
        )
    else:  # nothing traded (an empty index of no time zone cannot be aligned with the bars)
        data["cumulative_costs"] = pd.Series(0.0, index=equity.index)
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


def _regime_key(label: str) -> dict[str, Any]:
    """A legend entry (no data) naming the colour a regime is shaded in."""
    colour = REGIME_COLORS[label].rsplit(",", 1)[0].replace("rgba", "rgb") + ")"
    return {
        "x": [None],
        "y": [None],
        "mode": "markers",
        "marker": {"symbol": "square", "size": 12, "color": colour, "opacity": 0.5},
        "name": f"{label} regime",
        "legendgroup": "regimes",
    }


class _Times:
    """The x values of the tearsheet's traces: each time as the ISO text plotly writes for it.

    Plotly writes a column of ``Timestamp`` objects object by object; the same times as text,
    formatted once for every trace on the run's bars, cost milliseconds and write the same JSON
    (``tests/reports/test_tearsheet_shapes.py``).
    """

    def __init__(self, bars: pd.DatetimeIndex) -> None:
        self._bars = bars
        self._text = _iso(bars)
        self._list: list[str] = self._text.tolist()

    def __call__(self, data: pd.Series | pd.DataFrame) -> np.ndarray:
        """The x values of ``data`` (its index)."""
        index = pd.DatetimeIndex(data.index)
        return self._text if index.equals(self._bars) else _iso(index)

    def values(self, data: pd.Series | pd.DataFrame) -> list[str]:
        """:meth:`__call__` as the list a figure's dict holds (one shared list for the bars)."""
        index = pd.DatetimeIndex(data.index)
        return self._list if index.equals(self._bars) else _iso(index).tolist()


def _iso(index: pd.DatetimeIndex) -> np.ndarray:
    """``Timestamp.isoformat()`` of each time (formatted by numpy when the times are whole
    seconds in UTC, as a run's bars are: the same text)."""
    ns = index.as_unit("ns").asi8
    if index.tz is not None and str(index.tz) == "UTC" and not (ns % 1_000_000_000).any():
        text = np.datetime_as_string(ns.view("datetime64[ns]"), unit="s")
        return np.char.add(text, "+00:00")
    return np.asarray([t.isoformat() for t in index], dtype=str)


ROW_HEIGHTS = (0.32, 0.14, 0.14, 0.26, 0.14)
TITLES = (
    "Growth of $1 (regimes shaded)",
    "Drawdown",
    f"Rolling Sharpe ({ROLLING_DAYS} days)",
    "Weights",
    "Cumulative transaction costs ($)",
)


def figure_dict(run: RunSummary) -> dict[str, Any]:
    """The tearsheet's figure (five stacked panels) as plotly's ``Figure.to_dict()`` gives it
    (:mod:`tradewind.reports.plotly_page` says why it is not built with ``go.Figure``)."""
    d = tearsheet_data(run)
    growth = d["growth"]
    x = _Times(pd.DatetimeIndex(growth.index)).values

    def line(data: pd.Series, row: int, **props: Any) -> dict[str, Any]:
        return trace("scatter", {"x": x(data), "y": data_array(data), **props}, row)

    traces = [line(pd.Series(growth), 1, name=run.name, line={"width": 2})]
    if "benchmark_growth" in d:
        b = pd.Series(d["benchmark_growth"])
        traces.append(line(b, 1, name="Benchmark", line={"dash": "dot"}))
    spans = _regime_spans(d["regime"])  # type: ignore[arg-type]
    shown = {label for _, _, label in spans}
    traces += [trace("scatter", _regime_key(k), 1) for k in REGIME_COLORS if k in shown]
    traces.append(line(pd.Series(d["drawdown"]), 2, fill="tozeroy", name="Drawdown"))
    traces.append(line(pd.Series(d["rolling_sharpe"]), 3, name="Rolling Sharpe"))
    weights = pd.DataFrame(d["weights"])
    for col in weights.columns:
        traces.append(line(weights[col], 4, name=col, stackgroup="w", mode="none"))
    traces.append(line(pd.Series(d["cumulative_costs"]), 5, name="Costs"))
    layout: dict[str, Any] = {
        "template": template("plotly_white"),
        **stacked_rows(ROW_HEIGHTS, 0.04, TITLES),
        "legend": {"tracegroupgap": 12},
        "height": 1400,
        "shapes": [dict(sorted(s.items())) for s in regime_shapes(spans)],
    }
    layout["yaxis2"]["tickformat"] = ".0%"
    layout["yaxis4"]["tickformat"] = ".0%"
    return {"data": traces, "layout": layout}


def build_figure(run: RunSummary) -> Any:
    """The tearsheet's figure as a plotly ``go.Figure`` (for exploring it in Python; the
    tearsheet itself is written from :func:`figure_dict`)."""
    import plotly.graph_objects as go  # only here: the tearsheet is written without it

    return go.Figure(figure_dict(run))


TEARSHEET_DIV_ID = "tearsheet-chart"
"""The chart element's id (plotly draws a random one): the same run writes the same page."""


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
    head = f"""<!doctype html><html><head><meta charset="utf-8">
<title>tradewind tearsheet: {html.escape(run.name)}</title>
<style>body{{font-family:sans-serif;margin:24px}}table{{border-collapse:collapse}}
th{{text-align:left;padding:2px 16px 2px 0}}td{{padding:2px 0}}.note{{color:#666}}</style>
</head><body><h1>tradewind: {html.escape(run.name)}</h1>
<p class="note">{html.escape(note)}</p><table>{table}</table>"""
    figure = figure_div_parts(figure_dict(run), TEARSHEET_DIV_ID)
    parts = [head.encode("utf-8"), *figure, b"</body></html>"]
    if os.linesep != "\n":  # as a file opened as text writes the line ends
        parts = [part.replace(b"\n", os.linesep.encode("ascii")) for part in parts]
    with out.open("wb") as fh:
        fh.writelines(parts)
    return out
