"""The ensemble's evidence: walk-forward backtests with and without ``--ensemble``.

``make ml-report`` runs :func:`compare` on the bundled real data (``config/demo.yaml``, 2000 to
2022): the runbook's regime-aware strategy and plain max Sharpe, each without and with the
ensemble, whose models are retrained every ``ml.retrain_every_days`` sessions on the data
known then (out of sample by construction, net of the simulator's costs). It prints the
tables and rewrites the README's block between ``<!-- ml-report:start -->`` and
``<!-- ml-report:end -->`` with them, so the figures the README quotes come from this run.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from tradewind.backtest.runner import BacktestRun, run_backtest
from tradewind.config import TradewindConfig
from tradewind.domain.market import MarketData
from tradewind.engine.ml_views import MLData, ml_data, walk_forward_schedule
from tradewind.reports.ml import ml_summary
from tradewind.signals.metrics import daily_ic
from tradewind.signals.views import SignalViews

START, END = "2000-01-03", "2022-12-28"
MARK_START, MARK_END = "<!-- ml-report:start -->", "<!-- ml-report:end -->"


@dataclass(frozen=True)
class Row:
    """One backtest's headline figures."""

    strategy: str
    ensemble: bool
    cagr: float
    sharpe: float
    max_drawdown: float
    turnover_per_year: float
    costs_pct_per_year: float
    views_used: str


def _row(name: str, run: BacktestRun, ensemble: bool) -> Row:
    p = run.summary.performance
    years = max((run.end - run.start).days / 365.25, 1e-9)
    summary = ml_summary(run.summary.recorder.events)
    used = (
        f"{summary.used} of {summary.readings} (fallback {summary.fallbacks})" if summary else "-"
    )
    return Row(
        name,
        ensemble,
        p.cagr,
        p.sharpe,
        p.max_drawdown,
        p.turnover / years,
        p.costs_pct_per_year,
        used,
    )


def ic_by_year(cfg: TradewindConfig, data: MLData, start: str, end: str) -> pd.DataFrame:
    """The walk-forward ensemble's out-of-sample IC per year (and its members' average).

    At every sample date between ``start`` and ``end`` the ensemble in force then predicts;
    its views are scored against the realized excess returns (:mod:`tradewind.signals.metrics`).
    """
    schedule = walk_forward_schedule(cfg, data)
    views = SignalViews(data.panel, data.labels, schedule, cfg.ml)
    index = data.panel.index
    lo, hi = (
        index.searchsorted(pd.Timestamp(start, tz="UTC")),
        index.searchsorted(pd.Timestamp(end, tz="UTC")),
    )
    rows = [r for r in range(int(lo), int(hi)) if r % cfg.ml.sample_every == 0]
    preds, labels, dates = [], [], []
    for r in rows:
        excess = views.ensemble_excess(r)
        if excess is None:
            continue
        preds.append(excess)
        labels.append(data.labels.values[r])
        dates.append(np.full(len(excess), r))
    p, y, d = np.concatenate(preds), np.concatenate(labels), np.concatenate(dates)
    ok = np.isfinite(p) & np.isfinite(y)
    got_dates, ics = daily_ic(p[ok], y[ok], d[ok])
    years = pd.DatetimeIndex(index[got_dates]).tz_convert("America/New_York").year
    frame = pd.DataFrame({"year": years, "ic": ics})
    out = frame.groupby("year")["ic"].agg(["mean", "count"])
    first, last = pd.Timestamp(start).year, pd.Timestamp(end).year
    out = out.reindex(range(first, last + 1))  # a year without a view: n/a (no skill)
    out.loc["all"] = [float(ics.mean()), len(ics)]
    return out


