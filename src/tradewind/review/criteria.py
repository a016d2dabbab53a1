"""The runbook's success criteria, each measured on a period's evidence.

Every function takes an :class:`~tradewind.review.evidence.Evidence` and its threshold(s)
and returns one :class:`Criterion`: what was measured, the threshold, pass / fail / no data,
and the evidence period. "No data" is never a pass: a criterion without evidence (no closed
round trip for a win rate, no heartbeat for an uptime) keeps the verdict from READY.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from tradewind.calendar import nyse
from tradewind.config import TradewindConfig
from tradewind.domain.fmt import pct
from tradewind.domain.types import EXCHANGE_TZ, Regime
from tradewind.regime.protective import protective_policy
from tradewind.reports.costs import fill_costs
from tradewind.reports.metrics import MIN_SHARPE_SESSIONS, sharpe_ratio
from tradewind.reports.rolling import rolling_sharpe, session_dates
from tradewind.reports.run import REBALANCE
from tradewind.reports.weekly import method_name
from tradewind.review.evidence import Evidence
from tradewind.risk.breakers import BREAKER_KINDS
from tradewind.service.halts import EMERGENCY_KIND
from tradewind.service.records import uptime_between
from tradewind.store import EventView

Status = Literal["pass", "fail", "no data"]
NOT_SYSTEM_ERRORS = frozenset({"halt"})
"""Error-level events that are the strategy working, not the system failing (a breaker halt)."""

LATCHED = "halt_latched"
"""The store's event for every halt it latches; its ``data["kind"]`` says which halt."""


NOT_SYSTEM_HALTS = (*BREAKER_KINDS, EMERGENCY_KIND)
"""Halts that are not the system failing: a breaker's (the strategy's limits working) and a
person's emergency stop (``tradewind halt``, Telegram ``/halt``: a decision, with its reason)."""


def is_system_error(event: EventView) -> bool:
    """Whether ``event`` is a system error: error-level, and neither the engine's breaker
    ``halt`` nor the store's ``halt_latched`` record of a breaker or emergency halt. A
    reconciliation halt (broker and store disagree) still counts."""
    if event.severity not in ("error", "critical") or event.kind in NOT_SYSTEM_ERRORS:
        return False
    data = event.data if isinstance(event.data, dict) else {}
    return not (event.kind == LATCHED and data.get("kind") in NOT_SYSTEM_HALTS)


@dataclass(frozen=True)
class Criterion:
    """One criterion's outcome (see the module docstring)."""

    key: str
    name: str
    threshold: str
    measured: str
    status: Status
    evidence: str
    value: float | None = None
    details: tuple[str, ...] = ()


def _judge(ok: bool) -> Status:
    return "pass" if ok else "fail"


def enough_sessions(ev: Evidence, minimum: int, phase_text: str) -> Criterion:
    """At least ``minimum`` sessions of evidence (the runbook's 2-4 weeks, 1-2 months)."""
    return Criterion("evidence", f"Evidence period ({phase_text})", f">= {minimum} sessions",
                     f"{ev.sessions} sessions", _judge(ev.sessions >= minimum), ev.period,
                     float(ev.sessions))  # fmt: skip


def rolling_sharpe_above(ev: Evidence, window: int, minimum: float) -> Criterion:
    """Every rolling ``window``-session Sharpe of the period above ``minimum``."""
    name = f"Sharpe ratio > {minimum:g} over rolling {window}-session periods"
    threshold = f"> {minimum:.2f} in every window"
    rolling = rolling_sharpe(ev.returns, window).dropna()
    if rolling.empty:
        return Criterion("rolling_sharpe", name, threshold,
                         f"n/a: fewer than {window} sessions", "no data", ev.period)  # fmt: skip
    low = float(rolling.min())
    above = int((rolling > minimum).sum())
    worst = pd.DatetimeIndex(rolling.index)[int(np.argmin(rolling.to_numpy()))].date()
    measured = (f"lowest {low:.2f} (window ending {worst}); latest {rolling.iloc[-1]:.2f}; "
                f"{above} of {len(rolling)} windows above")  # fmt: skip
    return Criterion("rolling_sharpe", name, threshold, measured, _judge(low > minimum),
                     ev.period, low)  # fmt: skip


