"""Weekly reports in the runbook's Markdown template, one per ISO week, from real figures."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tradewind.domain.records import EngineEvent
from tradewind.domain.types import EXCHANGE_TZ
from tradewind.rebalance.triggers import drift_from_arrays
from tradewind.reports.costs import usd
from tradewind.reports.metrics import MIN_SHARPE_SESSIONS, drawdown, prefix_sharpe_ratios
from tradewind.reports.ml import ml_summary, model_performance
from tradewind.reports.rolling import NEW_YORK, TWO_WEEKS, daily_returns, rolling_sharpe
from tradewind.reports.run import RunSummary
from tradewind.reports.week_index import (
    ClosedTrades,
    DecisionIndex,
    EventIndex,
    FillIndex,
    WeekBounds,
    series_sum,
)
from tradewind.reports.week_methods import MethodLines
from tradewind.reports.week_methods import method_name as method_name
from tradewind.reports.week_methods import week_methods as week_methods

NO_ML = "n/a (no ML ensemble)"
RUNBOOK_DRIFT_THRESHOLD = 0.10
"""``rebalancing.drift_threshold``'s default (the runbook's 10%), for reports without a config."""
NEAR_THRESHOLD = 0.8
"""Drift at this fraction of the threshold is "near" it in the action items."""
"""The weekly report's "Model Performance" of a run without the ML ensemble."""


@dataclass(frozen=True)
class WeekFigures:
    """The numbers that fill one weekly report.

    ``costs_usd`` is what the week's fills cost plus the regulatory fees the broker took from
    the cash that week (:attr:`~tradewind.reports.run.RunSummary.broker_fees`).
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
    """Since inception, on daily returns; None before ``MIN_SHARPE_SESSIONS`` sessions."""
    max_drawdown: float
    win_rate: float | None
    """Closed round trips that gained, to date; None before the first one closed."""
    regime: str
    regime_changes: int
    method: str
    """The optimization method(s) of the week's rebalances, or what was held without one."""
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
    """The service's uptime (this week's on the wall clock, else the run's; None for a
    backtest)."""
    warnings: int
    rolling_sharpe: float | None = None
    """Sharpe of the last ``sharpe_window`` sessions up to the week's end (None before)."""
    closed: bool = True
    """False for the run's last week while a later cycle may still come."""
    closed_trades: int = 0
    """Round trips closed to date (the win rate's sample)."""
    week_start: pd.Timestamp | None = None
    """Monday 00:00 New York of the week (UTC)."""
    week_end: pd.Timestamp | None = None
    """The next Monday 00:00 New York (UTC)."""
    benchmark_return: float | None = None
    """The benchmark's return from the run's first cycle to the week's last (None without
    benchmark data)."""
    benchmark_name: str = "benchmark"


UptimeOf = Callable[[pd.Timestamp, pd.Timestamp], float | None]
"""Uptime over a window (e.g. :func:`tradewind.service.records.uptime_between` bound to a run)."""


