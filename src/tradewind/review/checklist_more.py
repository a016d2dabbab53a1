"""The runbook's "During Market Hours" and "Weekly Review" checklists, answered from the system.

``during`` (any time of the session): the day's trade executions (orders placed, filled, open,
refused; the last fill), regime changes of the day, the service's health (running, the last
cycle against the interval, halts) and the day's warnings and errors. ``weekly`` (the Daily
Operations Checklist's "Weekly Review", then the two items only Phase 22.2's "Weekly Review
Checklist" names): the week's Sharpe ratio (since the start and over the rolling two weeks)
against the readiness target, the week's regime transitions and methods, its costs against
the monthly budget, the performance against the benchmark (the runbook's SPY), where the
lessons go, the drawdown against the 10% criterion, and the execution quality (slippage,
realized costs against the planner's estimate). The weekly
figures are the weekly report's (:mod:`tradewind.reports.weekly`), so the checklist and
``tradewind report weekly --week K`` never disagree.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd

from tradewind.config import TradewindConfig
from tradewind.domain.orders import OrderStatus
from tradewind.reports.lessons import lessons_for_week, lessons_path
from tradewind.reports.rolling import NEW_YORK
from tradewind.reports.weekly import WeekFigures
from tradewind.review.checklist import Item, Status, SystemState
from tradewind.service.records import RunRecords
from tradewind.service.run_reports import run_folder, weeks

_REFUSED = (OrderStatus.REJECTED, OrderStatus.UNKNOWN, OrderStatus.EXPIRED)
_SERIOUS = ("warning", "error", "critical")


def _day(ts: datetime) -> date:
    return pd.Timestamp(ts).tz_convert(NEW_YORK).date()


def during(records: RunRecords, state: SystemState, day: date) -> list[Item]:
    """The "During Market Hours" checklist for session ``day``."""
    return [_executions(records, day), _regime_changes(records, day),
            _health(records, state, day), _errors(records, day)]  # fmt: skip


def _executions(records: RunRecords, day: date) -> Item:
    text = "Monitor trade executions"
    orders = [o for o in records.orders if _day(o.request.created_at) == day]
    fills = [f for f in records.recorder.fills if _day(f.ts) == day]
    last = ""
    if fills:
        f = fills[-1]
        when = pd.Timestamp(f.ts).tz_convert(NEW_YORK)
        trade = f"{f.side.value} {f.quantity:g} {f.symbol} @ {f.price:,.2f}"
        last = f"; last fill {when:%H:%M} ET: {trade}"
    if not orders:
        detail = f"no order placed on {day}" if not fills else f"{len(fills)} fill(s) on {day}"
        return Item(text, "info", detail + last)
    filled = sum(1 for o in orders if o.status is OrderStatus.FILLED)
    open_ = sum(1 for o in orders if o.is_open)
    refused = [o for o in orders if o.status in _REFUSED]
    status: Status = "attention" if refused else "ok"
    why = "".join(f"; {o.client_order_id} {o.status.value}: {o.message}" for o in refused[:3])
    return Item(text, status, f"{len(orders)} order(s) on {day}: {filled} filled, {open_} open, "
                f"{len(refused)} rejected or unknown{why}{last} (tradewind orders)")  # fmt: skip


def _regime_changes(records: RunRecords, day: date) -> Item:
    text = "Watch for regime changes"
    changes = [e for e in records.events if e.kind == "regime_change" and _day(e.ts) == day]
    now = records.recorder.regime[-1] if records.recorder.regime else "none yet"
    if not changes:
        return Item(text, "info", f"no regime change on {day}; regime {now}")
    lines = "; ".join(f"{pd.Timestamp(e.ts).tz_convert(NEW_YORK):%H:%M} ET {e.message}"
                      for e in changes)  # fmt: skip
    return Item(text, "attention", f"{len(changes)} change(s) on {day}: {lines} "
                "(a regime change rebalances under the protective policy)")  # fmt: skip


def _health(records: RunRecords, state: SystemState, day: date) -> Item:
    text = "Check system health dashboard"
    dashboard = "tradewind dashboard, System Health"
    if state.halts:
        kinds = ", ".join(kind for kind, _, _ in state.halts)
        return Item(text, "attention", f"HALTED ({kinds}): tradewind risk status; {dashboard}")
    if records.clock != "wall":
        return Item(text, "info", f"{records.label} is a {records.clock}: no service to watch; "
                    f"{dashboard}")  # fmt: skip
    if not state.running:
        why = "the trading service is NOT running; start it again (tradewind trade ...)"
        return Item(text, "attention", f"{why} after checking logs/trading.log; {dashboard}")
    if not records.recorder.ts:
        return Item(text, "info", f"running (pid {state.pid}), no cycle yet; {dashboard}")
    last = pd.Timestamp(records.recorder.ts[-1])
    age = pd.Timestamp(state.now) - last
    interval = pd.Timedelta(seconds=records.interval_seconds or 3600)
    late = _day(last) == day and age > 2 * interval
    status: Status = "attention" if late else "ok"
    note = f" (more than two intervals of {interval} ago)" if late else ""
    return Item(text, status, f"running (pid {state.pid}); last cycle "
                f"{last.tz_convert(NEW_YORK):%Y-%m-%d %H:%M} ET{note}; {dashboard}")  # fmt: skip


def _errors(records: RunRecords, day: date) -> Item:
    text = "Review any error notifications"
    events = [e for e in records.events if e.severity in _SERIOUS and _day(e.ts) == day]
    if not events:
        return Item(text, "ok", f"no warning or error on {day} (delivery: tradewind notify status)")
    kinds = ", ".join(sorted({e.kind for e in events}))
    return Item(text, "attention", f"{len(events)} warning(s)/error(s) on {day} ({kinds}; "
                "tradewind report daily --date; delivery: tradewind notify status)")  # fmt: skip


def weekly(records: RunRecords, cfg: TradewindConfig, day: date) -> tuple[int, list[Item]]:
    """The "Weekly Review" checklist of the week holding session ``day`` (or the run's last
    week before it): the week's number and its items."""
    figures = weeks(records)
    if not figures:
        return 0, [Item("Calculate weekly Sharpe ratio", "n/a", "no cycle recorded yet")]
    inside = [f for f in figures if date.fromisoformat(f.start) <= day]
    f = inside[-1] if inside else figures[0]
    folder = run_folder(cfg, records.run)
    return f.week, [_sharpe(f, cfg), _transitions(f), _costs(f, cfg), _benchmark(f),
                    _lessons(f, folder), _drawdown(f, cfg), _execution(f, cfg)]  # fmt: skip


