"""The runbook's "Example Weekly Tracking" roll-up: one row per week of a run.

Columns as the runbook draws them (Week, Cumulative Return, Sharpe, Max DD, Regime,
Rebalancing, Tx Costs, Win Rate, Uptime), plus the rolling 2-week Sharpe the first success
criterion is about and the benchmark's return over the same weeks (the weekly review's
"compare performance vs SPY"). Every figure comes from :func:`tradewind.reports.weekly.
week_figures`, so the roll-up, the weekly reports and the dashboard agree.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from tradewind.reports.metrics import MIN_SHARPE_SESSIONS
from tradewind.reports.weekly import WeekFigures

COLUMNS = (
    "Week",
    "Dates",
    "Cumulative Return",
    "Sharpe",
    "Sharpe 2w",
    "Max DD",
    "Regime",
    "Rebalancing",
    "Tx Costs",
    "Win Rate",
    "Uptime",
    "Benchmark",
)


def rollup_frame(weeks: Sequence[WeekFigures]) -> pd.DataFrame:
    """The roll-up as numbers (fractions; NaN where a figure does not exist yet)."""
    rows = [
        {
            "week": f.week,
            "start": f.start,
            "end": f.end,
            "closed": f.closed,
            "cumulative_return": f.cumulative_return,
            "weekly_return": f.weekly_return,
            "sharpe": _nan(f.sharpe),
            "rolling_sharpe": _nan(f.rolling_sharpe),
            "max_drawdown": f.max_drawdown,
            "regime": f.regime,
            "regime_changes": f.regime_changes,
            "rebalancing": f.rebalances,
            "trades": f.trades,
            "costs_usd": f.costs_usd,
            "costs_pct": f.costs_pct,
            "win_rate": _nan(f.win_rate),
            "closed_trades": f.closed_trades,
            "uptime": _nan(f.uptime),
            "benchmark_return": _nan(f.benchmark_return),
        }
        for f in weeks
    ]
    return pd.DataFrame(rows)


def rollup_rows(weeks: Sequence[WeekFigures]) -> list[tuple[str, ...]]:
    """The roll-up as display strings, one tuple per week in :data:`COLUMNS` order."""
    return [
        (
            f"{f.week}" + ("" if f.closed else " (to date)"),
            f"{f.start} to {f.end}",
            f"{f.cumulative_return:+.1%}",
            "n/a" if f.sharpe is None else f"{f.sharpe:.2f}",
            "n/a" if f.rolling_sharpe is None else f"{f.rolling_sharpe:.2f}",
            f"{f.max_drawdown:.1%}",
            f.regime + (f" ({f.regime_changes} change{'s' * (f.regime_changes != 1)})"
                        if f.regime_changes else ""),
            str(f.rebalances),
            f"{f.costs_pct:.2%}",
            "n/a" if f.win_rate is None else f"{f.win_rate:.0%}",
            "n/a" if f.uptime is None else f"{f.uptime:.0%}" if f.uptime >= 0.995 or f.uptime
            < 0.005 else f"{f.uptime:.1%}",
            "n/a" if f.benchmark_return is None else f"{f.benchmark_return:+.1%}",
        )
        for f in weeks
    ]  # fmt: skip


def render_rollup(weeks: Sequence[WeekFigures], title: str = "Weekly Tracking") -> str:
    """The roll-up as a Markdown table (the runbook's "Example Weekly Tracking")."""
    benchmark = next((f.benchmark_name for f in weeks if f.benchmark_return is not None), None)
    header = list(COLUMNS)
    if benchmark:
        header[-1] = benchmark
    lines = [
        f"# {title}",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join("-" * (len(h) + 2) for h in header) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rollup_rows(weeks)]
    lines += [
        "",
        f"Sharpe: since the first session, shown from the {MIN_SHARPE_SESSIONS}th session on. "
        "Sharpe 2w: the last ten sessions (the runbook's rolling 2-week criterion). Max DD: "
        "deepest drawdown to date. Regime: at the week's end. Rebalancing: rebalances that "
        "placed orders. Tx Costs: the week's costs over the week-end equity. Win Rate: closed "
        "round trips that gained, to date. Uptime: share of the week the trading service was "
        "alive (n/a for a backtest).",
        "",
    ]
    return "\n".join(lines)


def _nan(x: float | None) -> float:
    return float("nan") if x is None else float(x)
