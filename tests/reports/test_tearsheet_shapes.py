"""The tearsheet's figure is built in one pass: the regime shading as plotly's ``add_vrect``
builds it, the times as plotly writes them."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from tradewind.backtest.runner import run_backtest
from tradewind.config import validate_config
from tradewind.data import get_market_data
from tradewind.reports.run import RunSummary
from tradewind.reports.tearsheet import (
    REGIME_COLORS,
    _regime_spans,
    _Times,
    build_figure,
    tearsheet_data,
)


@pytest.fixture(scope="module")
def summary() -> RunSummary:
    """Two years of a regime-aware backtest on bundled data (2008-2009: several regimes)."""
    cfg = validate_config(
        {
            "trading": {"symbols": ["AAPL", "MSFT", "KO", "XOM"]},
            "data": {"source": "bundled"},
            "portfolio_optimization": {"regime_aware": True},
            "notifications": {"discord": {"enabled": False}},
        }
    )
    return run_backtest(cfg, get_market_data(cfg), "2008-01-02", "2009-12-31").summary


def test_the_shading_is_what_add_vrect_builds_span_by_span(summary: RunSummary) -> None:
    # Arrange: the figure, and the same figure shaded the slow way (one add_vrect a span)
    fig = build_figure(summary)
    spans = _regime_spans(tearsheet_data(summary)["regime"])  # type: ignore[arg-type]
    assert len(spans) >= 3  # a real test: several regimes over 2008-2009
    slow = go.Figure(fig)  # a copy (its JSON keys come out in another order: compare parsed)
    slow.layout.shapes = ()
    # Act
    for start, end, label in spans:
        slow.add_vrect(
            x0=start,
            x1=end,
            fillcolor=REGIME_COLORS.get(label, "rgba(0,0,0,0.05)"),
            line_width=0,
            row=1,
            col=1,
        )
    # Assert: identical figures, shape for shape, and one shape per span
    assert len(fig.layout.shapes) == len(spans)
    assert json.loads(fig.to_json()) == json.loads(slow.to_json())
    shapes = [json.dumps(s.to_plotly_json(), default=str) for s in fig.layout.shapes]
    assert shapes == [json.dumps(s.to_plotly_json(), default=str) for s in slow.layout.shapes]


def test_the_times_are_written_as_plotly_writes_timestamps(summary: RunSummary) -> None:
    # Arrange: the run's bars (closes and early closes, UTC) and times with microseconds
    bars = pd.DatetimeIndex(summary.recorder.ts)
    odd = pd.DatetimeIndex(["2020-03-09 13:30:00.000250", "2021-11-26 18:00"], tz="UTC")
    times = _Times(bars)
    for index in (bars, odd):
        series = pd.Series(np.arange(len(index), dtype=float), index=index)
        # Act
        fast = go.Figure(go.Scatter(x=times(series), y=series))
        slow = go.Figure(go.Scatter(x=series.index, y=series))
        # Assert: the same JSON text
        assert fast.to_json() == slow.to_json()
