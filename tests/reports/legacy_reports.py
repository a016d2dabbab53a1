"""The report writers as they were before issue 28's fourth speed round (commit 2985649): the
reference the fast writers must match byte for byte (``test_report_bytes.py``).

Copied, not imported: the parts of ``domain/plain.py``, ``reports/week_index.py``,
``reports/weekly.py``, ``reports/tearsheet.py``, ``reports/tracking.py``, ``reports/folder.py``
and ``backtest/outputs.py`` that the round rewrote, as they were; what it left alone is imported.
This file is the definition the tests hold the fast code to: do not speed it up.
"""

# ruff: noqa
# mypy: ignore-errors
from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from tradewind.backtest.runner import BacktestRun
from tradewind.domain.orders import Fill
from tradewind.domain.types import EXCHANGE_TZ
from tradewind.rebalance.triggers import drift_from_arrays
from tradewind.reports.costs import FillCost, cost_payload, describe_comparison, fill_costs
from tradewind.reports.folder import WeeklyOptions
from tradewind.reports.lessons import ensure_lessons, lessons_by_week
from tradewind.reports.metrics import MIN_SHARPE_SESSIONS, drawdown, sharpe_ratio
from tradewind.reports.rolling import NEW_YORK, TWO_WEEKS, daily_returns, rolling_sharpe
from tradewind.reports.rollup import render_rollup
from tradewind.reports.run import RunSummary
from tradewind.reports.tracking import tracking_frame
from tradewind.reports.week_index import (
    ClosedTrades,
    DecisionIndex,
    EventIndex,
    WeekBounds,
    stamps_ns,
)
from tradewind.reports.weekly import UptimeOf, WeekFigures, method_name, render_week

REGIME_COLORS = {
    "BULL": "rgba(46, 160, 67, 0.10)",
    "BEAR": "rgba(218, 54, 51, 0.12)",
    "CHOPPY": "rgba(210, 153, 34, 0.12)",
    "VOLATILE": "rgba(137, 87, 229, 0.12)",
}
ROLLING_DAYS = 63


# domain/plain.py
def plain(obj: Any) -> Any:
    """``obj`` (a dataclass instance, or a list, tuple or dict of them) as ``asdict`` returns
    it, its leaf values shared rather than copied."""
    if is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: plain(getattr(obj, f.name)) for f in fields(obj)}
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):  # a named tuple, as asdict does
        return type(obj)(*[plain(v) for v in obj])
    if isinstance(obj, list | tuple):
        return type(obj)(plain(v) for v in obj)
    if isinstance(obj, dict):
        return type(obj)((plain(k), plain(v)) for k, v in obj.items())
    return obj  # asdict returns copy.deepcopy(obj): equal, and JSON writes it alike


# reports/week_index.py
def series_sum(values: np.ndarray) -> float:
    """The sum pandas' ``Series.sum`` gives for float values (NaN counted as 0)."""
    if values.size == 0:
        return 0.0
    nan = np.isnan(values)
    if nan.any():
        values = np.where(nan, 0.0, values)
    return float(values.sum())


class FillIndex:
    """The run's fills and their paired costs, as columns in fill order."""

    def __init__(self, fills: Sequence[Fill], paired: Sequence[FillCost]) -> None:
        self.ts = stamps_ns(f.ts for f in fills)
        self.cost = np.asarray([f.cost for f in fills], dtype=float)
        self.slip = np.asarray([c.realized.slippage for c in paired], dtype=float)
        self.notional = np.asarray([f.notional for f in fills], dtype=float)
        self.estimated = np.asarray([c.estimated.total for c in paired], dtype=float)
        self.realized = np.asarray([c.realized.total for c in paired], dtype=float)

    def between(self, t0: int, t1: int) -> np.ndarray:
        """Mask of the fills stamped in ``[t0, t1]``."""
        mask: np.ndarray = (self.ts >= t0) & (self.ts <= t1)
        return mask