def yearly_t(ic: pd.DataFrame) -> tuple[float, float, int]:
    """Mean of the yearly ICs, its t-statistic (years as independent draws), and the years
    with an IC: weekly ICs overlap (21-session labels), so their own count overstates it."""
    years = ic.drop(index="all")["mean"].dropna()
    n = len(years)
    if n < 2 or float(years.std()) == 0.0:
        return float(years.mean()) if n else float("nan"), float("nan"), n
    return float(years.mean()), float(years.mean() / (years.std() / np.sqrt(n))), n


def compare(
    cfg: TradewindConfig, provider: MarketData, progress: Callable[[str], None] = print
) -> tuple[list[Row], pd.DataFrame]:
    """The four backtests (regime-aware and max Sharpe, without and with the ensemble) and the
    ensemble's IC per year."""
    plain_ms = cfg.model_copy(
        update={
            "portfolio_optimization": cfg.portfolio_optimization.model_copy(
                update={"regime_aware": False}
            )
        }
    )
    rows: list[Row] = []
    for name, base in (("regime-aware (demo)", cfg), ("max Sharpe only", plain_ms)):
        for ensemble in (False, True):
            began = time.monotonic()
            run_cfg = base.model_copy(
                update={"ml": base.ml.model_copy(update={"enabled": ensemble})}
            )
            progress(f"backtest {name}, ensemble {'on' if ensemble else 'off'} ...")
            run = run_backtest(run_cfg, provider, START, END)
            rows.append(_row(name, run, ensemble))
            progress(f"  done in {time.monotonic() - began:.0f} s")
    data = ml_data(cfg, provider, None)
    return rows, ic_by_year(cfg, data, START, END)


def markdown(rows: list[Row], ic: pd.DataFrame, cfg: TradewindConfig) -> str:
    """The README block: both tables and the settings they were made with."""
    ml = cfg.ml
    lines = [
        f"`make ml-report` (bundled data, `config/demo.yaml`, {START} to {END}; the ensemble "
        f"{'+'.join(ml.models)} retrained every {ml.retrain_every_days} sessions on the "
        f"previous {ml.train_years:g} years, {ml.validation_years:g} of them held out; "
        f"horizon {ml.horizon_days} sessions, confidence threshold "
        f"{ml.confidence_threshold}; net of the simulator's costs):",
        "",
        "| strategy | ensemble | CAGR | Sharpe | max drawdown | turnover/yr | costs/yr "
        "| views used |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.strategy} | {'on' if r.ensemble else 'off'} | {r.cagr:.2%} | "
            f"{r.sharpe:.2f} | {r.max_drawdown:.1%} | {r.turnover_per_year:.2f} | "
            f"{r.costs_pct_per_year:.2%} | {r.views_used} |"
        )
    lines += ["", "Out-of-sample IC of the ensemble's views (weekly dates, mean per year):", ""]
    years = [str(y) for y in ic.index]
    lines.append("| " + " | ".join(years) + " |")
    lines.append("|" + "---|" * len(years))
    lines.append(
        "| " + " | ".join("n/a" if np.isnan(v) else f"{v:+.3f}" for v in ic["mean"]) + " |"
    )
    mean, t, n = yearly_t(ic)
    positive = int((ic.drop(index="all")["mean"].dropna() > 0).sum())
    lines += [
        "",
        f"Mean of the yearly ICs {mean:+.3f}, t = {t:.1f} over {n} years ({positive} positive); "
        "n/a: no member had a positive validation IC and calibration slope, so the ensemble "
        "had no views that year.",
    ]
    return "\n".join(lines) + "\n"


def write_readme(readme: Path, block: str) -> None:
    """Replace the README's ml-report block with ``block``.

    Raises
    ------
    ValueError
        The README has no ml-report markers.
    """
    text = readme.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(MARK_START) + r".*?" + re.escape(MARK_END), re.S)
    if not pattern.search(text):
        raise ValueError(f"{readme} has no {MARK_START} ... {MARK_END} block")
    replaced = pattern.sub(lambda _: f"{MARK_START}\n{block}{MARK_END}", text)
    readme.write_text(replaced, encoding="utf-8")
