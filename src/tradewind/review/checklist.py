"""The runbook's daily operations checklist, each item answered from the system.

``morning`` (pre-market): is the system running, what happened overnight, the regime, whether
a rebalance is due today and why, any halt. ``evening`` (post-market): the day's P&L, the
tracking spreadsheet, the rebalancing of the day, costs against the monthly budget, and the
next trading day. Each item has a status: ``ok``, ``attention`` (something to look at),
``info`` (a fact to read, nothing to judge) or ``n/a``. The runbook's "During Market Hours" and
"Weekly Review" lists are in :mod:`tradewind.review.checklist_more`.

What the system cannot know (news) is said plainly rather than ticked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Literal

import pandas as pd

from tradewind.calendar import nyse
from tradewind.config import TradewindConfig
from tradewind.domain.fmt import pct
from tradewind.rebalance.triggers import period_of
from tradewind.reports.flows import daily_pnl
from tradewind.reports.rolling import NEW_YORK, daily_equity, session_dates
from tradewind.reports.run import is_rebalance
from tradewind.reports.weekly import method_name
from tradewind.review.policy_now import policy_now
from tradewind.review.trigger_drift import TriggerDrift, trigger_drift
from tradewind.service.records import RunRecords

Status = Literal["ok", "attention", "info", "n/a"]
_PERIOD = {"daily": "day", "weekly": "week", "monthly": "month", "quarterly": "quarter"}
Which = Literal["morning", "evening", "during", "weekly"]


@dataclass(frozen=True)
class Item:
    """One checklist line: the runbook's words, a status and what the system says."""

    item: str
    status: Status
    detail: str


@dataclass(frozen=True)
class SystemState:
    """Facts about the running system the store does not hold.

    Attributes
    ----------
    running
        A service holds the database's lock.
    pid
        Its process id.
    halts
        Active halts that bind the run, as ``(kind, reason, binds)``.
    now
        The time the checklist is for (UTC).
    """

    running: bool
    pid: int | None
    halts: tuple[tuple[str, str, str], ...]
    now: datetime
    engine: Mapping[str, Any] | None = None
    """The engine's state in the run's last checkpoint (None for a backtest): what the drift
    trigger measures against (:mod:`tradewind.review.trigger_drift`)."""


def checklist(
    which: Which, records: RunRecords, cfg: TradewindConfig, state: SystemState, day: date
) -> list[Item]:
    """The ``which`` checklist (``morning`` or ``evening``; ``during`` and ``weekly`` are
    :mod:`tradewind.review.checklist_more`'s) for session ``day`` of ``records``' run.

    A backtest keeps its halts in memory, not in the database: a halt its events latched
    and never resumed counts as active. An active halt is the first item: nothing else on the
    list matters as much until a person has looked at it.
    """
    if records.clock == "backtest" and not state.halts:
        state = replace(state, halts=backtest_halts(records))
    halts = _halts(state)
    if which == "morning":
        items = [
            _running(records, state),
            _overnight(records, day),
            _regime(records, cfg, state),
            _rebalance_due(records, cfg, state, day),
            halts,
        ]
    elif which == "evening":
        items = [
            _pnl(records, day),
            _rebalancing_today(records, day),
            _costs(records, cfg, day),
            halts,
            _next_day(records, cfg, state, day),
        ]
    else:
        raise ValueError(f"{which} is tradewind.review.checklist_more's checklist")
    if state.halts:  # an active halt comes first
        items.remove(halts)
        items.insert(0, halts)
    return items


def _running(records: RunRecords, state: SystemState) -> Item:
    text = "Verify system is running"
    if records.clock != "wall":
        return Item(text, "info", f"{records.label} is a {records.clock}: no service to watch")
    beat = records.uptime.end if records.uptime is not None else None
    if not state.running:
        return Item(text, "attention", "the trading service is NOT running; start it again "
                    "(tradewind trade ...) after checking logs/trading.log")  # fmt: skip
    age = f", last heartbeat {beat:%Y-%m-%d %H:%M} UTC" if beat is not None else ""
    return Item(text, "ok", f"running (pid {state.pid}){age}")