def week_figures(
    run: RunSummary,
    *,
    uptime_of: UptimeOf | None = None,
    sharpe_window: int = TWO_WEEKS,
    finished: bool = False,
) -> list[WeekFigures]:
    """Figures for every ISO week of the run (to-date metrics as of the week's last bar).

    ``uptime_of`` gives each week's own uptime (a wall-clock run); without it every week
    shows the run's uptime (``run.uptime``). The last week is still open unless the run has
    ``finished`` (a backtest, a replay that reached its end).
    """
    rec = run.recorder
    frame = rec.frame()
    if frame.empty:
        return []
    bars = pd.DatetimeIndex(frame.index)
    local = bars.tz_convert(EXCHANGE_TZ).tz_localize(None)
    weeks = WeekBounds.of(local.to_period("W-SUN"))
    first, last = weeks.first, weeks.last
    bar_ns = bars.as_unit("ns").asi8
    n0, n1 = bar_ns[first], bar_ns[last]
    path = np.concatenate([[run.initial_capital], frame["equity"].to_numpy()])
    eq_end, eq_prev = path[last + 1], path[first]
    dollars = eq_end  # the costs' share is of the account's dollars (the same without flows)
    if run.account is not None:
        dollars = np.concatenate([[run.initial_capital], run.account.equity])[last + 1]
    worst = np.minimum.accumulate(drawdown(path))  # the max drawdown to date, at every bar
    with np.errstate(divide="ignore", invalid="ignore"):
        cash = np.where(eq_end != 0, frame["cash"].to_numpy()[last] / eq_end, 0.0)
    weights = rec.weights_frame().to_numpy()[last]
    regime = frame["regime"]
    changed = np.asarray((regime != regime.shift(1)).fillna(False), dtype=np.int64).cumsum()
    changes = changed[last] - np.where(first > 0, changed[np.maximum(first - 1, 0)], 0)
    changes[first == 0] = np.maximum(changes[first == 0] - 1, 0)  # the first bar is no change
    days = daily_returns(rec, run.initial_capital)
    # the sessions to date of each week: the days are in order (grouped), so a prefix
    sessions = np.searchsorted(
        pd.DatetimeIndex(days.index).as_unit("ns").asi8,
        local.normalize().as_unit("ns").asi8[last],
        "right",
    ).tolist()
    rolling = rolling_sharpe(days, sharpe_window).to_numpy()
    counts = [n if n >= MIN_SHARPE_SESSIONS else 0 for n in sessions]
    sharpes = prefix_sharpe_ratios(days.to_numpy(), counts)
    fills = FillIndex.of(rec.fills, rec.decisions)
    decisions = DecisionIndex(rec.decisions)
    trades = ClosedTrades(run.book.closed_trades)
    closed = trades.closed_by_each(n1)
    bench = _benchmark_path(run, bars)
    bench_name = str(run.benchmark.name) if run.benchmark is not None and run.benchmark.name else ""
    monday = pd.DatetimeIndex(weeks.periods.start_time).tz_localize(NEW_YORK).tz_convert("UTC")
    starts, ends = list(monday), list(monday + pd.Timedelta(days=7))
    columns = zip(
        [d.isoformat() for d in local[first].date],
        [d.isoformat() for d in local[last].date],
        (eq_end / run.initial_capital - 1.0).tolist(),
        (eq_end / eq_prev - 1.0).tolist(),
        dollars.tolist(),
        sessions,
        worst[last + 1].tolist(),
        trades.win_rates(closed),
        closed,
        [str(r) for r in regime.iloc[last].tolist()],
        changes.tolist(),
        fills.windows(n0, n1),
        decisions.method_windows(n0, n1),
        decisions.targets_positions(n1),
        decisions.rebalance_counts(n0, n1).tolist(),
        EventIndex(rec.events).warning_counts(n0, n1).tolist(),
        cash.tolist(),
        [None] * len(last) if bench is None else bench[last].tolist(),
        strict=True,
    )
    methods = MethodLines(decisions)
    count = len(weeks.periods)
    out: list[WeekFigures] = []
    for k, (start, end, cum, week_ret, equity, n_days, dd, win, n_closed, label, n_changes,
            in_week, (used, held), target, n_rebalances, n_warnings, cash_share, bench_ret,
            ) in enumerate(columns, start=1):  # fmt: skip
        w = weights[k - 1]
        positions = w[w > 1e-9]
        # the trigger's measure (cash leg included) against the optimizer's last targets
        drift = drift_from_arrays(w, methods.targets(target)).portfolio if target >= 0 else 0.0
        n_trades = in_week.stop - in_week.start if isinstance(in_week, slice) else in_week.sum()
        notional = cost = slip = estimated = realized = 0.0
        if n_trades:
            notional = series_sum(fills.notional[in_week])
            cost = series_sum(fills.cost[in_week])
            slip = series_sum(fills.slip[in_week])
            estimated = series_sum(fills.estimated[in_week])
            realized = series_sum(fills.realized[in_week])
        window_start, window_end = starts[k - 1], ends[k - 1]
        cost += sum(a for ts, a in run.broker_fees if window_start <= ts < window_end)
        uptime = uptime_of(window_start, window_end) if uptime_of is not None else run.uptime
        sharpe_now = rolling[n_days - 1] if n_days else np.nan
        out.append(
            WeekFigures(
                week=k,
                start=start,
                end=end,
                cumulative_return=cum,
                weekly_return=week_ret,
                sharpe=sharpes[k - 1] if n_days >= MIN_SHARPE_SESSIONS else None,
                max_drawdown=dd,
                win_rate=win,
                regime=label,
                regime_changes=n_changes,
                method=methods.text(used, held),
                positions=len(positions),
                avg_position=float(positions.mean()) if len(positions) else 0.0,
                cash=cash_share,
                drift=drift,
                trades=int(n_trades),
                rebalances=n_rebalances,
                costs_usd=cost,
                costs_pct=cost / equity if cost else 0.0,
                avg_slippage=slip / notional if notional else 0.0,
                estimated_costs_usd=estimated,
                realized_costs_usd=realized,
                uptime=uptime,
                warnings=n_warnings,
                rolling_sharpe=None if np.isnan(sharpe_now) else float(sharpe_now),
                closed=finished or k < count,
                closed_trades=n_closed,
                week_start=window_start,
                week_end=window_end,
                benchmark_return=_finite(bench_ret),
                benchmark_name=bench_name or "benchmark",
            )
        )
    return out


