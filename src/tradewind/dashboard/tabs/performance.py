"""Performance: cumulative P&L against the S&P 500, the rolling 2-week Sharpe, drawdown, win
rate and profit factor, the weekly roll-up in the runbook's format, the readiness verdict."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from tradewind.dashboard import charts, fmt
from tradewind.dashboard.costs import income_booked
from tradewind.dashboard.tabs.common import metric, needs_cycles, table
from tradewind.dashboard.view import RunView
from tradewind.reports.rollup import COLUMNS, rollup_rows
from tradewind.review.readiness import Readiness

_VERDICT = {"READY": st.success, "NOT READY": st.error, "INSUFFICIENT EVIDENCE": st.warning}
_STATUS = {"pass": "PASS", "fail": "FAIL", "no data": "NO DATA"}


def render(view: RunView) -> None:
    """Draw the Performance tab."""
    if needs_cycles(view, "performance"):
        return
    p = view.summary.performance
    rel = view.summary.relative
    rolling = view.rolling_sharpe.dropna()
    rec = view.records
    c = st.columns(6)
    bench = (
        f"{rec.benchmark.name} {fmt.signed_pct(rel.benchmark_total_return)}"
        if rel is not None and rec.benchmark is not None
        else None
    )
    metric(c[0], "Cumulative return", fmt.signed_pct(p.total_return), bench)
    metric(c[1], "Sharpe ratio", fmt.ratio(p.sharpe), "since the start")
    latest = fmt.ratio(float(rolling.iloc[-1])) if len(rolling) else fmt.NA
    metric(
        c[2],
        "Sharpe, rolling 2 weeks",
        latest,
        f"lowest {fmt.ratio(float(rolling.min()))}"
        if len(rolling)
        else f"needs {view.options.sharpe_window} sessions",
    )
    metric(
        c[3], "Max drawdown", fmt.pct(p.max_drawdown), f"{p.max_drawdown_days} cycles below peak"
    )
    metric(
        c[4],
        "Win rate",
        fmt.pct(p.win_rate, 0) if p.closed_trades else fmt.NA,
        f"{p.closed_trades} round trips",
    )
    metric(c[5], "Profit factor", fmt.ratio(p.profit_factor) if p.closed_trades else fmt.NA)
    _readiness(view.readiness)
    equity = rec.performance.equity_curve()  # time-weighted around deposits/withdrawals
    bench_name = str(rec.benchmark.name) if rec.benchmark is not None else "benchmark"
    st.plotly_chart(
        charts.pnl_vs_benchmark(equity, rec.run.initial_cash, rec.benchmark, bench_name),
        key="performance-pnl",
    )
    st.caption(f"Benchmark: {rec.benchmark_note}.")
    if rec.flows:
        net = sum(f.amount for f in rec.flows)
        st.caption(
            f"{len(rec.flows)} deposit(s) or withdrawal(s) adopted, net {fmt.usd(net)}: not "
            "performance. Returns, P&L and drawdown here are time-weighted around them (the "
            "`capital_flow` events say which and when)."
        )
    income = income_booked(view)
    if income:
        st.caption(
            f"The P&L includes {fmt.usd(income)} of dividends and interest the broker credited "
            "to the cash (the `cash_income` events say which and when)."
        )
    if rec.splits:
        st.caption(
            "Stock splits booked: "
            + "; ".join(a.describe() for a in rec.splits)
            + ". Shares and average costs are in the new shares; the P&L is unchanged (the "
            "`position_split` events say when)."
        )
    left, right = st.columns(2)
    with left:
        st.plotly_chart(
            charts.drawdown_chart(equity, rec.run.initial_cash), key="performance-drawdown"
        )
    with right:
        target = view.cfg.readiness.paper.min_rolling_sharpe
        st.plotly_chart(
            charts.rolling_sharpe_chart(view.rolling_sharpe, target, view.options.sharpe_window),
            key="performance-sharpe",
        )
    st.subheader("Weekly tracking")
    st.caption('The runbook\'s "Example Weekly Tracking", as `tradewind report weekly` prints it.')
    header = list(COLUMNS)
    name = next((w.benchmark_name for w in view.weeks if w.benchmark_return is not None), None)
    if name:
        header[-1] = name
    table(pd.DataFrame(rollup_rows(view.weeks), columns=header))


def _readiness(r: Readiness) -> None:
    st.subheader("Readiness")
    _VERDICT[r.verdict](f"**{r.verdict}** for the {r.phase} phase ({r.period}): {r.next_step}")
    frame = pd.DataFrame(
        [
            {
                "result": _STATUS[c.status],
                "criterion": c.name,
                "threshold": c.threshold,
                "measured": c.measured,
            }
            for c in r.criteria
        ]
    )
    with st.expander(
        f"The {len(r.criteria)} criteria (`tradewind readiness --phase {r.phase}`)",
        expanded=r.verdict != "READY",
    ):
        table(frame)