# reports/weekly.py
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
    local = pd.DatetimeIndex(frame.index).tz_convert(EXCHANGE_TZ).tz_localize(None)
    weeks = WeekBounds.of(local.to_period("W-SUN"))
    weights = rec.weights_frame().to_numpy()
    path = np.concatenate([[run.initial_capital], frame["equity"].to_numpy()])
    worst = np.minimum.accumulate(drawdown(path))  # the max drawdown to date, at every bar
    bar_ns = pd.DatetimeIndex(frame.index).as_unit("ns").asi8
    cash = frame["cash"].to_numpy()
    regime = frame["regime"]
    changed = np.asarray((regime != regime.shift(1)).fillna(False), dtype=np.int64).cumsum()
    days = daily_returns(rec, run.initial_capital)
    day_values = days.to_numpy()
    day_ns = pd.DatetimeIndex(days.index).as_unit("ns").asi8
    rolling = rolling_sharpe(days, sharpe_window).to_numpy()
    fills = FillIndex(rec.fills, fill_costs(rec.decisions, rec.fills))
    decisions = DecisionIndex(rec.decisions)
    events = EventIndex(rec.events)
    trades = ClosedTrades(run.book.closed_trades)
    bench = _benchmark_path(run, pd.DatetimeIndex(frame.index))
    bench_name = str(run.benchmark.name) if run.benchmark is not None and run.benchmark.name else ""
    out: list[WeekFigures] = []
    count = len(weeks.periods)
    for k, (period, first, last) in enumerate(
        zip(weeks.periods, weeks.first, weeks.last, strict=True), start=1
    ):
        t0, t1 = frame.index[first], frame.index[last]
        n0, n1 = int(bar_ns[first]), int(bar_ns[last])
        eq_end = float(path[last + 1])
        eq_prev = float(path[first])
        in_week = fills.between(n0, n1)
        changes = int(changed[last] - (changed[first - 1] if first else 0))
        if first == 0:
            changes = max(changes - 1, 0)
        w = weights[last]
        held = w[w > 1e-9]
        closed = trades.closed_by(n1)
        target = decisions.targets_at(n1)
        # the trigger's measure, cash leg included (changed on purpose since: runbook audit)
        drift = drift_from_arrays(w, np.asarray(target)).portfolio if len(target) else 0.0
        notional = series_sum(fills.notional[in_week])
        cost = series_sum(fills.cost[in_week])
        to_date = day_values[day_ns <= local[last].normalize().value]
        window_start = pd.Timestamp(period.start_time).tz_localize(NEW_YORK).tz_convert("UTC")
        window_end = window_start + pd.Timedelta(days=7)
        uptime = uptime_of(window_start, window_end) if uptime_of is not None else run.uptime
        sharpe_now = rolling[len(to_date) - 1] if len(to_date) else np.nan
        out.append(
            WeekFigures(
                week=k,
                start=t0.tz_convert(EXCHANGE_TZ).date().isoformat(),
                end=t1.tz_convert(EXCHANGE_TZ).date().isoformat(),
                cumulative_return=eq_end / run.initial_capital - 1.0,
                weekly_return=eq_end / eq_prev - 1.0,
                sharpe=sharpe_ratio(to_date) if len(to_date) >= MIN_SHARPE_SESSIONS else None,
                max_drawdown=float(worst[last + 1]),
                win_rate=trades.win_rate(closed),
                regime=str(regime.iloc[last]),
                regime_changes=changes,
                method=_methods(decisions, n0, n1),
                positions=len(held),
                avg_position=float(held.mean()) if len(held) else 0.0,
                cash=float(cash[last] / eq_end) if eq_end else 0.0,
                drift=drift,
                trades=int(in_week.sum()),
                rebalances=decisions.rebalances(n0, n1),
                costs_usd=cost,
                costs_pct=cost / eq_end if in_week.any() else 0.0,
                avg_slippage=series_sum(fills.slip[in_week]) / notional if notional else 0.0,
                estimated_costs_usd=series_sum(fills.estimated[in_week]),
                realized_costs_usd=series_sum(fills.realized[in_week]),
                uptime=uptime,
                warnings=events.warnings(n0, n1),
                rolling_sharpe=None if np.isnan(sharpe_now) else float(sharpe_now),
                closed=finished or k < count,
                closed_trades=closed,
                week_start=window_start,
                week_end=window_end,
                benchmark_return=_at(bench, last),
                benchmark_name=bench_name or "benchmark",
            )
        )
    return out


