"""The Transaction Costs tab's figures: costs by day, week and month in dollars and as a share
of the portfolio, cost per trade, turnover, the split into commission, slippage and impact,
and the planner's estimates against what the fills cost.

Every number comes from the reports: the day's costs are the tracking spreadsheet's column
(:func:`tradewind.service.run_reports.daily_frame`), the weeks' the weekly reports'
(:class:`tradewind.reports.weekly.WeekFigures`: costs over the week-end equity), the split and
the comparison :func:`tradewind.reports.costs.total_comparison`'s, turnover the summary's. A
month is measured as the readiness gate measures it (the month's costs over its average session
equity, :func:`tradewind.review.criteria.monthly_costs_below`), from those daily rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from tradewind.dashboard.view import RunView
from tradewind.domain.costs import CostBreakdown
from tradewind.reports.rolling import daily_equity


@dataclass(frozen=True)
class CostTotals:
    """The run's cost figures in one place."""

    fills: int
    traded_notional: float
    booked: float
    """What the run paid: the fills' commission, slippage and impact as charged, plus the
    broker's regulatory fees (USD)."""
    estimated: CostBreakdown
    realized: CostBreakdown
    turnover: float
    rebalances: int
    monthly_budget: float
    """``readiness.paper.max_monthly_costs``: the runbook's 0.2% a month."""
    broker_fees: float = 0.0
    """Regulatory fees the broker took from the cash apart from the fills (USD;
    :attr:`~tradewind.reports.run.RunSummary.broker_fees_total`): in the equity and in
    :attr:`booked`, not in the fills' own costs."""

    @property
    def per_trade(self) -> float:
        """Realized costs per fill (USD; 0 before any fill)."""
        return self.realized.total / self.fills if self.fills else 0.0

    @property
    def estimated_per_trade(self) -> float:
        """Estimated costs per fill (USD)."""
        return self.estimated.total / self.fills if self.fills else 0.0

    @property
    def bps_of_traded(self) -> float | None:
        """Realized costs in basis points of the traded value (None before any fill)."""
        return self.realized.total / self.traded_notional * 1e4 if self.traded_notional else None


def totals(view: RunView) -> CostTotals:
    """The run's totals (the run must have a cycle)."""
    summary = view.summary
    fills = view.records.recorder.fills
    return CostTotals(
        fills=len(fills),
        traded_notional=float(sum(f.notional for f in fills)),
        booked=float(summary.book.costs.total) + summary.broker_fees_total,
        estimated=summary.costs.estimated,
        realized=summary.costs.realized,
        turnover=summary.performance.turnover,
        rebalances=summary.performance.rebalances,
        monthly_budget=view.cfg.readiness.paper.max_monthly_costs,
        broker_fees=summary.broker_fees_total,
    )


def income_booked(view: RunView) -> float:
    """The dividends and interest the broker credited to the run's cash so far (USD; 0 when
    none), as its reconciliation booked them into the run's baseline
    (:mod:`tradewind.orders.income`): in the equity and so in the P&L."""
    return view.records.income


def daily_costs(view: RunView) -> pd.DataFrame:
    """Per session: costs (USD), the day-end equity and the costs' share of it."""
    frame = view.daily
    equity = daily_equity(view.records.recorder)
    out = pd.DataFrame(
        {
            "date": pd.DatetimeIndex(frame["Date"]),
            "costs": frame["Transaction Costs"].to_numpy(dtype=float),
            "equity": equity.to_numpy(dtype=float),
            "trades": frame["Trades"].to_numpy(dtype=int),
        }
    )
    out["share"] = out["costs"] / out["equity"]
    return out


def weekly_costs(view: RunView) -> pd.DataFrame:
    """Per week, the weekly reports' figures: costs, their share of the week-end equity,
    trades, and the planner's estimate against the realized costs."""
    return pd.DataFrame(
        [
            {
                "week": w.week,
                "dates": f"{w.start} to {w.end}",
                "costs": w.costs_usd,
                "share": w.costs_pct,
                "trades": w.trades,
                "estimated": w.estimated_costs_usd,
                "realized": w.realized_costs_usd,
                "avg slippage": w.avg_slippage,
            }
            for w in view.weeks
        ],
        columns=[
            "week",
            "dates",
            "costs",
            "share",
            "trades",
            "estimated",
            "realized",
            "avg slippage",
        ],
    )


def monthly_costs(view: RunView) -> pd.DataFrame:
    """Per calendar month: costs (USD), the month's average session equity, the costs' share
    of it, and whether that is within the monthly budget."""
    days = daily_costs(view)
    month = days["date"].dt.to_period("M")
    grouped = days.groupby(month).agg(
        costs=("costs", "sum"), equity=("equity", "mean"), trades=("trades", "sum")
    )
    grouped["share"] = grouped["costs"] / grouped["equity"]
    grouped["within budget"] = grouped["share"] < view.cfg.readiness.paper.max_monthly_costs
    grouped.index = grouped.index.astype(str)
    return grouped.reset_index(names="month")


def split_frame(t: CostTotals) -> pd.DataFrame:
    """Commission, slippage and impact: estimated, realized and the difference (USD)."""
    kinds = ("commission", "slippage", "impact")
    rows = [
        {
            "kind": kind,
            "estimated": getattr(t.estimated, kind),
            "realized": getattr(t.realized, kind),
            "realized - estimated": getattr(t.realized, kind) - getattr(t.estimated, kind),
        }
        for kind in kinds
    ]
    rows.append(
        {
            "kind": "total",
            "estimated": t.estimated.total,
            "realized": t.realized.total,
            "realized - estimated": t.realized.total - t.estimated.total,
        }
    )
    return pd.DataFrame(rows)