def sharpe_above(ev: Evidence, minimum: float) -> Criterion:
    """The period's Sharpe above ``minimum`` (shown from the 20th session on)."""
    name = f"Sharpe ratio > {minimum:g}"
    returns = ev.returns.to_numpy()
    if len(returns) < MIN_SHARPE_SESSIONS:
        return Criterion("sharpe", name, f"> {minimum:.2f}",
                         f"n/a: fewer than {MIN_SHARPE_SESSIONS} sessions", "no data",
                         ev.period)  # fmt: skip
    value = sharpe_ratio(returns)
    return Criterion("sharpe", name, f"> {minimum:.2f}", f"{value:.2f}",
                     _judge(value > minimum), ev.period, value)  # fmt: skip


def monthly_costs_below(ev: Evidence, maximum: float) -> Criterion:
    """Transaction costs of every calendar month below ``maximum`` of its average equity."""
    name = f"Transaction costs < {pct(maximum)} monthly"
    if not ev.sessions:
        return Criterion("monthly_costs", name, f"< {pct(maximum)} of equity in every month",
                         "n/a: no session", "no data", ev.period)  # fmt: skip
    fills, fees = ev.fills(), ev.broker_fees()  # the broker's regulatory fees are costs too
    days = session_dates(pd.DatetimeIndex([f.ts for f in fills] + [ts for ts, _ in fees]))
    spent_each = [f.cost for f in fills] + [amount for _, amount in fees]
    costs = pd.Series(spent_each, index=days.to_period("M"), dtype=float)
    dollars = ev.account_equity
    months = pd.DatetimeIndex(dollars.index).to_period("M")
    rows = []
    for month in months.unique():
        avg = float(dollars[months == month].mean())
        spent = float(costs[costs.index == month].to_numpy().sum()) if len(costs) else 0.0
        rows.append((str(month), spent / avg if avg > 0 else 0.0, spent))
    worst = max(rows, key=lambda r: r[1])
    details = tuple(f"{m}: {share:.3%} (${spent:,.2f})" for m, share, spent in rows)
    return Criterion("monthly_costs", name, f"< {pct(maximum)} of equity in every month",
                     f"highest {worst[1]:.3%} ({worst[0]})", _judge(worst[1] < maximum),
                     ev.period, worst[1], details)  # fmt: skip


def uptime_above(ev: Evidence, minimum: float) -> Criterion:
    """The trading service up more than ``minimum`` of the period (from its heartbeats)."""
    name = f"System uptime > {pct(minimum)}"
    rec = ev.records
    if rec.clock == "backtest" or rec.uptime is None:
        return Criterion("uptime", name, f"> {pct(minimum)}",
                         "n/a: a backtest has no service process", "no data",
                         ev.period)  # fmt: skip
    if rec.clock == "replay" or ev.start is None or ev.end is None:
        value: float | None = rec.uptime.fraction  # a replay's heartbeats are in wall time
        scope = "the replay process, whole run"
    else:
        value = uptime_between(rec.uptime, ev.start, rec.uptime.end)
        scope = "from the service's heartbeats"
    if value is None:
        return Criterion("uptime", name, f"> {pct(minimum)}", "n/a: no heartbeat in the period",
                         "no data", ev.period)  # fmt: skip
    return Criterion("uptime", name, f"> {pct(minimum)}", f"{value:.2%} ({scope})",
                     _judge(value > minimum), ev.period, value)  # fmt: skip