def _overnight(records: RunRecords, day: date) -> Item:
    text = "Check overnight news/events"
    close = _previous_close(day)
    serious = ("warning", "error", "critical")
    events = [e for e in records.events if pd.Timestamp(e.ts) > close and e.severity in serious]
    news = "news: tradewind has no news feed, check your sources"
    if not events:
        return Item(text, "ok", f"no warning or error since the close of {close:%Y-%m-%d}; {news}")
    kinds = ", ".join(sorted({e.kind for e in events}))
    return Item(text, "attention", f"{len(events)} warning(s)/error(s) since the close of "
                f"{close:%Y-%m-%d} ({kinds}; tradewind report daily --date); {news}")  # fmt: skip


def _regime(records: RunRecords, cfg: TradewindConfig, state: SystemState) -> Item:
    text = "Review current market regime"
    regimes = records.recorder.regime
    if not regimes:
        return Item(text, "n/a", "no cycle recorded yet")
    now = regimes[-1]
    since = len(regimes) - 1
    while since > 0 and regimes[since - 1] == now:
        since -= 1
    start = pd.Timestamp(records.recorder.ts[since]).tz_convert(NEW_YORK).date()
    policy = ""
    in_force = policy_now(records, cfg, state.engine)
    if in_force is not None:
        p, cut = in_force.policy, in_force.cut_text()
        policy = (f"; policy {method_name(p.method)}, at most {pct(p.max_position_size)} a "
                  f"position, at most {p.invested_fraction:.0%} invested")  # fmt: skip
        policy += f" ({cut})" if cut else ""
    return Item(text, "info", f"{now} since {start}{policy}")


def _current_drift(records: RunRecords, state: SystemState) -> TriggerDrift:
    rec = records.recorder
    target = next((d.targets for d in reversed(rec.decisions) if d.targets), None)
    if not rec.weights:
        return TriggerDrift(None, "")
    return trigger_drift(rec.weights[-1], target, state.engine)


def _rebalance_due(
    records: RunRecords, cfg: TradewindConfig, state: SystemState, day: date
) -> Item:
    text = "Check if rebalancing is scheduled today"
    strategy = (records.config or cfg).portfolio_optimization.rebalancing
    if state.halts:
        return Item(text, "attention", "no: trading is HALTED (see the halts item)")
    reasons = []
    sessions = session_dates(pd.DatetimeIndex(records.recorder.ts))
    before = [d.date() for d in sessions if d.date() < day]
    if strategy.trigger_type in ("calendar", "combined"):
        last = before[-1] if before else None
        if last is None or period_of(last, strategy.frequency) != period_of(
            day, strategy.frequency
        ):
            period = _PERIOD[strategy.frequency]
            reasons.append(f"calendar: {day} is the first session of its {period}")
    measured = _current_drift(records, state)
    drift = measured.value
    threshold = pct(strategy.drift_threshold)
    if drift is not None:
        drift_text = f"drift {drift:.1%} vs the {threshold} threshold"
        drift_text += f" ({measured.note})" if measured.note else ""
    else:
        drift_text = f"drift not measured: {measured.note or 'no targets yet'}"
    drifting = drift is not None and drift >= strategy.drift_threshold
    if strategy.trigger_type in ("drift", "combined") and drifting:
        reasons.append(f"drift {drift:.1%} >= {threshold}")
    if reasons:
        why = f" ({measured.note})" if measured.note else ""
        return Item(text, "info", "yes: " + "; ".join(reasons) + why)
    return Item(text, "info", f"no ({drift_text}; next calendar rebalance: first session of "
                f"the next {_PERIOD[strategy.frequency]})")  # fmt: skip


def _halts(state: SystemState) -> Item:
    text = "Check circuit breaker / trading halts"
    if not state.halts:
        return Item(text, "ok", "not halted")
    lines = "; ".join(f"{kind} ({binds}): {reason}" for kind, reason, binds in state.halts)
    return Item(text, "attention", f"HALTED: {lines}")


def _pnl(records: RunRecords, day: date) -> Item:
    text = "Review day's P&L"
    daily = daily_equity(records.recorder)
    dates = pd.DatetimeIndex(daily.index).date
    today = daily[dates == day]
    if today.empty:
        return Item(text, "n/a", f"no cycle on {day}")
    prev = daily[dates < day]
    base = float(prev.iloc[-1]) if len(prev) else records.run.initial_cash
    pnl = float(today.iloc[-1]) - base
    total = float(today.iloc[-1]) / records.run.initial_cash - 1.0
    if records.flows:  # the day's deposits and withdrawals are no P&L; the return time-weighted
        pnl = float(
            daily_pnl(records.recorder, records.flows, records.run.initial_cash)[dates == day].iloc[
                -1
            ]
        )
        path = daily_equity(records.performance)
        total = float(path[dates == day].iloc[-1]) / records.run.initial_cash - 1.0
    warn = records.config.risk_management.daily_loss_warning if records.config else 0.03
    status: Status = "attention" if pnl / base <= -warn else "info"
    return Item(text, status, f"{pnl:+,.2f} USD ({pnl / base:+.2%}), equity "
                f"{float(today.iloc[-1]):,.2f}, cumulative {total:+.2%}")  # fmt: skip


