"""Weekly reports in the runbook's Markdown template, one per ISO week, from real figures."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tradewind.reports.costs import fill_costs, usd
from tradewind.reports.metrics import MIN_SHARPE_SESSIONS, drawdown, sharpe_ratio
from tradewind.reports.ml import ml_summary, model_performance
from tradewind.reports.run import RunSummary

_METHOD_NAMES = {
    "max_sharpe": "Max Sharpe",
    "min_variance": "Min Variance",
    "risk_parity": "Risk Parity",
    "equal_weight": "Equal Weight",
    "hrp": "Hierarchical Risk Parity",
}


@dataclass(frozen=True)
class WeekFigures:
    """The numbers that fill one weekly report.

    ``avg_slippage`` is the realized slippage (the model's, plus the fill price's shortfall
    against the decision price) over the traded value; ``estimated_costs_usd`` and
    ``realized_costs_usd`` compare the week's fills with what the planner expected
    (:mod:`tradewind.reports.costs`).
    """

    week: int
    start: str
    end: str
    cumulative_return: float
    weekly_return: float
    sharpe: float | None
    """Since inception; None before ``MIN_SHARPE_SESSIONS`` sessions."""
    max_drawdown: float
    win_rate: float
    regime: str
    regime_changes: int
    method: str
    positions: int
    avg_position: float
    cash: float
    drift: float
    trades: int
    rebalances: int
    costs_usd: float
    costs_pct: float
    avg_slippage: float
    estimated_costs_usd: float
    realized_costs_usd: float
    uptime: float | None
    """The service's uptime over the run (None for a backtest)."""
    warnings: int


def week_figures(run: RunSummary) -> list[WeekFigures]:
    """Figures for every ISO week of the run (to-date metrics as of the week's last bar)."""
    rec = run.recorder
    frame = rec.frame()
    if frame.empty:
        return []
    local = pd.DatetimeIndex(frame.index).tz_convert("America/New_York").tz_localize(None)
    week_key = local.to_period("W-SUN")
    weights = rec.weights_frame()
    path = np.concatenate([[run.initial_capital], frame["equity"].to_numpy()])
    returns = path[1:] / path[:-1] - 1.0
    paired = fill_costs(rec.decisions, rec.fills)
    fills = pd.DataFrame(
        {
            "ts": pd.DatetimeIndex([f.ts for f in rec.fills]),
            "cost": [f.cost for f in rec.fills],
            "slip": [c.realized.slippage for c in paired],
            "notional": [f.notional for f in rec.fills],
            "estimated": [c.estimated.total for c in paired],
            "realized": [c.realized.total for c in paired],
        }
    )
    trades = sorted(run.book.closed_trades, key=lambda t: t.ts)
    out: list[WeekFigures] = []
    for k, period in enumerate(week_key.unique(), start=1):
        mask = np.asarray(week_key == period)
        last = int(np.flatnonzero(mask)[-1])
        first = int(np.flatnonzero(mask)[0])
        t0, t1 = frame.index[first], frame.index[last]
        eq_end = float(path[last + 1])
        eq_prev = float(path[first])
        wk_fills = fills[(fills["ts"] >= t0) & (fills["ts"] <= t1)] if len(fills) else fills
        wk_decisions = [d for d in rec.decisions if t0 <= pd.Timestamp(d.ts) <= t1]
        regimes = frame["regime"].iloc[: last + 1]
        changes = int((regimes.iloc[first:] != regimes.shift(1).iloc[first:]).sum())
        if first == 0:
            changes = max(changes - 1, 0)
        w = weights.iloc[last].to_numpy()
        held = w[w > 1e-9]
        closed = [t for t in trades if pd.Timestamp(t.ts) <= t1]
        method = next(
            (d.method for d in reversed(rec.decisions) if pd.Timestamp(d.ts) <= t1), "none yet"
        )
        target = next(
            (d.targets for d in reversed(rec.decisions) if pd.Timestamp(d.ts) <= t1 and d.targets),
            (),
        )
        drift = 0.5 * float(np.abs(w - np.asarray(target)).sum()) if len(target) else 0.0
        notional = float(wk_fills["notional"].sum()) if len(wk_fills) else 0.0
        out.append(
            WeekFigures(
                week=k,
                start=t0.tz_convert("America/New_York").date().isoformat(),
                end=t1.tz_convert("America/New_York").date().isoformat(),
                cumulative_return=eq_end / run.initial_capital - 1.0,
                weekly_return=eq_end / eq_prev - 1.0,
                sharpe=sharpe_ratio(returns[: last + 1])
                if last + 1 >= MIN_SHARPE_SESSIONS
                else None,
                max_drawdown=float(drawdown(path[: last + 2]).min()),
                win_rate=float(np.mean([t.pnl > 0 for t in closed])) if closed else 0.0,
                regime=str(frame["regime"].iloc[last]),
                regime_changes=changes,
                method=_METHOD_NAMES.get(method, method),
                positions=len(held),
                avg_position=float(held.mean()) if len(held) else 0.0,
                cash=float(frame["cash"].iloc[last] / eq_end) if eq_end else 0.0,
                drift=drift,
                trades=len(wk_fills),
                rebalances=sum(1 for d in wk_decisions if d.orders),
                costs_usd=float(wk_fills["cost"].sum()) if len(wk_fills) else 0.0,
                costs_pct=float(wk_fills["cost"].sum()) / eq_end if len(wk_fills) else 0.0,
                avg_slippage=float(wk_fills["slip"].sum()) / notional if notional else 0.0,
                estimated_costs_usd=float(wk_fills["estimated"].sum()) if len(wk_fills) else 0.0,
                realized_costs_usd=float(wk_fills["realized"].sum()) if len(wk_fills) else 0.0,
                uptime=run.uptime,
                warnings=sum(
                    1 for e in rec.events if t0 <= pd.Timestamp(e.ts) <= t1 and e.severity != "info"
                ),
            )
        )
    return out