def regime_policies_followed(ev: Evidence, cfg: TradewindConfig) -> Criterion:
    """Every rebalance used its regime's policy: the method (or a recorded fallback) and an
    invested total within the policy's cap (with ``regime.protection``, the protective cut at
    the decision's confidence, as the engine applies it); regime changes counted."""
    name = "Regime transitions handled (each rebalance follows its regime's policy)"
    threshold = "every rebalance"
    changes = [e for e in ev.events() if e.kind == "regime_change"]
    checked = bad = 0
    details: list[str] = []
    for d in ev.decisions():
        if not d.targets or d.regime not in Regime.__members__:
            continue
        # the engine's rule: the regime's policy, cut by the protective policy at the
        # decision's own confidence when regime.protection is on
        policy = protective_policy(Regime(d.regime), d.confidence, cfg)
        checked += 1
        invested = float(np.sum(d.targets))
        problems = []
        if d.method != policy.method and not d.fallback_reason:
            problems.append(f"{method_name(d.method)} instead of {method_name(policy.method)}")
        if invested > policy.invested_fraction + 1e-6:
            cut = (f" (protective cut at {d.confidence:.0%} confidence)"
                   if policy.exposure_scale < 1.0 else "")  # fmt: skip
            problems.append(
                f"invested {invested:.1%} above the cap {policy.invested_fraction:.1%}{cut}"
            )
        if problems:
            bad += 1
            details.append(f"{pd.Timestamp(d.ts):%Y-%m-%d %H:%M} {d.regime}: {'; '.join(problems)}")
    if not checked:
        return Criterion("regime_policy", name, threshold, "n/a: no rebalance in the period",
                         "no data", ev.period)  # fmt: skip
    measured = (f"{checked - bad} of {checked} rebalances followed their regime's policy "
                f"({len(changes)} regime change{'s' * (len(changes) != 1)})")  # fmt: skip
    details += [f"{pd.Timestamp(e.ts):%Y-%m-%d %H:%M} regime change {e.message}" for e in changes]
    return Criterion("regime_policy", name, threshold, measured, _judge(bad == 0), ev.period,
                     float(checked - bad) / checked, tuple(details))  # fmt: skip


def rebalances_filled(ev: Evidence, minimum: float) -> Criterion:
    """Rebalance orders filled in full: at least ``minimum`` of those that are settled."""
    name = "Portfolio rebalancing executes as planned"
    threshold = f">= {pct(minimum)} of rebalance orders filled in full"
    orders = [o for o in ev.orders() if o.request.reason.startswith(REBALANCE)]
    settled = [o for o in orders if not o.is_open]
    if not settled:
        return Criterion("rebalances_filled", name, threshold,
                         "n/a: no settled rebalance order", "no data", ev.period)  # fmt: skip
    full = [o for o in settled if o.filled_quantity >= o.request.quantity * (1 - 1e-9)]
    share = len(full) / len(settled)
    details = tuple(
        f"{o.client_order_id}: {o.request.side.value} {o.request.quantity:g} "
        f"{o.request.symbol} {o.status.value}, {o.filled_quantity:g} filled"
        + (f" ({o.message})" if o.message else "")
        for o in settled
        if o not in full
    )
    still = len(orders) - len(settled)
    measured = f"{len(full)} of {len(settled)} filled in full ({share:.1%})" + (
        f"; {still} still open, not counted" if still else ""
    )
    return Criterion("rebalances_filled", name, threshold, measured, _judge(share >= minimum),
                     ev.period, share, details)  # fmt: skip