def _benchmark_path(run: RunSummary, index: pd.DatetimeIndex) -> np.ndarray | None:
    """The benchmark's return since the first bar, at every bar (None without data)."""
    if run.benchmark is None or run.benchmark.dropna().empty:
        return None
    closes = run.benchmark.dropna().sort_index().reindex(index, method="ffill").to_numpy()
    if not np.isfinite(closes[0]) or closes[0] <= 0:
        return None
    out: np.ndarray = closes / closes[0] - 1.0
    return out


def _at(path: np.ndarray | None, i: int) -> float | None:
    if path is None or not np.isfinite(path[i]):
        return None
    return float(path[i])


def _methods(decisions: DecisionIndex, t0: int, t1: int) -> str:
    """:func:`week_methods` on indexed decisions (times in nanoseconds UTC)."""
    used = decisions.methods_used(t0, t1)
    if used:
        return ", ".join(method_name(m) for m in used)
    held = decisions.held_before(t0)
    if held is None:
        return "none yet"
    since = pd.Timestamp(held.ts).tz_convert(NEW_YORK).date().isoformat()
    return f"none this week (holding {method_name(held.method)} targets of {since})"


# reports/tearsheet.py
def tearsheet_data(run: RunSummary) -> dict[str, pd.Series | pd.DataFrame]:
    """The series the tearsheet plots (tested directly, so the charts show checked numbers)."""
    rec = run.recorder
    equity = rec.equity_curve()
    growth = equity / run.initial_capital
    data: dict[str, pd.Series | pd.DataFrame] = {"growth": growth}
    if run.benchmark is not None:
        bench = run.benchmark.reindex(equity.index, method="ffill")
        data["benchmark_growth"] = bench / bench.dropna().iloc[0]
    path = np.concatenate([[run.initial_capital], equity.to_numpy()])
    data["drawdown"] = pd.Series(
        path[1:] / np.maximum.accumulate(path)[1:] - 1.0, index=equity.index
    )
    r = pd.Series(path[1:] / path[:-1] - 1.0, index=equity.index)
    roll = r.rolling(ROLLING_DAYS)
    data["rolling_sharpe"] = (roll.mean() / roll.std() * np.sqrt(252)).replace(
        [np.inf, -np.inf], np.nan
    )
    data["weights"] = rec.weights_frame()
    costs = pd.Series(
        [f.cost for f in rec.fills], index=pd.DatetimeIndex([f.ts for f in rec.fills])
    )
    data["cumulative_costs"] = (
        costs.groupby(level=0).sum().cumsum().reindex(equity.index, method="ffill").fillna(0.0)
    )
    data["regime"] = pd.Series(rec.regime, index=equity.index)
    return data


def _regime_spans(regime: pd.Series) -> list[tuple[pd.Timestamp, pd.Timestamp, str]]:
    if regime.empty:
        return []
    change = regime.ne(regime.shift()).to_numpy()
    starts = np.flatnonzero(change)
    ends = [*starts[1:], len(regime)]
    idx = pd.DatetimeIndex(regime.index)
    last = len(idx) - 1
    return [
        (idx[int(s)], idx[min(int(e), last)], str(regime.iloc[int(s)]))
        for s, e in zip(starts, ends, strict=True)
    ]


