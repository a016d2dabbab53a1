"""Reports of any stored run (trade, replay, backtest), as tables and payloads.

Pure functions of a :class:`~tradewind.service.records.RunRecords`: the command line prints
them, writes them as files, and the dashboard draws them, so each figure has one source. The
run's report folder is where a trading run writes its weekly files as weeks close
(:func:`run_folder`).
"""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tradewind.config import TradewindConfig
from tradewind.reports.costs import cost_payload, fill_costs
from tradewind.reports.folder import WeeklyOptions, weeks_of, write_weekly_files
from tradewind.reports.rolling import (
    NEW_YORK,
    TWO_WEEKS,
    daily_returns,
    rolling_sharpe,
    session_dates,
)
from tradewind.reports.run import rebalance_triggers
from tradewind.reports.tracking import tracking_frame
from tradewind.reports.weekly import RUNBOOK_DRIFT_THRESHOLD, WeekFigures
from tradewind.service.records import RunRecords, uptime_between
from tradewind.store import RunInfo
from tradewind.store.connect import sqlite_path

__all__ = [
    "daily_frame",
    "day_detail",
    "options_for",
    "run_folder",
    "summary_payload",
    "week_payload",
    "weeks",
    "write_folder",
]


def options_for(records: RunRecords) -> WeeklyOptions:
    """How the run's weeks are measured: per-window uptime on the wall clock only."""
    uptime = records.uptime

    def uptime_of(start: pd.Timestamp, end: pd.Timestamp) -> float | None:
        return uptime_between(uptime, start, end)

    window = records.config.readiness.paper.sharpe_window_sessions if records.config else TWO_WEEKS
    cfg = records.config
    return WeeklyOptions(
        uptime_of=uptime_of if records.clock == "wall" else None,
        sharpe_window=window,
        title=records.label,
        finished=records.run.status == "finished",
        drift_threshold=cfg.portfolio_optimization.rebalancing.drift_threshold
        if cfg
        else RUNBOOK_DRIFT_THRESHOLD,
    )


def weeks(records: RunRecords) -> list[WeekFigures]:
    """Every week of the run, as the weekly reports and the roll-up show it."""
    return weeks_of(records.summary(), options_for(records))


def daily_frame(records: RunRecords) -> pd.DataFrame:
    """The runbook's tracking columns per session, plus the rolling 2-week Sharpe and the
    number of fills of the day."""
    options = options_for(records)
    summary = records.summary()
    frame = tracking_frame(summary, options.uptime_of)
    returns = daily_returns(records.performance, records.run.initial_cash)
    frame["Sharpe 2w"] = rolling_sharpe(returns, options.sharpe_window).to_numpy()
    fills = session_dates(pd.DatetimeIndex([f.ts for f in records.recorder.fills]))
    counts = pd.Series(1, index=fills).groupby(level=0).sum() if len(fills) else pd.Series()
    frame["Trades"] = (
        counts.reindex(pd.DatetimeIndex(frame["Date"]), fill_value=0).to_numpy().astype(int)
    )
    return frame


def day_detail(records: RunRecords, day: date) -> dict[str, Any]:
    """One session in detail: its tracking row, the fills, the decisions and the events."""
    frame = daily_frame(records)
    row = frame[frame["Date"] == day.isoformat()]
    if row.empty:
        known = f"{frame['Date'].iloc[0]} to {frame['Date'].iloc[-1]}" if len(frame) else "none"
        raise ValueError(f"{records.label} has no cycle on {day}; its sessions: {known}")

    def on_day(ts: datetime) -> bool:
        return bool(pd.Timestamp(ts).tz_convert(NEW_YORK).date() == day)

    costs = fill_costs(records.recorder.decisions, records.recorder.fills)
    fills = [
        {
            "ts": f.ts,
            "client_order_id": f.client_order_id,
            "symbol": f.symbol,
            "side": f.side.value,
            "quantity": f.quantity,
            "price": f.price,
            "costs": f.cost,
            "estimated_costs": c.estimated.total,
        }
        for f, c in zip(records.recorder.fills, costs, strict=True)
        if on_day(f.ts)
    ]
    decisions = [
        {
            "ts": d.ts,
            "regime": d.regime,
            "method": d.method,
            "reasons": list(d.reasons),
            "orders": len(d.orders),
            "notes": list(d.notes),
        }
        for d in records.recorder.decisions
        if on_day(d.ts)
    ]
    events = [
        {"ts": e.ts, "kind": e.kind, "severity": e.severity, "message": e.message}
        for e in records.events
        if on_day(e.ts)
    ]
    values = {k: _plain(v) for k, v in row.iloc[0].to_dict().items()}
    return {"day": day.isoformat(), "row": values, "fills": fills, "decisions": decisions,
            "events": events}  # fmt: skip


def summary_payload(records: RunRecords) -> dict[str, Any]:
    """The run's headline figures: performance, the benchmark comparison, costs estimated
    and realized, uptime, the rolling 2-week Sharpe and the weekly roll-up."""
    summary = records.summary()
    options = options_for(records)
    returns = daily_returns(records.performance, records.run.initial_cash)
    rolling = rolling_sharpe(returns, options.sharpe_window).dropna()
    run = records.run
    return {
        "run": {
            "id": run.id,
            "name": run.name,
            "mode": run.mode,
            "clock": records.clock,
            "status": run.status,
            "started_at": run.started_at,
            "ended_at": run.ended_at,
            "first_cycle": records.start,
            "last_cycle": records.end,
            "sessions": len(returns),
        },
        "performance": summary.performance.as_dict(),
        "rebalance_triggers": rebalance_triggers(records.recorder.decisions),
        "benchmark": {
            "note": records.benchmark_note,
            **(summary.relative.as_dict() if summary.relative else {}),
        },
        "costs": cost_payload(summary.costs),
        "uptime": records.uptime.fraction if records.uptime is not None else None,
        "rolling_sharpe": {
            "window_sessions": options.sharpe_window,
            "latest": float(rolling.iloc[-1]) if len(rolling) else None,
            "min": float(rolling.min()) if len(rolling) else None,
            "share_above_1": float((rolling > 1.0).mean()) if len(rolling) else None,
        },
        "weeks": [week_payload(f) for f in weeks_of(summary, options)],
    }


def write_folder(records: RunRecords, folder: str | Path) -> dict[str, Path]:
    """Write the run's weekly files (tracking CSV, weekly reports, roll-up, lessons) and
    ``summary.json`` into ``folder``."""
    paths = write_weekly_files(records.summary(), folder, options_for(records))
    paths["summary"] = Path(folder) / "summary.json"
    paths["summary"].write_text(
        json.dumps(summary_payload(records), indent=2, default=_json_default), encoding="utf-8"
    )
    return paths


def run_folder(cfg: TradewindConfig, run: RunInfo) -> Path:
    """The report folder of a stored run: ``<reports.folder>/<database>-run-<id>``.

    Named after the database file (``tradewind-paper-run-3``), so runs of two databases of the
    same mode (the demo's and yours) never share a folder or a lessons file.
    """
    from sqlalchemy.engine import make_url

    path = sqlite_path(make_url(cfg.database_url))
    stem = path.stem if path is not None else f"tradewind-{run.mode}"
    return Path(cfg.reports.folder) / f"{stem}-run-{run.id}"


def week_payload(f: WeekFigures) -> dict[str, Any]:
    """One week's figures as plain JSON values."""
    return {field.name: _plain(getattr(f, field.name)) for field in fields(f)}


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not np.isfinite(v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    return v


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    if isinstance(obj, np.generic):
        return obj.item()
    return str(obj)