def no_missed_cycles(ev: Evidence, maximum: int) -> Criterion:
    """Cycle slots of the period's sessions without a recorded cycle (a crash, bad data)."""
    name = "No missed trading cycles while the market was open"
    threshold = f"<= {maximum} missed"
    rec = ev.records
    if ev.start is None or ev.end is None:
        return Criterion("missed_cycles", name, threshold, "n/a: no cycle", "no data", ev.period)
    cycles = {pd.Timestamp(t) for t in rec.recorder.ts if ev.inside(t)}
    cal = nyse()
    first = ev.start.tz_convert(EXCHANGE_TZ).tz_localize(None).normalize()
    last_t = rec.uptime.end if rec.clock == "wall" and rec.uptime is not None else ev.end
    last = pd.Timestamp(last_t).tz_convert(EXCHANGE_TZ).tz_localize(None).normalize()
    missing: list[str] = []
    expected = 0
    if rec.clock == "wall" and rec.interval_seconds:
        from tradewind.engine.clock import SessionClock

        scheduler = SessionClock(rec.interval_seconds)
        for day in cal.sessions(first, last):
            for slot in scheduler.session_slots(day):
                if slot < ev.start or slot > pd.Timestamp(last_t):
                    continue
                expected += 1
                if slot not in cycles:
                    missing.append(f"{slot.tz_convert('America/New_York'):%Y-%m-%d %H:%M} ET")
    else:  # one cycle per session (daily bars: a replay or a backtest)
        days = {d.normalize() for d in session_dates(pd.DatetimeIndex(sorted(cycles)))}
        for day in cal.sessions(first, last):
            expected += 1
            if pd.Timestamp(day) not in days:
                missing.append(f"session {pd.Timestamp(day):%Y-%m-%d}")
    measured = f"{len(missing)} of {expected} expected cycles missed"
    return Criterion("missed_cycles", name, threshold, measured, _judge(len(missing) <= maximum),
                     ev.period, float(len(missing)), tuple(missing[:50]))  # fmt: skip


def return_above(ev: Evidence, minimum: float) -> Criterion:
    """Cumulative return over the period above ``minimum``."""
    if not ev.sessions:
        return Criterion("cumulative_return", f"Cumulative return > {pct(minimum)}",
                         f"> {pct(minimum)}", "n/a: no session", "no data", ev.period)  # fmt: skip
    value = ev.cumulative_return
    return Criterion("cumulative_return", f"Cumulative return > {pct(minimum)}",
                     f"> {pct(minimum)}", f"{value:+.2%}", _judge(value > minimum), ev.period,
                     value)  # fmt: skip


def drawdown_below(ev: Evidence, maximum: float) -> Criterion:
    """Deepest drawdown of the period smaller than ``maximum``."""
    name = f"Max drawdown < {pct(maximum)}"
    if not ev.sessions:
        return Criterion("max_drawdown", name, f"< {pct(maximum)}", "n/a: no session",
                         "no data", ev.period)  # fmt: skip
    value = ev.max_drawdown
    return Criterion("max_drawdown", name, f"< {pct(maximum)}", f"{value:.2%}",
                     _judge(-value < maximum), ev.period, value)  # fmt: skip


def win_rate_above(ev: Evidence, minimum: float) -> Criterion:
    """Round trips closed in the period that gained: more than ``minimum``."""
    name = f"Win rate > {pct(minimum)}"
    trades = ev.closed_trades()
    if not trades:
        return Criterion("win_rate", name, f"> {pct(minimum)}",
                         "n/a: no round trip closed in the period", "no data",
                         ev.period)  # fmt: skip
    wins = sum(1 for t in trades if t.pnl > 0)
    value = wins / len(trades)
    return Criterion("win_rate", name, f"> {pct(minimum)}",
                     f"{value:.1%} ({wins} of {len(trades)} round trips)",
                     _judge(value > minimum), ev.period, value)  # fmt: skip


def slippage_near_estimate(ev: Evidence, max_extra_bps: float) -> Criterion:
    """Realized slippage minus the planner's estimate, over the traded value, in bps."""
    name = "Trade execution quality (slippage vs estimate)"
    threshold = f"<= {max_extra_bps:g} bps above the estimate"
    fills = ev.fills()
    if not fills:
        return Criterion("slippage", name, threshold, "n/a: no fill in the period", "no data",
                         ev.period)  # fmt: skip
    wanted = {f.client_order_id for f in fills}
    decisions = [d for d in ev.records.recorder.decisions
                 if any(o.client_order_id in wanted for o in d.orders)]  # fmt: skip
    paired = fill_costs(decisions, fills)
    notional = sum(c.notional for c in paired)
    realized = sum(c.realized.slippage for c in paired)
    estimated = sum(c.estimated.slippage for c in paired)
    extra = (realized - estimated) / notional * 1e4 if notional else 0.0
    measured = (f"{extra:+.1f} bps (realized ${realized:,.2f} vs estimated ${estimated:,.2f} "
                f"on ${notional:,.0f} traded)")  # fmt: skip
    return Criterion("slippage", name, threshold, measured, _judge(extra <= max_extra_bps),
                     ev.period, extra)  # fmt: skip


