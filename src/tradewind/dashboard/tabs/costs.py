"""Transaction Costs: daily, weekly and monthly costs in dollars and % of the portfolio, cost
per trade, turnover, the split into commission, slippage and impact, estimated vs realized."""

from __future__ import annotations

import streamlit as st

from tradewind.dashboard import charts, fmt
from tradewind.dashboard.costs import (
    daily_costs,
    monthly_costs,
    split_frame,
    totals,
    weekly_costs,
)
from tradewind.dashboard.tabs.common import START_TRADING, metric, needs_cycles, table
from tradewind.dashboard.view import RunView

DAYS_SHOWN = 60


def render(view: RunView) -> None:
    """Draw the Transaction Costs tab."""
    if needs_cycles(view, "costs"):
        return
    t = totals(view)
    p = view.summary.performance
    c = st.columns(5)
    metric(c[0], "Costs paid", fmt.usd(t.booked), f"{t.fills} fills")
    metric(
        c[1], "Cost per trade", fmt.usd(t.per_trade), f"estimated {fmt.usd(t.estimated_per_trade)}"
    )
    metric(c[2], "Turnover", f"{t.turnover:.2f}x", f"{fmt.usd(t.traded_notional, 0)} traded")
    metric(
        c[3],
        "Costs per month (average)",
        fmt.pct(p.costs_pct_per_month, 3),
        f"budget {fmt.pct(t.monthly_budget, 2)}",
    )
    metric(
        c[4],
        "Realized vs estimated",
        fmt.usd(t.realized.total - t.estimated.total),
        f"{t.bps_of_traded:.1f} bps of traded" if t.bps_of_traded is not None else None,
    )
    if t.broker_fees:
        st.caption(
            f"The broker also took {fmt.usd(t.broker_fees)} of regulatory fees (SEC, FINRA TAF, "
            "CAT) from the cash, apart from the fills: they are in the costs paid and the day's, "
            "week's and month's costs, not in the cost per trade, the split by kind or the "
            "estimates (the `broker_fees` events say when)."
        )
    if not t.fills:
        st.info(f"No trades yet, so no costs: start with `{START_TRADING}`.")
        return
    st.subheader("By kind: estimated before trading, realized after")
    table(
        split_frame(t),
        estimated="${:,.2f}",
        realized="${:,.2f}",
        **{"realized - estimated": fmt.signed_usd},
    )
    months = monthly_costs(view)
    st.subheader("Monthly")
    st.plotly_chart(
        charts.costs_chart(
            months,
            "month",
            "Costs per month (share of the month's average equity)",
            t.monthly_budget,
        ),
        key="costs-monthly",
    )
    table(months, costs="${:,.2f}", equity="${:,.0f}", share="{:.3%}")
    weeks = weekly_costs(view)
    st.subheader("Weekly")
    left, right = st.columns(2)
    with left:
        st.plotly_chart(
            charts.costs_chart(weeks, "week", "Costs per week (share of the week-end equity)"),
            key="costs-weekly",
        )
    with right:
        st.plotly_chart(charts.estimate_chart(weeks), key="costs-estimate")
    table(
        weeks,
        costs="${:,.2f}",
        share="{:.3%}",
        estimated="${:,.2f}",
        realized="${:,.2f}",
        **{"avg slippage": "{:.3%}"},
    )
    days = daily_costs(view)
    traded = days[days["costs"] != 0].tail(DAYS_SHOWN)
    st.subheader("Daily")
    st.caption(f"The last {len(traded)} session(s) with a cost (share of the day-end equity).")
    table(
        traded.assign(date=traded["date"].dt.strftime("%Y-%m-%d")),
        costs="${:,.2f}",
        equity="${:,.0f}",
        share="{:.3%}",
    )