def _sharpe_text(sharpe: float | None) -> str:
    if sharpe is None:
        return f"n/a (fewer than {MIN_SHARPE_SESSIONS} sessions)"
    return f"{sharpe:.2f}"


def _uptime_text(uptime: float | None) -> str:
    if uptime is None:
        return "n/a (backtest: no service process to be down)"
    return f"{uptime:.1%} (whole run, from the service's heartbeats)"


def render_week(f: WeekFigures, model_performance: str = "n/a (no ML ensemble)") -> str:
    """The runbook's weekly report template filled with ``f``."""
    notes = _notes(f)
    actions = _actions(f)
    return f"""# Week {f.week} Trading Report - {f.start} to {f.end}

## Summary
- Cumulative Return: {f.cumulative_return:+.1%}
- Weekly Return: {f.weekly_return:+.1%}
- Sharpe Ratio: {_sharpe_text(f.sharpe)}
- Max Drawdown: {f.max_drawdown:.1%}
- Win Rate: {f.win_rate:.0%}

## Regime Analysis
- Current Regime: {f.regime}
- Regime Changes This Week: {f.regime_changes}
- Optimization Method Used: {f.method}

## Portfolio Status
- Current Positions: {f.positions}
- Average Position Size: {f.avg_position:.1%}
- Cash Position: {f.cash:.1%}
- Portfolio Drift: {f.drift:.1%}

## Trading Activity
- Trades Executed: {f.trades}
- Rebalancing Events: {f.rebalances}
- Transaction Costs: ${f.costs_usd:,.2f} ({f.costs_pct:.2%} of portfolio)
- Average Slippage: {f.avg_slippage:.2%}
- Costs Estimated / Realized: {usd(f.estimated_costs_usd)} / {usd(f.realized_costs_usd)}

## System Health
- Uptime: {_uptime_text(f.uptime)}
- Errors/Warnings: {f.warnings}
- Model Performance: {model_performance}

## Notes
{notes}

## Next Week Actions
{actions}
"""


def _notes(f: WeekFigures) -> str:
    lines = []
    if f.regime_changes:
        lines.append(f"- The regime changed {f.regime_changes} time(s); now {f.regime}.")
    if f.max_drawdown <= -0.10:
        lines.append("- Drawdown is beyond 10%: the runbook asks for a strategy review.")
    if f.costs_pct > 0.002:
        lines.append("- Costs this week exceed 0.2% of the portfolio (the monthly budget).")
    return "\n".join(lines) or "- Nothing unusual."


def _actions(f: WeekFigures) -> str:
    items = []
    if f.max_drawdown <= -0.10:
        items.append("Review overall strategy performance (drawdown > 10%)")
    if f.sharpe is not None and f.sharpe < 1.0:
        items.append("Sharpe below the 1.0 target: review before scaling up")
    if f.drift >= 0.08:
        items.append("Portfolio drift is near the 10% threshold: expect a rebalance")
    items.append("Compare performance vs SPY and update the tracking spreadsheet")
    return "\n".join(f"- [ ] {i}" for i in items)


def write_weekly_reports(run: RunSummary, folder: str | Path) -> list[Path]:
    """Write ``week-NNN.md`` files into ``folder``; return their paths."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    events = run.recorder.events
    has_ml = ml_summary(events) is not None
    for f in week_figures(run):
        p = out / f"week-{f.week:04d}.md"
        model = "n/a (no ML ensemble)"
        if has_ml:  # the ensemble's readings of this week (issue 25)
            week = [e for e in events if f.start <= _ny_day(e.ts) <= f.end]
            model = model_performance(ml_summary(week)) if ml_summary(week) else "no reading"
        p.write_text(render_week(f, model), encoding="utf-8")
        paths.append(p)
    return paths


def _ny_day(ts: object) -> str:
    """The New York date of an event time, ISO."""
    stamp = pd.Timestamp(ts)  # type: ignore[arg-type]
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return stamp.tz_convert("America/New_York").date().isoformat()