def regime_shapes(spans: list[tuple[pd.Timestamp, pd.Timestamp, str]]) -> list[dict[str, Any]]:
    """The regime shading of the first panel: one rectangle per span, spanning the panel's
    height, as plotly's ``add_vrect(row=1, col=1)`` would add them, given to the layout at once.

    ``add_vrect`` validates and deep-copies the whole layout on every call (seconds for the
    ~150 spans of an 18-year run); the same shapes passed as one list cost milliseconds.
    """
    return [
        {
            "type": "rect",
            "xref": "x",
            "yref": "y domain",
            "x0": start,
            "x1": end,
            "y0": 0,
            "y1": 1,
            "fillcolor": REGIME_COLORS.get(label, "rgba(0,0,0,0.05)"),
            "line": {"width": 0},
        }
        for start, end, label in spans
    ]


def _regime_key(label: str) -> go.Scatter:
    """A legend entry (no data) naming the colour a regime is shaded in."""
    colour = REGIME_COLORS[label].rsplit(",", 1)[0].replace("rgba", "rgb") + ")"
    return go.Scatter(
        x=[None],
        y=[None],
        mode="markers",
        marker={"symbol": "square", "size": 12, "color": colour, "opacity": 0.5},
        name=f"{label} regime",
        legendgroup="regimes",
    )


class _Times:
    """The x values of the tearsheet's traces: each time as the ISO text plotly writes for it.

    Plotly copies a trace's data when it is added and again when the figure is written, and
    a column of ``Timestamp`` objects is copied and encoded object by object (a second for the
    ~20 traces of an 18-year run); the same times as one array of strings, formatted once for
    every trace on the run's bars, cost milliseconds and write the same JSON.
    """

    def __init__(self, bars: pd.DatetimeIndex) -> None:
        self._bars = bars
        self._text = _iso(bars)

    def __call__(self, data: pd.Series | pd.DataFrame) -> np.ndarray:
        """The x values of ``data`` (its index)."""
        index = pd.DatetimeIndex(data.index)
        return self._text if index.equals(self._bars) else _iso(index)


def _iso(index: pd.DatetimeIndex) -> np.ndarray:
    return np.asarray([t.isoformat() for t in index], dtype=str)


def build_figure(run: RunSummary) -> go.Figure:
    """The tearsheet's figure (five stacked panels)."""
    d = tearsheet_data(run)
    fig = make_subplots(
        rows=5,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.04,
        row_heights=[0.32, 0.14, 0.14, 0.26, 0.14],
        subplot_titles=(
            "Growth of $1 (regimes shaded)",
            "Drawdown",
            f"Rolling Sharpe ({ROLLING_DAYS} days)",
            "Weights",
            "Cumulative transaction costs ($)",
        ),
    )
    growth = d["growth"]
    x = _Times(pd.DatetimeIndex(growth.index))
    fig.add_trace(go.Scatter(x=x(growth), y=growth, name=run.name, line={"width": 2}), 1, 1)
    if "benchmark_growth" in d:
        b = d["benchmark_growth"]
        fig.add_trace(go.Scatter(x=x(b), y=b, name="Benchmark", line={"dash": "dot"}), 1, 1)
    spans = _regime_spans(d["regime"])  # type: ignore[arg-type]
    shown = {label for _, _, label in spans}
    for label in (known for known in REGIME_COLORS if known in shown):
        fig.add_trace(_regime_key(label), 1, 1)
    dd = d["drawdown"]
    fig.add_trace(go.Scatter(x=x(dd), y=dd, fill="tozeroy", name="Drawdown"), 2, 1)
    rs = d["rolling_sharpe"]
    fig.add_trace(go.Scatter(x=x(rs), y=rs, name="Rolling Sharpe"), 3, 1)
    weights = pd.DataFrame(d["weights"])
    for col in weights.columns:
        fig.add_trace(
            go.Scatter(x=x(weights), y=weights[col], name=col, stackgroup="w", mode="none"), 4, 1
        )
    costs = d["cumulative_costs"]
    fig.add_trace(go.Scatter(x=x(costs), y=costs, name="Costs"), 5, 1)
    fig.update_layout(
        height=1400,
        template="plotly_white",
        legend={"tracegroupgap": 12},
        shapes=regime_shapes(spans),
    )
    fig.update_yaxes(tickformat=".0%", row=2, col=1)
    fig.update_yaxes(tickformat=".0%", row=4, col=1)
    return fig


