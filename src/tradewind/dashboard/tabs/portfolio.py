"""Portfolio: positions and weights, the optimizer's targets, drift per position and in total,
the next rebalancing trigger (calendar date and drift distance), exposure against the caps."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from tradewind.dashboard import charts, fmt
from tradewind.dashboard.portfolio import PortfolioState, caps_frame, portfolio_state
from tradewind.dashboard.tabs.common import START_TRADING, metric, needs_cycles, table
from tradewind.dashboard.view import RunView
from tradewind.reports.weekly import method_name

PERIOD = {"daily": "day", "weekly": "week", "monthly": "month", "quarterly": "quarter"}


def render(view: RunView) -> None:
    """Draw the Portfolio tab."""
    if needs_cycles(view, "positions"):
        return
    state = portfolio_state(view)
    st.caption(f"As of the last cycle, {fmt.when(state.as_of)} (regime {state.regime}).")
    trigger = state.next_trigger
    c = st.columns(5)
    metric(c[0], "Equity", fmt.usd(state.equity, 0))
    metric(c[1], "Cash", fmt.usd(state.cash, 0), f"{state.cash_weight:.1%} of equity")
    cap = state.policy.invested_fraction if state.policy is not None else None
    metric(
        c[2],
        "Invested",
        fmt.pct(state.exposure),
        f"cap {fmt.pct(cap)}" if cap is not None else None,
    )
    metric(
        c[3], "Portfolio drift", fmt.pct(trigger.drift), f"threshold {fmt.pct(trigger.threshold)}"
    )
    metric(
        c[4],
        "Next calendar rebalance",
        str(trigger.calendar_date or fmt.NA),
        trigger.frequency if trigger.calendar_date else None,
    )
    if view.records.reserved:
        st.caption(
            f"{fmt.usd(view.records.reserved, 0)} of the broker's cash is set aside, never "
            "traded (`trading.larger_account: set_aside`): not in the equity, cash or any "
            "figure here."
        )
    if not view.records.recorder.fills:
        st.info(
            f"No trades yet: start with `{START_TRADING}` (the run trades at its first rebalance)."
        )
    _holdings(state)
    _trigger(state, view)
    st.subheader("Exposure against the caps")
    if state.policy is not None:
        cut = f"; {state.policy_note}" if state.policy_note else ""
        st.caption(
            f"The {state.regime} policy in force: {method_name(state.policy.method)}, "
            f"at most {state.policy.invested_fraction:.0%} invested{cut}."
        )
    table(caps_frame(state), now="{:.1%}", cap="{:.1%}", room="{:+.1%}")


def _holdings(state: PortfolioState) -> None:
    st.subheader("Positions and targets")
    if state.targets_at is not None:
        st.caption(
            f"Targets: {method_name(state.targets_method or '')} at "
            f"{fmt.when(state.targets_at)}. Drift = weight - target."
        )
    else:
        st.caption("No targets yet: the optimizer sets them at the first rebalance.")
    frame = pd.DataFrame(
        [
            {
                "symbol": h.symbol,
                "quantity": h.quantity,
                "avg cost": h.average_cost,
                "price": h.price,
                "value": h.value,
                "weight": h.weight,
                "target": h.target,
                "drift": h.drift,
            }
            for h in state.holdings
        ],
        columns=["symbol", "quantity", "avg cost", "price", "value", "weight", "target", "drift"],
    )
    if frame.empty:
        st.info(f"Nothing held and no targets: the run is in cash. Start with `{START_TRADING}`.")
        return
    table(
        frame,
        quantity="{:,.4g}",
        **{"avg cost": "${:,.2f}"},
        price="${:,.2f}",
        value="${:,.2f}",
        weight="{:.1%}",
        target="{:.1%}",
        drift="{:+.1%}",
    )
    target = [h.target or 0.0 for h in state.holdings] if state.targets_at is not None else None
    st.plotly_chart(
        charts.weights_chart(
            [h.symbol for h in state.holdings], [h.weight for h in state.holdings], target
        ),
        key="portfolio-weights",
    )


def _trigger(state: PortfolioState, view: RunView) -> None:
    t = state.next_trigger
    st.subheader("Next rebalancing trigger")
    lines = [
        f"Trigger: **{t.trigger_type}** (calendar: {t.frequency}, drift threshold "
        f"{fmt.pct(t.threshold)})."
    ]
    if t.calendar_date is not None:
        lines.append(
            f"Calendar: the first session of the next {PERIOD[t.frequency]}, **{t.calendar_date}**."
        )
    if t.distance is not None:
        if t.drift_due:
            lines.append(
                f"Drift: **{fmt.pct(t.drift)} is at or past the threshold**: the "
                "next cycle rebalances."
            )
        else:
            lines.append(
                f"Drift: {fmt.pct(t.drift)}, **{fmt.pct(t.distance)} below** the threshold."
            )
    elif t.trigger_type != "calendar":
        lines.append(f"Drift: {t.note or 'no targets yet'}.")
    if t.note and t.drift is not None and t.trigger_type != "calendar":
        lines.append(f"Measured as the engine does: {t.note}.")
    if view.historical:
        lines.append(
            "History: the run has ended or replays the past; this is when it would "
            "have rebalanced next."
        )
    for line in lines:
        st.markdown(f"- {line}")
    if state.drift is not None:
        largest = ", ".join(f"{s} {d:.1%}" for s, d in state.drift.largest(3) if d > 0)
        if largest:
            st.caption(f"Largest deviations: {largest}.")
