"""Regime: the current regime with its confidence and features, its history (the last 30 days,
and the whole run shaded on the equity chart), the method selected, the policy's adjustments."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from tradewind.dashboard import charts, fmt
from tradewind.dashboard.regime import (
    adjustments,
    changes_frame,
    policy_frame,
    recent,
    regime_now,
    stretches,
)
from tradewind.dashboard.tabs.common import metric, needs_cycles, table, utc_to_ny
from tradewind.dashboard.view import RunView
from tradewind.review.policy_now import policy_now


def render(view: RunView) -> None:
    """Draw the Regime tab."""
    if needs_cycles(view, "regime reading"):
        return
    now = regime_now(view)
    rec = view.records
    c = st.columns(4)
    metric(c[0], "Current regime", now.regime)
    metric(c[1], "Confidence", fmt.pct(now.confidence, 0) if now.confidence is not None else fmt.NA)
    metric(c[2], "Since", fmt.day(now.since), fmt.clock(now.since))
    metric(c[3], "Method selected", now.method)
    st.subheader("Policy adjustments applied")
    engine = view.checkpoint.engine if view.checkpoint is not None else None
    for line in adjustments(view.strategy, now.regime, policy_now(rec, view.strategy, engine)):
        st.markdown(f"- {line}")
    _features(now.features, now.is_vix_proxy, view)
    parts = stretches(rec.recorder.ts, rec.recorder.regime)
    last30 = recent(parts, pd.Timestamp(rec.recorder.ts[-1]))
    st.plotly_chart(
        charts.regime_timeline(last30, "Regime history: the last 30 days"), key="regime-30d"
    )
    equity = rec.performance.equity_curve()  # time-weighted around deposits/withdrawals
    name = str(rec.benchmark.name) if rec.benchmark is not None else "benchmark"
    st.plotly_chart(
        charts.pnl_vs_benchmark(equity, rec.run.initial_cash, rec.benchmark, name, shade=parts),
        key="regime-run",
    )
    st.caption(f"The whole run, {len(parts)} regime stretch(es), shaded behind the P&L.")
    st.subheader("Regime changes")
    changes = changes_frame(view)
    if changes.empty:
        st.caption("No regime change during the run.")
    else:
        table(utc_to_ny(changes, "time"))
    st.subheader("Policies")
    table(
        policy_frame(view.strategy),
        **{
            "position cap": "{:.0%}",
            "exposure cap": "{:.0%}",
            "cash buffer": "{:.0%}",
            "invested at most": "{:.0%}",
        },
    )


def _features(features: dict[str, float], proxy: bool, view: RunView) -> None:
    st.subheader("Features of the last reading")
    if not features:
        why = (
            "a backtest keeps no checkpoint"
            if view.records.clock == "backtest"
            else "no checkpoint yet"
        )
        st.caption(f"No features recorded ({why}).")
        return
    frame = pd.DataFrame(
        [{"feature": k, "value": v if math.isfinite(v) else None} for k, v in features.items()]
    )
    table(frame, value="{:,.4g}")
    if proxy:
        st.caption("VIX: the realized-volatility proxy (no VIX series for these dates).")