def write_tearsheet(run: RunSummary, path: str | Path, note: str = "") -> Path:
    """Write the tearsheet HTML (plotly embedded) with a metrics table on top."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    p = run.performance
    rows = [
        ("Period", f"{p.start} to {p.end}"),
        ("Final equity", f"${p.final_equity:,.0f}"),
        ("Total return", f"{p.total_return:.1%}"),
        ("CAGR", f"{p.cagr:.2%}"),
        ("Sharpe", f"{p.sharpe:.2f}"),
        ("Sortino", f"{p.sortino:.2f}"),
        ("Max drawdown", f"{p.max_drawdown:.1%} ({p.max_drawdown_days} days)"),
        ("Win rate / profit factor", f"{p.win_rate:.0%} / {p.profit_factor:.2f}"),
        ("Turnover", f"{p.turnover:.2f}"),
        ("Costs", f"${p.costs_usd:,.0f} ({p.costs_pct_per_year:.3%} / year)"),
        ("Costs: estimate vs realized", describe_comparison(run.costs)),
        ("Rebalances", str(p.rebalances)),
    ]
    if run.relative is not None:
        r = run.relative
        rows += [
            ("Benchmark CAGR / Sharpe", f"{r.benchmark_cagr:.2%} / {r.benchmark_sharpe:.2f}"),
            ("Excess return / beta", f"{r.excess_return:+.2%} / {r.beta:.2f}"),
            ("Tracking error / IR", f"{r.tracking_error:.2%} / {r.information_ratio:.2f}"),
        ]
    table = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)
    figure = build_figure(run).to_html(full_html=False, include_plotlyjs=True)
    out.write_text(
        f"""<!doctype html><html><head><meta charset="utf-8">
