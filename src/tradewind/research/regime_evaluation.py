"""How regime detection is measured: classification against known regimes, and the allocation
it drives on real prices.

Classification (synthetic data, true labels known):

* **balanced accuracy** - the mean, over the regimes present in the truth, of the share of that
  regime's bars labelled correctly;
* **switches per year** - label changes per 252 bars, predicted and true;
* **spurious switches** - predicted switches into a regime ``R`` with no true switch into ``R``
  in the ``max_delay`` bars up to and including it (a switch that is not a late detection);
* **detection delay** - for each true switch into ``R``, the bars until the prediction is first
  ``R`` within that true spell; the median over detected switches, and the share detected.

Allocation (real prices): a regime maps to an exposure in ``[0, 1]`` of the index; the rest is
cash earning nothing. The decision at bar ``t`` (known at ``t``'s close) is traded ``lag`` bars
later, so with ``lag=1`` it earns the return of bar ``t+2`` ("act one day late"). Costs are
``cost * |w_t - w_(t-1)|`` per bar.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from tradewind.domain.types import Regime
from tradewind.regime.base import REGIMES

TRADING_DAYS = 252

RISK_OFF_EXPOSURE: Mapping[Regime, float] = {
    Regime.BULL: 1.0,
    Regime.CHOPPY: 1.0,
    Regime.BEAR: 0.0,
    Regime.VOLATILE: 0.0,
}
"""Regime switch: fully invested in BULL and CHOPPY, in cash in BEAR and VOLATILE."""


@dataclass(frozen=True, slots=True)
class ClassificationReport:
    """Classification metrics of one detector on one labelled period."""

    balanced_accuracy: float
    accuracy: float
    switches_per_year: float
    true_switches_per_year: float
    switch_ratio: float
    spurious_switches: int
    median_delay_days: float
    detected_share: float
    n_bars: int

    def as_dict(self) -> dict[str, float]:
        """Plain dict (for JSON)."""
        return {k: float(v) for k, v in asdict(self).items()}


def _codes(labels: pd.Series | Sequence[object]) -> np.ndarray:
    lookup = {r.value: i for i, r in enumerate(REGIMES)}
    return np.array([lookup.get(str(x), -1) for x in labels], dtype=np.int64)


def confusion(truth: pd.Series, predicted: pd.Series) -> pd.DataFrame:
    """Counts with true regimes as rows and predicted regimes as columns."""
    t, p = _codes(truth), _codes(predicted)
    names = [r.value for r in REGIMES]
    m = np.zeros((len(REGIMES), len(REGIMES)), dtype=np.int64)
    ok = (t >= 0) & (p >= 0)
    np.add.at(m, (t[ok], p[ok]), 1)
    return pd.DataFrame(m, index=pd.Index(names, name="true"), columns=pd.Index(names, name="pred"))


def balanced_accuracy(truth: pd.Series, predicted: pd.Series) -> float:
    """Mean per-regime recall over the regimes present in ``truth``."""
    m = confusion(truth, predicted).to_numpy()
    support = m.sum(axis=1)
    present = support > 0
    return float((np.diag(m)[present] / support[present]).mean()) if present.any() else np.nan


def _switches(codes: np.ndarray) -> np.ndarray:
    return np.flatnonzero(np.diff(codes) != 0) + 1


def classify(truth: pd.Series, predicted: pd.Series, max_delay: int = 20) -> ClassificationReport:
    """Classification metrics of ``predicted`` against ``truth`` (aligned, same length)."""
    t, p = _codes(truth), _codes(predicted)
    n = len(t)
    years = n / TRADING_DAYS
    true_sw, pred_sw = _switches(t), _switches(p)
    spurious = 0
    for s in pred_sw:
        lo = max(0, s - max_delay)
        into = true_sw[(true_sw >= lo) & (true_sw <= s)]
        if not np.any(t[into] == p[s]):
            spurious += 1
    delays: list[int] = []
    ends = np.append(true_sw, n)
    for j, s in enumerate(true_sw):
        hit = np.flatnonzero(p[s : ends[j + 1]] == t[s])
        if hit.size:
            delays.append(int(hit[0]))
    n_true = len(true_sw)
    return ClassificationReport(
        balanced_accuracy=balanced_accuracy(truth, predicted),
        accuracy=float(np.mean(t == p)) if n else np.nan,
        switches_per_year=len(pred_sw) / years if years else np.nan,
        true_switches_per_year=n_true / years if years else np.nan,
        switch_ratio=len(pred_sw) / n_true if n_true else np.nan,
        spurious_switches=spurious,
        median_delay_days=float(np.median(delays)) if delays else np.nan,
        detected_share=len(delays) / n_true if n_true else np.nan,
        n_bars=n,
    )


@dataclass(frozen=True, slots=True)
class AllocationReport:
    """Performance of an exposure series on an index."""

    cagr: float
    sharpe: float
    max_drawdown: float
    turnover_per_year: float
    time_in_cash: float
    final_wealth: float

    def as_dict(self) -> dict[str, float]:
        """Plain dict (for JSON)."""
        return {k: float(v) for k, v in asdict(self).items()}


def exposures(regimes: pd.Series, mapping: Mapping[Regime, float]) -> pd.Series:
    """Exposure at each bar from its regime (NaN where there is no decision yet)."""
    table = {r.value: float(v) for r, v in mapping.items()}
    return regimes.map(lambda x: table.get(str(x), np.nan)).astype(float)


def backtest_exposure(
    closes: pd.Series,
    exposure: pd.Series,
    *,
    lag: int = 1,
    cost: float = 0.001,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    warmup_exposure: float = 1.0,
) -> tuple[AllocationReport, pd.Series]:
    """Run an exposure series on ``closes``; returns the report and the wealth curve.

    Parameters
    ----------
    closes
        Index closes.
    exposure
        Target exposure decided at each bar (NaN: no decision; ``warmup_exposure`` is held).
    lag
        Bars between a decision's bar and the bar it is traded at (its return starts after).
    cost
        Proportional cost per unit of exposure traded (0.001 = 10 bps).
    start, end
        Period measured (decisions before ``start`` still set the starting position).
    """
    r = closes.pct_change()
    w = exposure.reindex(closes.index).fillna(warmup_exposure).shift(lag + 1)
    w = w.fillna(warmup_exposure)
    net = w * r - cost * w.diff().abs().fillna(0.0)
    mask = pd.Series(True, index=closes.index)
    if start is not None:
        mask &= closes.index >= start
    if end is not None:
        mask &= closes.index <= end
    net, w = net[mask].iloc[1:], w[mask].iloc[1:]
    return allocation_report(net, w), (1.0 + net).cumprod()


def allocation_report(net: pd.Series, w: pd.Series) -> AllocationReport:
    """Metrics of net daily returns ``net`` earned with exposures ``w``."""
    wealth = (1.0 + net).cumprod()
    years = len(net) / TRADING_DAYS
    final = float(wealth.iloc[-1]) if len(wealth) else 1.0
    sd = float(net.std())
    dd = float((wealth / wealth.cummax() - 1.0).min()) if len(wealth) else 0.0
    return AllocationReport(
        cagr=final ** (1.0 / years) - 1.0 if years > 0 else np.nan,
        sharpe=float(net.mean() / sd * np.sqrt(TRADING_DAYS)) if sd > 0 else np.nan,
        max_drawdown=dd,
        turnover_per_year=float(w.diff().abs().sum()) / years if years > 0 else np.nan,
        time_in_cash=float((1.0 - w).mean()) if len(w) else np.nan,
        final_wealth=final,
    )