def _sharpe(f: WeekFigures, cfg: TradewindConfig) -> Item:
    text = "Calculate weekly Sharpe ratio"
    target = cfg.readiness.paper.min_rolling_sharpe
    since = f"{f.sharpe:.2f}" if f.sharpe is not None else "n/a (fewer than 20 sessions)"
    if f.rolling_sharpe is None:
        return Item(text, "info", f"week {f.week}: since the start {since}; rolling 2 weeks n/a "
                    "(fewer than two weeks of sessions)")  # fmt: skip
    status: Status = "ok" if f.rolling_sharpe > target else "attention"
    return Item(text, status, f"week {f.week}: rolling 2 weeks {f.rolling_sharpe:.2f} (target > "
                f"{target:.1f}); since the start {since}")  # fmt: skip


def _transitions(f: WeekFigures) -> Item:
    text = "Review regime transitions"
    status: Status = "attention" if f.regime_changes else "info"
    return Item(text, status, f"week {f.week}: {f.regime_changes} regime change(s), now "
                f"{f.regime}; optimization method: {f.method} (tradewind readiness checks "
                "each rebalance followed its regime's policy)")  # fmt: skip


def _costs(f: WeekFigures, cfg: TradewindConfig) -> Item:
    text = "Analyze transaction costs vs budget"
    budget = cfg.readiness.paper.max_monthly_costs
    status: Status = "attention" if f.costs_pct > budget else "ok"
    return Item(text, status, f"week {f.week}: ${f.costs_usd:,.2f} ({f.costs_pct:.3%} of the "
                f"portfolio; estimated ${f.estimated_costs_usd:,.2f}, realized "
                f"${f.realized_costs_usd:,.2f}); budget {budget:.1%} a month (tradewind "
                "readiness measures every month)")  # fmt: skip


def _benchmark(f: WeekFigures) -> Item:
    text = "Compare performance vs SPY"
    mine = f"cumulative {f.cumulative_return:+.2%}, this week {f.weekly_return:+.2%}"
    if f.benchmark_return is None:
        return Item(text, "n/a", f"week {f.week}: {mine}; no benchmark data for this run")
    excess = f.cumulative_return - f.benchmark_return
    status: Status = "ok" if excess >= 0 else "attention"
    bench = f"{f.benchmark_name} {f.benchmark_return:+.2%} over the same period"
    return Item(text, status, f"week {f.week}: {mine}; {bench} (excess {excess:+.2%})")


def _drawdown(f: WeekFigures, cfg: TradewindConfig) -> Item:
    text = "Check drawdown levels"
    limit = cfg.readiness.paper.max_drawdown
    halt = cfg.risk_management.circuit_breaker.max_drawdown
    status: Status = "attention" if -f.max_drawdown >= limit else "ok"
    review = " (runbook: above 10%, review the strategy)" if status == "attention" else ""
    return Item(text, status, f"week {f.week}: max drawdown to date {f.max_drawdown:.1%} against "
                f"the {limit:.0%} criterion, the breaker halts at {halt:.0%}{review} (tradewind "
                "risk status)")  # fmt: skip


def _execution(f: WeekFigures, cfg: TradewindConfig) -> Item:
    text = "Analyze trade execution quality"
    tolerance = cfg.readiness.live.costs_match_tolerance
    if not f.trades:
        return Item(text, "info", f"week {f.week}: no trade")
    over = f.realized_costs_usd - f.estimated_costs_usd
    share = over / f.estimated_costs_usd if f.estimated_costs_usd > 0 else 0.0
    status: Status = "attention" if share > tolerance else "ok"
    return Item(text, status, f"week {f.week}: {f.trades} trade(s), average slippage "
                f"{f.avg_slippage:.2%}; costs realized ${f.realized_costs_usd:,.2f} vs estimated "
                f"${f.estimated_costs_usd:,.2f} ({share:+.0%}; attention above +{tolerance:.0%}); "
                "trade by trade: tradewind report divergence")  # fmt: skip


def _lessons(f: WeekFigures, folder: Path) -> Item:
    text = "Document lessons learned"
    path = lessons_path(folder)
    written = lessons_for_week(folder, f.week) if path.exists() else []
    add = f'tradewind report lesson "..." --week {f.week}'
    if written:
        return Item(text, "ok", f"week {f.week}: {len(written)} lesson(s) in {path}")
    return Item(text, "info", f"week {f.week}: none written yet; add one with {add} ({path})")
