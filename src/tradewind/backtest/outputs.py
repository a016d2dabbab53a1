"""Write a run's report folder: summary JSON, tracking CSV, weekly reports, roll-up, lessons,
tearsheet, decisions."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from tradewind.backtest.runner import BacktestRun
from tradewind.domain.plain import plain
from tradewind.domain.types import EXCHANGE_TZ
from tradewind.reports.costs import cost_payload
from tradewind.reports.folder import WeeklyOptions, write_weekly_files
from tradewind.reports.tearsheet import write_tearsheet


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
        values = chunk.to_numpy(dtype=float)
        path = np.concatenate([[float(prev)], values])
        r = path[1:] / path[:-1] - 1.0
        sd = r.std(ddof=1) if len(r) > 1 else 0.0
        # the running peak as pandas' cummax takes it (past NaN); a NaN value's drawdown is NaN
        dd = (path / np.fmax.accumulate(path) - 1.0).min()
        rows.append(
            {
                "period": pd.Timestamp(str(period)).strftime("%Y" if freq == "YE" else "%Y-%m"),
                "return": float(path[-1] / path[0] - 1.0),
                "sharpe": float(r.mean() / sd * 252**0.5) if sd > 0 else 0.0,
                "max_drawdown": float(dd),
            }
        )
        prev = float(values[-1])
    return pd.DataFrame(rows)


def write_run_folder(run: BacktestRun, folder: str | Path, note: str = "") -> dict[str, Path]:
    """Write every report of ``run`` into ``folder``; return what was written, by kind."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    summary = run.summary
    paths: dict[str, Path] = {}
    decisions = [plain(d) for d in summary.recorder.decisions]  # hashed and written: made once
    payload = {
        "name": summary.name,
        "config_fingerprint": run.fingerprint,
        "decision_fingerprint": summary.recorder.fingerprint(decisions),
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
    paths["decisions"] = _write_lines(out / "decisions.jsonl", decisions)
    paths["events"] = write_json_lines(out / "events.jsonl", summary.recorder.events)
    return paths


def write_json_lines(path: Path, records: Iterable[object]) -> Path:
    """Write one JSON line per record (``json.dumps(plain(record), default=str)``) to
    ``path``; return it."""
    return _write_lines(path, map(plain, records))


def _write_lines(path: Path, rows: Iterable[object]) -> Path:
    """Write one JSON line per plain row (``json.dumps(row, default=str)``); return ``path``."""
    encode = json.JSONEncoder(default=str).encode  # what json.dumps(..., default=str) uses
    with path.open("w", encoding="utf-8") as fh:
        fh.writelines(encode(r) + "\n" for r in rows)
    return path
