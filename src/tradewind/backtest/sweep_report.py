"""The honest reading of a sweep: every trial, and how much of the best one is selection.

From a sweep's folder (:mod:`tradewind.backtest.results`) this builds:

* the full distribution of every metric over the successful trials, not only the best;
* the groups of trials with identical results, counted once, and a warning naming each
  parameter that had no effect (:mod:`tradewind.reports.trial_groups`);
* the deflated Sharpe ratio of the best trial given the number of *effectively different*
  trials (:mod:`tradewind.reports.overfitting`), beside the figure counting every trial;
* the probability of backtest overfitting by CSCV (:mod:`tradewind.reports.pbo`);
* warnings when the best is not significant, when PBO is high, when trials failed or are
  still to run.

Statistics use the trials that share one calendar of sessions (all of them, unless a parameter
changed the period or universe); any left out are counted in a warning.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tradewind.backtest.results import PARAM_PREFIX, SweepFolder
from tradewind.backtest.trial import METRICS
from tradewind.reports.overfitting import DeflatedSharpe, deflated_sharpe
from tradewind.reports.pbo import Pbo, choose_splits, pbo_cscv
from tradewind.reports.trial_groups import (
    NoEffect,
    TrialGroups,
    group_identical,
    no_effect_params,
    same_values,
)

SIGNIFICANT = 0.95
"""Deflated Sharpe probability below which the best trial is reported as not significant."""
QUANTILES = (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0)


@dataclass(frozen=True)
class SweepReport:
    """Everything ``tradewind sweep report`` shows (see the module docstring)."""

    folder: Path
    params: list[str]
    method: str
    planned: int
    table: pd.DataFrame
    groups: TrialGroups | None
    no_effect: list[NoEffect]
    dsr: DeflatedSharpe | None
    dsr_all_trials: DeflatedSharpe | None
    pbo: Pbo | None
    best: dict[str, Any] | None
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> pd.DataFrame:
        """The successful trials, best Sharpe first."""
        rows = self.table[self.table["status"] == "ok"]
        return rows.sort_values("sharpe", ascending=False, kind="stable")

    @property
    def failed(self) -> pd.DataFrame:
        """The trials that failed, with their errors."""
        return self.table[self.table["status"] != "ok"]

    def distribution(self) -> pd.DataFrame:
        """Quantiles (min, 10% ... 90%, max) of each metric over the successful trials."""
        ok = self.ok
        cols = [m for m in METRICS if m in ok.columns]
        return (
            ok[cols]
            .quantile(list(QUANTILES))
            .rename(
                index={q: ("min" if q == 0 else "max" if q == 1 else f"{q:.0%}") for q in QUANTILES}
            )
        )


def build_report(path: str | Path) -> SweepReport:
    """Read the sweep in ``path`` and compute its selection statistics.

    Raises
    ------
    DataError
        ``path`` is not a sweep folder.
    """
    folder = SweepFolder(path)
    spec = folder.spec()
    params = list(spec["space"]["params"])
    method = str(spec["space"]["method"])
    planned = _planned(spec)
    table = folder.table()
    warnings: list[str] = []
    ok = table[table["status"] == "ok"]
    failed = len(table) - len(ok)
    if len(table) < planned:
        warnings.append(
            f"{planned - len(table)} of {planned} planned trials have not run yet: run the same "
            "`tradewind sweep` command again to resume (finished trials are skipped)"
        )
    if failed:
        warnings.append(f"{failed} of {len(table)} trials failed; their errors are listed")
    returns = folder.returns()
    aligned = _aligned(ok, returns)
    if len(aligned) < len(ok):
        warnings.append(
            f"{len(ok) - len(aligned)} trials ran over other sessions than the other "
            f"{len(aligned)} (a parameter changed the period or universe); the deflated Sharpe "
            "and PBO compare the larger set only"
        )
    if len(aligned) == 0:
        return SweepReport(
            folder.path, params, method, planned, table, None, [], None, None, None, None, warnings
        )
    series = {t: returns[t] for t in aligned}
    groups = group_identical(series)
    trial_params = {t: json.loads(p) for t, p in _params_json(folder).items() if t in series}
    no_effect = no_effect_params(trial_params, groups)
    warnings += [n.message() for n in no_effect]
    everywhere = {n.param for n in no_effect if n.everywhere}
    warnings += [
        s.message() for s in same_values(trial_params, groups) if s.param not in everywhere
    ]
    reps = groups.representatives
    per_period = {t: _sharpe(series[t]) for t in series}
    best_id = max(reps, key=lambda t: per_period[t])
    dsr = deflated_sharpe([per_period[t] for t in reps], series[best_id])
    dsr_all = deflated_sharpe(list(per_period.values()), series[best_id])
    if groups.effective < len(series):
        warnings.append(
            f"{len(series)} trials, {groups.effective} effectively different: identical results "
            f"count once (the deflated Sharpe counting all {len(series)} would be "
            f"{dsr_all.probability:.0%}, counting {groups.effective}: {dsr.probability:.0%})"
        )
    if dsr.trials >= 2 and not dsr.probability >= SIGNIFICANT:
        warnings.append(dsr.verdict())
    pbo = _pbo(series, reps, warnings)
    best_row = {str(k): v for k, v in table[table["trial_id"] == best_id].iloc[0].items()}
    return SweepReport(
        folder.path, params, method, planned, table, groups, no_effect, dsr, dsr_all, pbo,
        best_row, warnings,
    )  # fmt: skip


def report_payload(report: SweepReport) -> dict[str, Any]:
    """The report as plain JSON-ready data (``tradewind sweep report --json``)."""
    dsr = report.dsr
    pbo = report.pbo
    return {
        "folder": str(report.folder),
        "method": report.method,
        "params": report.params,
        "planned": report.planned,
        "finished": int(len(report.table)),
        "failed": int(len(report.failed)),
        "effective_trials": report.groups.effective if report.groups else 0,
        "best": _clean(report.best) if report.best else None,
        "deflated_sharpe": None if dsr is None else {
            "trials": dsr.trials,
            "best_sharpe_per_period": dsr.best_sharpe,
            "expected_max_sharpe_per_period": dsr.expected_max_sharpe,
            "probability": dsr.probability,
            "probability_counting_every_trial": (
                report.dsr_all_trials.probability if report.dsr_all_trials else None
            ),
            "significant": bool(dsr.probability >= SIGNIFICANT),
            "verdict": dsr.verdict(),
        },
        "pbo": None if pbo is None else {
            "probability": pbo.probability,
            "splits": pbo.splits,
            "combinations": pbo.combinations,
            "trials": pbo.trials,
            "oos_loss_probability": pbo.oos_loss_probability,
            "degradation_slope": pbo.degradation_slope,
            "verdict": pbo.verdict(),
        },
        "no_effect": [
            {"param": n.param, "unchanged": n.unchanged, "compared": n.compared,
             "where": n.where} for n in report.no_effect
        ],  # fmt: skip
        "warnings": report.warnings,
        "distribution": {
            k: {m: _num(v) for m, v in row.items()}
            for k, row in report.distribution().to_dict(orient="index").items()
        },
        "trials": [
            _clean({str(k): v for k, v in r.items()})
            for r in report.table.to_dict(orient="records")
        ],
    }  # fmt: skip


def _planned(spec: dict[str, Any]) -> int:
    space = spec["space"]
    size = int(np.prod([len(v) for v in space["params"].values()]))
    trials = space.get("trials")
    return size if space["method"] == "grid" or trials is None else min(int(trials), size)


def _params_json(folder: SweepFolder) -> dict[str, str]:
    records = folder.records()
    return dict(zip(records["trial_id"], records["params"], strict=True))


def _aligned(ok: pd.DataFrame, returns: dict[str, np.ndarray]) -> list[str]:
    """The successful trials of the most common calendar (first, last session and length)."""
    keys = {
        str(t): (f, last, len(returns[str(t)]))
        for t, f, last in zip(ok["trial_id"], ok["first"], ok["last"], strict=True)
    }
    if not keys:
        return []
    common, _ = Counter(keys.values()).most_common(1)[0]
    return [t for t, k in keys.items() if k == common]


def _sharpe(r: np.ndarray) -> float:
    sd = float(np.std(r, ddof=1)) if len(r) > 1 else 0.0
    return float(np.mean(r) / sd) if sd > 0 else 0.0


def _pbo(series: dict[str, np.ndarray], reps: list[str], warnings: list[str]) -> Pbo | None:
    if len(reps) < 2:
        warnings.append("fewer than 2 effectively different trials: no PBO to compute")
        return None
    matrix = np.column_stack([series[t] for t in reps])
    splits = choose_splits(matrix.shape[0])
    if matrix.shape[0] < 2 * splits:
        warnings.append(f"{matrix.shape[0]} sessions are too few for PBO")
        return None
    pbo = pbo_cscv(matrix, splits)
    if pbo.probability >= 0.5:
        warnings.append(pbo.verdict())
    return pbo


def _num(v: Any) -> Any:
    if isinstance(v, float | np.floating):
        return None if not np.isfinite(v) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    """A table row with its ``param:`` columns gathered under ``params``."""
    out: dict[str, Any] = {"params": {}}
    for k, v in row.items():
        if k.startswith(PARAM_PREFIX):
            out["params"][k[len(PARAM_PREFIX) :]] = _num(v)
        else:
            out[k] = _num(v)
    return out