<title>tradewind tearsheet: {html.escape(run.name)}</title>
<style>body{{font-family:sans-serif;margin:24px}}table{{border-collapse:collapse}}
th{{text-align:left;padding:2px 16px 2px 0}}td{{padding:2px 0}}.note{{color:#666}}</style>
</head><body><h1>tradewind: {html.escape(run.name)}</h1>
<p class="note">{html.escape(note)}</p><table>{table}</table>{figure}</body></html>""",
        encoding="utf-8",
    )
    return out


# reports/tracking.py
def write_tracking_csv(
    run: RunSummary,
    path: str | Path,
    uptime_of: Callable[[pd.Timestamp, pd.Timestamp], float | None] | None = None,
) -> Path:
    """Write the tracking CSV to ``path`` and return it."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tracking_frame(run, uptime_of).to_csv(out, index=False, float_format="%.6f")
    return out


# reports/folder.py
def write_weekly_files(
    summary: RunSummary, folder: str | Path, options: WeeklyOptions | None = None
) -> dict[str, Path]:
    """Write the tracking CSV, the weekly reports, the roll-up and the lessons file into
    ``folder`` (see the module docstring); return them by kind (``weekly`` is the folder)."""
    options = options or WeeklyOptions()
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    weeks = week_figures(
        summary,
        uptime_of=options.uptime_of,
        sharpe_window=options.sharpe_window,
        finished=options.finished,
    )
    paths = {"tracking": write_tracking_csv(summary, out / "tracking.csv", options.uptime_of)}
    weekly = out / "weekly"
    weekly.mkdir(exist_ok=True)
    lessons = lessons_by_week(out)
    for f in weeks:
        text = render_week(
            f,
            uptime_scope=options.uptime_scope,
            lessons=lessons.get(f.week, []),
            drift_threshold=options.drift_threshold,  # the run's threshold (runbook audit)
        )
        write_if_changed(weekly / f"week-{f.week:04d}.md", text)
    paths["weekly"] = weekly
    paths["rollup"] = out / "rollup.md"
    paths["rollup"].write_text(
        render_rollup(weeks, f"Weekly Tracking: {options.title}"), encoding="utf-8"
    )
    paths["lessons"] = ensure_lessons(out, weeks, options.title)
    return paths


def write_if_changed(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` unless the file already holds exactly it.

    A run folder written again (``runs/<name>`` of a rerun) keeps most of its hundreds of
    weekly files unchanged; rewriting a file costs far more than reading it on a busy disk.
    """
    try:
        if path.read_text(encoding="utf-8") == text:
            return
    except (FileNotFoundError, UnicodeDecodeError):
        pass
    path.write_text(text, encoding="utf-8")


# backtest/outputs.py
def fold_table(run: BacktestRun, freq: str = "YE") -> pd.DataFrame:
    """Out-of-sample metrics per period (calendar years by default) of a walk-forward run."""
    equity = run.summary.recorder.equity_curve()
    local = equity.copy()
    local.index = pd.DatetimeIndex(equity.index).tz_convert(EXCHANGE_TZ)
    rows = []
    prev = run.summary.initial_capital
    for period, chunk in local.groupby(pd.Grouper(freq=freq)):
        if chunk.empty:
            continue
        path = pd.concat([pd.Series([prev]), chunk.reset_index(drop=True)]).to_numpy(dtype=float)
        r = path[1:] / path[:-1] - 1.0
        sd = r.std(ddof=1) if len(r) > 1 else 0.0
        dd = (path / pd.Series(path).cummax().to_numpy() - 1.0).min()
        rows.append(
            {
                "period": pd.Timestamp(str(period)).strftime("%Y" if freq == "YE" else "%Y-%m"),
                "return": float(path[-1] / path[0] - 1.0),
                "sharpe": float(r.mean() / sd * 252**0.5) if sd > 0 else 0.0,
                "max_drawdown": float(dd),
            }
        )
        prev = float(chunk.iloc[-1])
    return pd.DataFrame(rows)


def write_run_folder(run: BacktestRun, folder: str | Path, note: str = "") -> dict[str, Path]:
    """Write every report of ``run`` into ``folder``; return what was written, by kind."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    summary = run.summary
    paths: dict[str, Path] = {}
    payload = {
        "name": summary.name,
        "config_fingerprint": run.fingerprint,
        "decision_fingerprint": summary.recorder.fingerprint(),
        "performance": summary.performance.as_dict(),
        "relative": summary.relative.as_dict() if summary.relative else None,
        "costs": cost_payload(summary.costs),
        "folds": fold_table(run).to_dict(orient="records"),
        "note": note,
    }
    paths["summary"] = out / "summary.json"
    paths["summary"].write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
    title = f"{summary.name} {summary.performance.start} to {summary.performance.end}"
    threshold = run.config.portfolio_optimization.rebalancing.drift_threshold
    options = WeeklyOptions(title=title, finished=True, drift_threshold=threshold)
    paths.update(write_weekly_files(summary, out, options))
    paths["tearsheet"] = write_tearsheet(summary, out / "tearsheet.html", note)
    paths["decisions"] = out / "decisions.jsonl"
    with paths["decisions"].open("w", encoding="utf-8") as fh:
        for d in summary.recorder.decisions:
            fh.write(json.dumps(plain(d), default=str) + "\n")
    paths["events"] = out / "events.jsonl"
    with paths["events"].open("w", encoding="utf-8") as fh:
        for e in summary.recorder.events:
            fh.write(json.dumps(plain(e), default=str) + "\n")
    return paths
