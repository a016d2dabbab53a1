"""The dashboard's plotly charts, each drawn from figures the reports computed.

Every function takes plain series or frames (no store, no Streamlit) and returns a
``plotly.graph_objects.Figure``; the tabs place them. Regimes have one colour everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from tradewind.dashboard.regime import Stretch
from tradewind.reports.metrics import drawdown

REGIME_COLOURS = {
    "BULL": "#2e7d32",
    "BEAR": "#c62828",
    "CHOPPY": "#f9a825",
    "VOLATILE": "#6a1b9a",
}
OTHER = "#9e9e9e"
HEIGHT = 320
_LAYOUT = {
    "height": HEIGHT,
    "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
    "legend": {"orientation": "h", "y": -0.15},
}


def colour(regime: str) -> str:
    """The regime's colour (grey for anything else, e.g. UNKNOWN before the first reading)."""
    return REGIME_COLOURS.get(regime, OTHER)


def pnl_vs_benchmark(
    equity: pd.Series,
    initial: float,
    benchmark: pd.Series | None,
    benchmark_name: str,
    shade: Sequence[Stretch] = (),
) -> go.Figure:
    """Cumulative P&L (USD) after each cycle, and what the capital would have made in the
    benchmark over the same span; regimes shaded behind when ``shade`` is given."""
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=equity.index,
            y=equity.to_numpy() - initial,
            name="strategy P&L",
            line={"color": "#1565c0"},
        )
    )
    if benchmark is not None and len(benchmark.dropna()):
        closes = benchmark.dropna().sort_index().reindex(equity.index, method="ffill")
        first = closes.dropna()
        if len(first):
            base = float(first.iloc[0])
            fig.add_trace(
                go.Scatter(
                    x=equity.index,
                    y=initial * (closes.to_numpy() / base - 1.0),
                    name=f"{benchmark_name} (same capital)",
                    line={"color": "#616161", "dash": "dot"},
                )
            )
    _shade(fig, shade)
    fig.update_layout(title="Cumulative P&L (USD)", **_LAYOUT)
    fig.update_yaxes(tickprefix="$", separatethousands=True)
    return fig


def _shade(fig: go.Figure, shade: Sequence[Stretch]) -> None:
    # one list of shapes given to the layout at once: ``add_vrect`` validates and copies the
    # whole layout per call (seconds for a long run's hundreds of stretches)
    shapes = [
        {
            "type": "rect",
            "xref": "x",
            "yref": "y domain",
            "x0": s.start,
            "x1": s.end,
            "y0": 0,
            "y1": 1,
            "fillcolor": colour(s.regime),
            "opacity": 0.12,
            "line": {"width": 0},
            "layer": "below",
        }
        for s in shade
    ]
    fig.update_layout(shapes=[*fig.layout.shapes, *shapes])
    for regime in sorted({s.regime for s in shade}):  # a legend entry per regime shown
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=regime,
                marker={"color": colour(regime), "symbol": "square"},
            )
        )


def drawdown_chart(equity: pd.Series, initial: float) -> go.Figure:
    """Drawdown from the running peak after each cycle (the value path starts at the capital,
    as every metric of the reports)."""
    path = np.concatenate([[initial], equity.to_numpy(dtype=float)])
    dd = drawdown(path)[1:]
    fig = go.Figure(
        go.Scatter(x=equity.index, y=dd, fill="tozeroy", name="drawdown", line={"color": "#c62828"})
    )
    fig.update_layout(title="Drawdown", **_LAYOUT)
    fig.update_yaxes(tickformat=".1%")
    return fig


def rolling_sharpe_chart(rolling: pd.Series, target: float, window: int) -> go.Figure:
    """The rolling Sharpe of each ``window``-session window, with the readiness target."""
    fig = go.Figure(
        go.Scatter(
            x=rolling.index,
            y=rolling.to_numpy(),
            name=f"Sharpe {window}d",
            line={"color": "#1565c0"},
        )
    )
    fig.add_hline(
        y=target, line_dash="dash", line_color="#2e7d32", annotation_text=f"target > {target:g}"
    )
    fig.update_layout(title=f"Rolling Sharpe ({window} sessions)", **_LAYOUT)
    return fig


def weights_chart(
    symbols: Sequence[str], current: Sequence[float], target: Sequence[float] | None
) -> go.Figure:
    """Weights held against the optimizer's targets, per symbol."""
    fig = go.Figure(go.Bar(x=list(symbols), y=list(current), name="held", marker_color="#1565c0"))
    if target is not None:
        fig.add_trace(
            go.Bar(x=list(symbols), y=list(target), name="target", marker_color="#90caf9")
        )
    fig.update_layout(title="Weights: held vs target", barmode="group", **_LAYOUT)
    fig.update_yaxes(tickformat=".0%")
    return fig


def regime_timeline(parts: Sequence[Stretch], title: str) -> go.Figure:
    """The regimes as coloured stretches of time."""
    fig = go.Figure()
    seen: set[str] = set()
    for s in parts:
        end = s.end if s.end > s.start else s.start + pd.Timedelta(hours=6)
        fig.add_trace(
            go.Scatter(
                x=[s.start, end],
                y=[s.regime, s.regime],
                mode="lines",
                line={"color": colour(s.regime), "width": 18},
                name=s.regime,
                showlegend=s.regime not in seen,
                hovertext=f"{s.regime}: {s.start:%Y-%m-%d %H:%M} to "
                f"{s.end:%Y-%m-%d %H:%M} ({s.cycles} cycles)",
                hoverinfo="text",
            )
        )
        seen.add(s.regime)
    fig.update_layout(title=title, **{**_LAYOUT, "height": 220})
    return fig


def costs_chart(frame: pd.DataFrame, x: str, title: str, budget: float | None = None) -> go.Figure:
    """Costs per period (USD bars) with their share of the portfolio (line, right axis) and,
    for months, the monthly budget."""
    fig = go.Figure(
        go.Bar(x=frame[x], y=frame["costs"], name="costs (USD)", marker_color="#ef6c00")
    )
    fig.add_trace(
        go.Scatter(
            x=frame[x],
            y=frame["share"],
            name="% of portfolio",
            yaxis="y2",
            mode="lines+markers",
            line={"color": "#37474f"},
        )
    )
    if budget is not None:
        fig.add_trace(
            go.Scatter(
                x=frame[x],
                y=[budget] * len(frame),
                name=f"budget {budget:.2%}",
                yaxis="y2",
                mode="lines",
                line={"color": "#2e7d32", "dash": "dash"},
            )
        )
    fig.update_layout(
        title=title,
        yaxis={"tickprefix": "$"},
        yaxis2={"overlaying": "y", "side": "right", "tickformat": ".2%"},
        **_LAYOUT,
    )
    return fig


def estimate_chart(weekly: pd.DataFrame) -> go.Figure:
    """Each week's costs as the planner estimated them and as the fills realized them."""
    fig = go.Figure()
    fig.add_trace(
        go.Bar(x=weekly["week"], y=weekly["estimated"], name="estimated", marker_color="#90caf9")
    )
    fig.add_trace(
        go.Bar(x=weekly["week"], y=weekly["realized"], name="realized", marker_color="#ef6c00")
    )
    fig.update_layout(
        title="Estimated vs realized costs per week (USD)", barmode="group", **_LAYOUT
    )
    fig.update_xaxes(title="week of the run")
    return fig