def _rebalancing_today(records: RunRecords, day: date) -> Item:
    text = "Check rebalancing status"
    todays = [
        d
        for d in records.recorder.decisions
        if pd.Timestamp(d.ts).tz_convert(NEW_YORK).date() == day and is_rebalance(d)
    ]
    if not todays:
        return Item(text, "info", "no rebalance today")
    ids = {o.client_order_id for d in todays for o in d.orders if o.reason.startswith("rebalance")}
    orders = [o for o in records.orders if o.client_order_id in ids]
    done = sum(1 for o in orders if o.filled_quantity >= o.request.quantity * (1 - 1e-9))
    open_ = sum(1 for o in orders if o.is_open)
    failed = len(orders) - done - open_
    status: Status = "attention" if failed else "ok"
    skipped = sum(1 for d in todays for n in d.notes if n.startswith("skipped"))
    return Item(text, status, f"{len(todays)} rebalance(s): {done} of {len(orders)} order(s) "
                f"filled, {open_} open, {failed} not filled; {skipped} trade(s) skipped by the "
                "planner (tradewind report daily --date)")  # fmt: skip


def _costs(records: RunRecords, cfg: TradewindConfig, day: date) -> Item:
    text = "Review transaction costs"
    budget_share = cfg.readiness.paper.max_monthly_costs
    fills = records.recorder.fills
    local = [pd.Timestamp(f.ts).tz_convert(NEW_YORK).date() for f in fills]
    today = sum(f.cost for f, d in zip(fills, local, strict=True) if d == day)
    month = sum(f.cost for f, d in zip(fills, local, strict=True)
                if (d.year, d.month) == (day.year, day.month) and d <= day)  # fmt: skip
    daily = daily_equity(records.recorder)
    index = pd.DatetimeIndex(daily.index)
    this_month = daily[(index.year == day.year) & (index.month == day.month)]
    equity = float(this_month.mean()) if len(this_month) else records.run.initial_cash
    budget = budget_share * equity
    status: Status = "attention" if month > budget else "ok"
    return Item(text, status, f"today ${today:,.2f}; month to date ${month:,.2f} of a "
                f"${budget:,.2f} budget ({pct(budget_share)} of equity a month)")  # fmt: skip


def _next_day(records: RunRecords, cfg: TradewindConfig, state: SystemState, day: date) -> Item:
    text = "Plan for next trading day"
    nxt = next_session(day)
    due = _rebalance_due(records, cfg, state, nxt)
    return Item(text, "info", f"next session {nxt}; rebalance {due.detail}")


def backtest_halts(records: RunRecords) -> tuple[tuple[str, str, str], ...]:
    """The halt a backtest's events latched and never resumed, if any."""
    halts = [e for e in records.events if e.kind == "halt" and "HALTED:" in e.message]
    resumes = [e for e in records.events if e.kind == "resume"]
    if not halts or (resumes and pd.Timestamp(resumes[-1].ts) >= pd.Timestamp(halts[-1].ts)):
        return ()
    last = halts[-1]
    return (("halt", f"{last.message} (since {pd.Timestamp(last.ts):%Y-%m-%d})", "this backtest"),)


def _previous_close(day: date) -> pd.Timestamp:
    cal = nyse()
    return pd.Timestamp(cal.previous_close(pd.Timestamp(day).tz_localize(NEW_YORK)))


def next_session(day: date) -> date:
    """The first NYSE session after ``day``."""
    cal = nyse()
    sessions = cal.sessions(pd.Timestamp(day) + timedelta(days=1),
                            pd.Timestamp(day) + timedelta(days=10))  # fmt: skip
    return pd.Timestamp(sessions[0]).date()


def as_payload(which: Which, day: date, items: list[Item]) -> dict[str, Any]:
    """The checklist as plain JSON values."""
    return {
        "checklist": which,
        "day": day.isoformat(),
        "items": [{"item": i.item, "status": i.status, "detail": i.detail} for i in items],
        "attention": sum(1 for i in items if i.status == "attention"),
    }