def system_errors_at_most(ev: Evidence, maximum: int) -> Criterion:
    """Error-level events of the period (failed cycles, reconciliation halts, ...), breaker
    halts left out; restarts listed."""
    name = "No system errors or crashes"
    events = ev.events()
    errors = [e for e in events if is_system_error(e)]
    restarts = [e for e in events if e.kind == "service_restart"]
    details = tuple(f"{pd.Timestamp(e.ts):%Y-%m-%d %H:%M} {e.kind}: {e.message}"
                    for e in [*errors, *restarts])  # fmt: skip
    measured = f"{len(errors)} error(s), {len(restarts)} restart(s)"
    return Criterion("system_errors", name, f"<= {maximum} errors", measured,
                     _judge(len(errors) <= maximum), ev.period, float(len(errors)),
                     details[:50])  # fmt: skip


def beats_benchmark(ev: Evidence, min_excess: float) -> Criterion:
    """Cumulative return above the benchmark's over the same period."""
    bench = ev.benchmark_return()
    name = "Cumulative return > benchmark (SPY)"
    threshold = f"excess > {pct(min_excess)}"
    if bench is None or not ev.sessions:
        return Criterion("beats_benchmark", name, threshold,
                         f"n/a: {ev.records.benchmark_note}", "no data", ev.period)  # fmt: skip
    excess = ev.cumulative_return - bench
    label = str(ev.records.benchmark.name) if ev.records.benchmark is not None else "benchmark"
    measured = f"{ev.cumulative_return:+.2%} vs {label} {bench:+.2%} (excess {excess:+.2%})"
    return Criterion("beats_benchmark", name, threshold, measured, _judge(excess > min_excess),
                     ev.period, excess)  # fmt: skip


def cost_rate(ev: Evidence) -> tuple[float, float] | None:
    """Realized costs per traded dollar (bps; the fills' costs and the broker's regulatory fees)
    and the traded value, or None without fills."""
    fills = ev.fills()
    notional = sum(f.notional for f in fills)
    if notional <= 0:
        return None
    spent = sum(f.cost for f in fills) + sum(amount for _, amount in ev.broker_fees())
    return spent / notional * 1e4, notional


def costs_match_paper(
    ev: Evidence, paper: Evidence | None, tolerance: float, no_paper: str = ""
) -> Criterion:
    """Costs per traded dollar no more than ``tolerance`` above the paper run's; ``no_paper``
    says why there is no paper run to compare with, when that is not simply none."""
    name = "Actual costs match paper trading"
    threshold = f"<= paper's cost per traded dollar x {1 + tolerance:g}"
    live = cost_rate(ev)
    ref = cost_rate(paper) if paper is not None else None
    if live is None or ref is None:
        missing = "no fill in this period" if live is None else no_paper
        missing = missing or "no paper run with fills"
        return Criterion("costs_match_paper", name, threshold, f"n/a: {missing}", "no data",
                         ev.period)  # fmt: skip
    ratio = live[0] / ref[0] if ref[0] > 0 else (1.0 if live[0] == 0 else float("inf"))
    assert paper is not None  # noqa: S101 - ref exists only with a paper run
    measured = (f"{live[0]:.1f} bps here vs {ref[0]:.1f} bps in paper {paper.records.label} "
                f"({ratio:.2f}x)")  # fmt: skip
    return Criterion("costs_match_paper", name, threshold, measured,
                     _judge(ratio <= 1 + tolerance), ev.period, ratio)  # fmt: skip