def _finite(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def _benchmark_path(run: RunSummary, index: pd.DatetimeIndex) -> np.ndarray | None:
    """The benchmark's return since the first bar, at every bar (None without data)."""
    if run.benchmark is None or run.benchmark.dropna().empty:
        return None
    closes = run.benchmark.dropna().sort_index().reindex(index, method="ffill").to_numpy()
    if not np.isfinite(closes[0]) or closes[0] <= 0:
        return None
    out: np.ndarray = closes / closes[0] - 1.0
    return out


def _sharpe_text(sharpe: float | None) -> str:
    if sharpe is None:
        return f"n/a (fewer than {MIN_SHARPE_SESSIONS} sessions)"
    return f"{sharpe:.2f}"


def win_rate_text(win_rate: float | None, closed: int) -> str:
    """``60% (of 5 round trips)``, or n/a before any round trip closed."""
    if win_rate is None:
        return "n/a (no round trip closed yet)"
    return f"{win_rate:.0%} (of {closed} round trip{'s' if closed != 1 else ''})"


def _vs_benchmark(f: WeekFigures) -> str:
    if f.benchmark_return is None:
        return ""
    excess = f.cumulative_return - f.benchmark_return
    return f" ({f.benchmark_name} {f.benchmark_return:+.1%}, excess {excess:+.1%})"


def _rolling_text(sharpe: float | None) -> str:
    return "n/a (fewer than two weeks of sessions)" if sharpe is None else f"{sharpe:.2f}"


def _uptime_text(uptime: float | None, scope: str) -> str:
    if uptime is None and scope == "whole run":
        return "n/a (backtest: no service process to be down)"
    if uptime is None:
        return f"n/a (no heartbeat recorded {scope})"
    return f"{uptime:.1%} ({scope}, from the service's heartbeats)"


def render_week(
    f: WeekFigures,
    model_performance: str = NO_ML,
    *,
    uptime_scope: str = "whole run",
    lessons: Sequence[str] = (),
    drift_threshold: float = RUNBOOK_DRIFT_THRESHOLD,
) -> str:
    """The runbook's weekly report template filled with ``f`` (``uptime_scope`` says what
    window the uptime covers: ``whole run`` or ``this week``; ``lessons`` are the user's
    lessons of the week, from ``lessons.md``; ``drift_threshold`` is the run's
    ``rebalancing.drift_threshold``, which the action items compare the drift with)."""
    notes = _notes(f, lessons)
    actions = _actions(f, drift_threshold)
    return f"""# Week {f.week} Trading Report - {f.start} to {f.end}

## Summary
- Cumulative Return: {f.cumulative_return:+.1%}{_vs_benchmark(f)}
- Weekly Return: {f.weekly_return:+.1%}
- Sharpe Ratio: {_sharpe_text(f.sharpe)}
- Sharpe Ratio (rolling 2 weeks): {_rolling_text(f.rolling_sharpe)}
- Max Drawdown: {f.max_drawdown:.1%}
- Win Rate: {win_rate_text(f.win_rate, f.closed_trades)}

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
- Uptime: {_uptime_text(f.uptime, uptime_scope)}
- Errors/Warnings: {f.warnings}
- Model Performance: {model_performance}

## Notes
{notes}

## Next Week Actions
{actions}
"""


def _notes(f: WeekFigures, lessons: Sequence[str] = ()) -> str:
    lines = [f"- Lesson: {text}" for text in lessons]
    if f.regime_changes:
        lines.append(f"- The regime changed {f.regime_changes} time(s); now {f.regime}.")
    if f.max_drawdown <= -0.10:
        lines.append("- Drawdown is beyond 10%: the runbook asks for a strategy review.")
    if f.costs_pct > 0.002:
        lines.append("- Costs this week exceed 0.2% of the portfolio (the monthly budget).")
    return "\n".join(lines) or "- Nothing unusual."


def _actions(f: WeekFigures, drift_threshold: float) -> str:
    items = []
    if f.max_drawdown <= -0.10:
        items.append("Review overall strategy performance (drawdown > 10%)")
    if f.sharpe is not None and f.sharpe < 1.0:
        items.append("Sharpe below the 1.0 target: review before scaling up")
    if f.drift >= drift_threshold:
        items.append(
            f"Portfolio drift {f.drift:.1%} is at or past the {drift_threshold:.0%} "
            "drift_threshold: expect a rebalance"
        )
    elif f.drift >= NEAR_THRESHOLD * drift_threshold:
        items.append(
            f"Portfolio drift {f.drift:.1%} is near the {drift_threshold:.0%} drift_threshold: "
            "expect a rebalance"
        )
    items.append("Compare performance vs SPY and update the tracking spreadsheet")
    return "\n".join(f"- [ ] {i}" for i in items)


def models_by_week(events: Sequence[EngineEvent], weeks: Sequence[WeekFigures]) -> dict[int, str]:
    """Each week's "Model Performance": the ensemble's readings of that week (Good / Fair /
    Poor, "no reading" in a week without a rebalance), or :data:`NO_ML` for every week of a
    run without the ensemble."""
    mine = [(_ny_day(e.ts), e) for e in events if e.kind in ("ml_views", "ml_fallback")]
    if not mine:
        return {f.week: NO_ML for f in weeks}
    out = {}
    for f in weeks:
        summary = ml_summary([e for day, e in mine if f.start <= day <= f.end])
        out[f.week] = model_performance(summary) if summary is not None else "no reading"
    return out


def write_weekly_reports(run: RunSummary, folder: str | Path) -> list[Path]:
    """Write ``week-NNN.md`` files into ``folder``; return their paths."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    weeks = week_figures(run)
    models = models_by_week(run.recorder.events, weeks)
    for f in weeks:
        p = out / f"week-{f.week:04d}.md"
        p.write_text(render_week(f, models[f.week]), encoding="utf-8")
        paths.append(p)
    return paths


def _ny_day(ts: object) -> str:
    """The New York date of an event time, ISO."""
    stamp = pd.Timestamp(ts)  # type: ignore[arg-type]
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return stamp.tz_convert("America/New_York").date().isoformat()
