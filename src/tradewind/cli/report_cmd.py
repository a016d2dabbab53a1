"""``tradewind report daily|weekly|summary|lesson``: reports of any stored run (``report
divergence``: :mod:`tradewind.cli.divergence_cmd`).

Every report is computed from the database (:mod:`tradewind.service.run_reports`), for a
trading run (paper, live, simulated), a replay, or a backtest (``--mode backtest``: ``tradewind
backtest`` records every run there). The files a trading run writes as its weeks close are the
same reports (``runs/<database>-run-<id>/``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape
from rich.table import Table

from tradewind.cli.common import (
    ConfigOption,
    JsonOption,
    console,
    friendly_errors,
    load,
    print_json,
)
from tradewind.cli.runs_common import (
    ModeOption,
    RunOption,
    config_for_mode,
    open_store,
    run_records,
)
from tradewind.domain.errors import UsageError
from tradewind.domain.fmt import pct

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    import pandas as pd

    from tradewind.service.records import RunRecords

app = typer.Typer(
    help="Reports of any run from its database: daily, weekly, summary, divergence, lessons.",
    no_args_is_help=True,
)


@app.command("daily")
def daily(
    date: str | None = typer.Option(None, "--date", help="One session in detail (YYYY-MM-DD)."),
    days: int = typer.Option(10, "--days", min=1, help="Sessions to list (the latest N)."),
    run: int | None = RunOption,
    mode: str | None = ModeOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """The runbook's tracking columns per session (P&L, return, Sharpe, drawdown, regime,
    rebalances, costs, win rate, uptime), or one session's trades, decisions and events.

    Example: ``tradewind report daily --days 5`` or ``tradewind report daily --date 2026-03-04``
    """
    from tradewind.cli.dates import read_day
    from tradewind.service.run_reports import (
        daily_frame,
        day_detail,
    )

    cfg = load(config)
    with friendly_errors():
        cfg = config_for_mode(cfg, mode)
        day = read_day(date, "--date").date() if date else None
        with open_store(cfg) as store:
            records = run_records(cfg, store, run)
        if day is not None:
            try:
                payload: Any = day_detail(records, day)
            except ValueError as exc:
                raise UsageError(str(exc)) from None
        else:
            frame = daily_frame(records).tail(days)
            payload = {"run": run_head(records), "days": _records(frame)}
    if as_json:
        print_json(payload)
        return
    console.print(f"[bold]{escape(records.label)}[/]", highlight=False)
    if day is not None:
        _print_day(payload)
    else:
        _print_days(payload["days"])


@app.command("weekly")
def weekly(
    week: int | None = typer.Option(None, "--week", min=1, help="One week's full report."),
    write: bool = typer.Option(
        False,
        "--write",
        help="Also (re)write the run's folder: tracking CSV, weekly reports, roll-up, lessons.",
    ),
    run: int | None = RunOption,
    mode: str | None = ModeOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """The weekly roll-up (the runbook's "Example Weekly Tracking"), or week K's report.

    Example: ``tradewind report weekly`` or ``tradewind report weekly --week 2``
    """
    from tradewind.reports.lessons import lessons_for_week
    from tradewind.reports.weekly import models_by_week, render_week
    from tradewind.service.run_reports import (
        options_for,
        run_folder,
        week_payload,
        weeks,
        write_folder,
    )

    cfg = load(config)
    with friendly_errors():
        cfg = config_for_mode(cfg, mode)
        with open_store(cfg) as store:
            records = run_records(cfg, store, run)
            folder = run_folder(cfg, records.run)
        figures = weeks(records)
        if week is not None and not 1 <= week <= len(figures):
            raise UsageError(f"--week {week}: {records.label} has weeks 1 to {len(figures)}")
        written = write_folder(records, folder) if write else None
    if as_json:
        chosen = [figures[week - 1]] if week is not None else figures
        print_json({"run": run_head(records), "weeks": [week_payload(f) for f in chosen],
                    "folder": str(folder), "written": written is not None})  # fmt: skip
        return
    if week is not None:
        f = figures[week - 1]
        options = options_for(records)
        model = models_by_week(records.recorder.events, [f])[f.week]
        text = render_week(
            f,
            model,
            uptime_scope=options.uptime_scope,
            lessons=lessons_for_week(folder, f.week),
            drift_threshold=options.drift_threshold,
        )
        console.print(text, markup=False, highlight=False, soft_wrap=True)
    else:
        console.print(f"[bold]{escape(records.label)}[/]", highlight=False)
        console.print(records.benchmark_note, style="dim", highlight=False)
        _print_rollup(figures)
    if written is not None:
        console.print(f"Written to {folder}", highlight=False)


@app.command("summary")
def summary(
    out: Path | None = typer.Option(
        None, "--out", help="Also write the report folder here (summary.json, weekly files)."
    ),
    run: int | None = RunOption,
    mode: str | None = ModeOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """The run against its benchmark (the S&P 500): return, Sharpe (and its rolling 2-week
    value), drawdown, win rate, costs estimated and realized, uptime, and the weekly roll-up.

    Example: ``tradewind report summary --mode paper`` or ``tradewind report summary --mode
    backtest --run 3 --out runs/bt3``
    """
    from tradewind.service.run_reports import (
        summary_payload,
        write_folder,
    )

    cfg = load(config)
    with friendly_errors():
        cfg = config_for_mode(cfg, mode)
        with open_store(cfg) as store:
            records = run_records(cfg, store, run)
        payload = summary_payload(records)
        written = write_folder(records, out) if out is not None else None
    if as_json:
        print_json({**payload, "written": {k: str(v) for k, v in (written or {}).items()}})
        return
    _print_summary(records, payload)
    if written is not None:
        console.print(f"Reports written to [bold]{escape(str(out))}[/]")


@app.command("lesson")
def lesson(
    text: str = typer.Argument(..., help="The lesson, in your words."),
    week: int | None = typer.Option(None, "--week", min=1, help="Week (default: the latest)."),
    run: int | None = RunOption,
    mode: str | None = ModeOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Add a lesson learned to the run's ``lessons.md`` (the runbook's "Lessons Learned";
    nothing written there is ever rewritten).

    Example: ``tradewind report lesson "CPI day: stop exits clustered at the open" --week 2``
    """
    from tradewind.reports.lessons import add_lesson
    from tradewind.service.run_reports import (
        run_folder,
        weeks,
    )

    cfg = load(config)
    with friendly_errors():
        cfg = config_for_mode(cfg, mode)
        with open_store(cfg) as store:
            records = run_records(cfg, store, run)
            folder = run_folder(cfg, records.run)
        figures = weeks(records) if records.recorder.ts else []
        chosen = week or (figures[-1].week if figures else 1)
        try:
            path = add_lesson(folder, chosen, text)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    if as_json:
        print_json({"file": str(path), "week": chosen, "lesson": " ".join(text.split())})
        return
    console.print(f"Added to week {chosen} in {path}", highlight=False)


# --- output ------------------------------------------------------------------------------
def run_head(records: RunRecords) -> dict[str, Any]:
    """The run's id, name, mode, clock and status (the head of every JSON report)."""
    run = records.run
    return {"id": run.id, "name": run.name, "mode": run.mode, "clock": records.clock,
            "status": run.status}  # fmt: skip


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {str(k): (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
        for row in frame.to_dict(orient="records")
    ]


def _fmt(value: Any, kind: str) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "n/a"
    if kind == "usd":
        return f"{value:+,.2f}"
    if kind == "pct":
        return f"{value:+.2%}"
    if kind == "ratio":
        return f"{value:.2f}"
    if kind == "share":
        return f"{value:.0%}"
    return str(value)


_DAY_COLUMNS = (
    ("Date", ""), ("P&L", "usd"), ("Cumulative Return", "pct"), ("Sharpe Ratio", "ratio"),
    ("Sharpe 2w", "ratio"), ("Max Drawdown", "pct"), ("Regime", ""),
    ("Rebalancing Events", ""), ("Trades", ""), ("Transaction Costs", "usd"),
    ("Win Rate", "share"), ("System Uptime", "share"),
)  # fmt: skip


def _print_days(rows: list[dict[str, Any]]) -> None:
    console.print("[bold]Daily tracking[/] (the runbook's spreadsheet)")
    header = [name for name, _ in _DAY_COLUMNS]
    body = [[_fmt(r.get(name), kind) for name, kind in _DAY_COLUMNS] for r in rows]
    print_plain(header, body)


def print_plain(header: list[str], rows: list[list[str]]) -> None:
    """An aligned plain-text table that never truncates a value (wide rows run past the
    terminal's edge instead of being cut with an ellipsis, and paste as they are)."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.rjust(w) for v, w in zip(r, widths, strict=True)) for r in rows]
    for line in lines:
        console.print(line, soft_wrap=True, markup=False, highlight=False)


def _print_day(p: dict[str, Any]) -> None:
    row = p["row"]
    console.print(
        f"{p['day']}: P&L {_fmt(row['P&L'], 'usd')}, cumulative "
        f"{_fmt(row['Cumulative Return'], 'pct')}, "
        f"regime {row['Regime']}, costs {_fmt(row['Transaction Costs'], 'usd')}, "
        f"drawdown {_fmt(row['Max Drawdown'], 'pct')}",
        highlight=False,
    )
    if p["fills"]:
        table = Table(title="Trades executed")
        for col in ("time (UTC)", "order", "price", "costs", "estimated"):
            table.add_column(col, justify="right")
        for f in p["fills"]:
            table.add_row(
                f"{f['ts']:%H:%M}", f"{f['side']} {f['quantity']:g} {f['symbol']}",
                f"{f['price']:.2f}", f"{f['costs']:.2f}", f"{f['estimated_costs']:.2f}",
            )  # fmt: skip
        console.print(table)
    else:
        console.print("No trades that day.")
    for d in p["decisions"]:
        console.print(
            f"decision {d['ts']:%H:%M}: {', '.join(d['reasons']) or '-'} ({d['regime']}, "
            f"{d['method'] or '-'}), {d['orders']} order(s)"
            + ("; " + "; ".join(d["notes"]) if d["notes"] else ""),
            highlight=False,
        )
    for e in p["events"]:
        console.print(f"{e['severity']:<8} {e['kind']}: {e['message']}", highlight=False)


def _print_rollup(figures: list[Any], last: int | None = None) -> None:
    from tradewind.reports.rollup import COLUMNS, rollup_rows

    shown = figures[-last:] if last else figures
    more = len(figures) - len(shown)
    console.print(
        "[bold]Weekly tracking[/]"
        + (f" (last {len(shown)} of {len(figures)} weeks; all: tradewind report weekly)"
           if more else "")
    )  # fmt: skip
    header = list(COLUMNS)
    name = next((f.benchmark_name for f in figures if f.benchmark_return is not None), None)
    header[-1] = name or header[-1]
    print_plain(header, [list(r) for r in rollup_rows(shown)])


def _print_summary(records: RunRecords, p: dict[str, Any]) -> None:
    from tradewind.reports.costs import describe_comparison
    from tradewind.reports.run import describe_triggers
    from tradewind.service.run_reports import (
        weeks,
    )

    s = records.summary()
    perf, rel = s.performance, s.relative
    console.print(f"[bold]{escape(records.label)}[/]", highlight=False)
    console.print(records.benchmark_note, style="dim", highlight=False)
    table = Table(title=f"{perf.start} to {perf.end} ({p['run']['sessions']} sessions)")
    table.add_column("metric")
    table.add_column("run", justify="right")
    table.add_column(records.benchmark_note.split(" ")[0] if rel else "benchmark", justify="right")
    roll = p["rolling_sharpe"]
    win = (
        f"{pct(perf.win_rate)} of {perf.closed_trades}"
        if perf.closed_trades
        else "n/a (none closed)"
    )
    rows = [
        ("Final equity", f"${perf.final_equity:,.2f}", ""),
        ("Cumulative return", f"{perf.total_return:+.2%}",
         f"{rel.benchmark_total_return:+.2%}" if rel else "n/a"),
        ("Sharpe (whole period)", f"{perf.sharpe:.2f}",
         f"{rel.benchmark_sharpe:.2f}" if rel else ""),
        (f"Sharpe, rolling {roll['window_sessions']} sessions: latest / lowest",
         f"{_fmt(roll['latest'], 'ratio')} / {_fmt(roll['min'], 'ratio')}", ""),
        ("Max drawdown", f"{perf.max_drawdown:.2%}",
         f"{rel.benchmark_max_drawdown:.2%}" if rel else ""),
        ("Win rate (round trips)", win, ""),
        ("Rebalances (by trigger)", describe_triggers(perf.rebalances, p["rebalance_triggers"]),
         ""),
        ("Costs", f"${perf.costs_usd:,.2f} ({perf.costs_pct_per_month:.3%} a month)", ""),
        ("Costs: estimate vs realized", describe_comparison(s.costs), ""),
        ("Uptime", "n/a (backtest)" if p["uptime"] is None else f"{p['uptime']:.1%}", ""),
    ]  # fmt: skip
    for row in rows:
        table.add_row(*row)
    console.print(table)
    _print_rollup(weeks(records), last=8)
