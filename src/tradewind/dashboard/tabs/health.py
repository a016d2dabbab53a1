"""System Health: uptime, the last cycle and trade, warnings and errors of the last 24 hours,
halts and breaker distances, data freshness per source, notification delivery, model health."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from tradewind.calendar import nyse
from tradewind.calendar.session_hours import describe
from tradewind.config import TradewindConfig
from tradewind.dashboard import fmt
from tradewind.dashboard.freshness import data_events_frame, delivery_frame, freshness_frame
from tradewind.dashboard.health import (
    ServiceHealth,
    breakers_frame,
    problems_frame,
    service_health,
)
from tradewind.dashboard.models import model_health
from tradewind.dashboard.resume import resume_form
from tradewind.dashboard.tabs.common import metric, table, utc_to_ny
from tradewind.dashboard.view import RunView
from tradewind.service.liveness import INTERRUPTED
from tradewind.store import Store

RESUME_COMMAND = 'tradewind resume --confirm --reason "..."'


def render(view: RunView, store: Store, cfg: TradewindConfig) -> None:
    """Draw the System Health tab (``cfg``: the dashboard's configuration for the run's mode)."""
    h = service_health(store, view, cfg)
    _service(h, view)
    _halts(h, view, store, cfg)
    st.subheader(f"Warnings and errors: {h.window_label}")
    problems = problems_frame(h)
    if problems.empty:
        st.success(f"No warning or error in {h.window_label}.")
    else:
        table(utc_to_ny(problems, "time"))
    st.subheader("Data freshness")
    table(utc_to_ny(freshness_frame(view), "last bar"))
    events = data_events_frame(view)
    if not events.empty:
        st.caption("Data events of the run:")
        table(utc_to_ny(events, "last"))
    st.subheader("Notification delivery")
    delivery = delivery_frame(store.notifications(), view.strategy, h.now)
    if delivery["sent"].sum() + delivery["waiting"].sum() + delivery["given up"].sum() == 0:
        enabled = ", ".join(delivery.loc[delivery["enabled"], "channel"]) or "none"
        st.caption(
            f"No notification queued yet (channels enabled: {enabled}; warnings and "
            "worse are queued for them)."
        )
    table(utc_to_ny(delivery.drop(columns=["waiting for"]), "oldest waiting"))
    st.subheader("Model health")
    models = model_health(view.strategy, store, view.records.run.id)
    if models.healthy:
        st.caption(models.note)
    else:
        st.warning(models.note)
    if models.rows:
        table(pd.DataFrame(list(models.rows)))


def _service(h: ServiceHealth, view: RunView) -> None:
    rec = view.records
    c = st.columns(5)
    if rec.clock == "wall":
        metric(
            c[0],
            "Trading service",
            "RUNNING" if h.running else "not running",
            f"pid {h.pid}" if h.pid else h.status if h.status == INTERRUPTED else None,
        )
    else:
        metric(c[0], "Trading service", rec.clock, f"{h.status}; history, not live")
    recent = h.uptime_recent
    scope = (
        "last 7 days"
        if recent is not None
        else "whole run"
        if h.uptime_run is not None
        else "n/a for a backtest"
    )
    metric(c[1], "Uptime", fmt.pct(recent.fraction if recent is not None else h.uptime_run), scope)
    age = (h.now - h.last_cycle) if h.last_cycle is not None else None
    ago = f" ({fmt.age(age)} ago)" if rec.clock == "wall" and age is not None else ""
    metric(c[2], "Last cycle", fmt.day(h.last_cycle), fmt.clock(h.last_cycle) + ago)
    trade = h.last_trade
    metric(
        c[3],
        "Last trade",
        fmt.day(trade.ts) if trade is not None else "none yet",
        f"{fmt.clock(trade.ts)}: {trade.side.value} {trade.quantity:g} {trade.symbol} @ "
        f"{trade.price:,.2f}"
        if trade is not None
        else None,
    )
    metric(c[4], "Warnings/errors (24 h)", str(len(h.problems)))
    if rec.clock == "wall" and h.last_heartbeat is not None:
        st.caption(
            f"Last heartbeat {fmt.when(h.last_heartbeat)}; uptime over the whole run "
            f"{fmt.pct(h.uptime_run)}, last 24 hours {fmt.pct(h.uptime_24h)}."
        )
    if rec.clock == "wall":  # no trades? the runbook's first question: is the market open
        st.caption(describe(nyse().market_now(h.now)) + ".")


def _halts(h: ServiceHealth, view: RunView, store: Store, cfg: TradewindConfig) -> None:
    st.subheader("Halts and breakers")
    if not h.halts:
        st.success("Not halted.")
    for halt in h.halts:
        since = f" since {fmt.when(halt.latched_at)}" if halt.latched_at is not None else ""
        st.error(f"**HALTED** ({halt.kind}, binds {halt.binds}){since}: {halt.reason}")
    if h.halts and view.records.clock != "backtest":
        if cfg.dashboard.allow_resume:
            resume_form(store)
        else:
            st.markdown(
                f"Clear it after reviewing positions and the market: `{RESUME_COMMAND}` "
                "(the dashboard is read-only; `dashboard.allow_resume: true` offers a "
                "confirmed resume here)."
            )
    if h.risk is not None and not h.latest_run:
        st.caption("The breakers below are the database's latest run's (its last checkpoint).")
    frame = breakers_frame(h.risk)
    if frame.empty:
        st.caption("No breaker state recorded (a backtest keeps it in memory).")
    else:
        table(frame)
