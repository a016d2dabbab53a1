"""How good a model's predictions are: information coefficient, hit rate, calibration.

* **IC** (information coefficient): the Spearman rank correlation between predictions and
  realized excess returns across symbols at one date, averaged over dates. 0 is no skill;
  0.02-0.05 is typical of useful monthly stock signals.
* **Hit rate**: the share of (date, symbol) pairs where the prediction has the sign of the
  realized excess return (0.5 is a coin).
* **Calibration**: the least-squares line ``realized = intercept + slope * predicted``
  (slope 1: predictions have the right size; 0: no information; the ensemble multiplies each
  model's predictions by its slope) and the mean absolute gap between predicted and realized
  averages over prediction deciles (``calibration_error``, in return units).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt
from scipy.stats import rankdata

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Scores:
    """Validation (or live) scores of a set of predictions."""

    ic: float
    ic_std: float
    hit_rate: float
    slope: float
    intercept: float
    calibration_error: float
    n_dates: int
    n_samples: int

    def as_dict(self) -> dict[str, float | int]:
        """Plain values, for JSON."""
        return asdict(self)


def daily_ic(pred: FloatArray, label: FloatArray, dates: IntArray) -> tuple[IntArray, FloatArray]:
    """The Spearman IC of each date with at least three samples (dates, ICs)."""
    order = np.argsort(dates, kind="stable")
    d, p, y = dates[order], pred[order], label[order]
    cuts = np.flatnonzero(np.diff(d)) + 1
    out_d: list[int] = []
    out_ic: list[float] = []
    for lo, hi in zip(np.r_[0, cuts], np.r_[cuts, len(d)], strict=True):
        if hi - lo < 3:
            continue
        rp, ry = rankdata(p[lo:hi]), rankdata(y[lo:hi])
        sp, sy = rp.std(), ry.std()
        if sp == 0 or sy == 0:
            continue
        out_d.append(int(d[lo]))
        out_ic.append(float(((rp - rp.mean()) * (ry - ry.mean())).mean() / (sp * sy)))
    return np.asarray(out_d, dtype=np.int64), np.asarray(out_ic, dtype=float)


def demean(pred: FloatArray, dates: IntArray) -> FloatArray:
    """``pred`` minus its average over the samples of the same date (relative predictions)."""
    _, inverse = np.unique(dates, return_inverse=True)
    sums = np.bincount(inverse, weights=pred)
    counts = np.bincount(inverse)
    return pred - (sums / counts)[inverse]


def calibration(pred: FloatArray, label: FloatArray, bins: int = 10) -> tuple[float, float, float]:
    """``(slope, intercept, calibration_error)`` of ``label`` on ``pred`` (see module notes)."""
    if len(pred) < 2 or float(np.var(pred)) == 0.0:
        return 0.0, float(np.mean(label)) if len(label) else 0.0, float("nan")
    slope, intercept = np.polyfit(pred, label, 1)
    edges = np.unique(np.quantile(pred, np.linspace(0, 1, bins + 1)))
    which = np.clip(np.searchsorted(edges, pred, side="right") - 1, 0, max(len(edges) - 2, 0))
    gaps = [
        abs(float(pred[which == b].mean() - label[which == b].mean())) for b in np.unique(which)
    ]
    return float(slope), float(intercept), float(np.mean(gaps))


def score(pred: FloatArray, label: FloatArray, dates: IntArray) -> Scores:
    """IC, hit rate and calibration of ``pred`` against ``label`` (samples dated by row)."""
    ok = np.isfinite(pred) & np.isfinite(label)
    pred, label, dates = pred[ok], label[ok], dates[ok]
    _, ics = daily_ic(pred, label, dates)
    nonzero = (pred != 0) & (label != 0)
    hit = (
        float(np.mean(np.sign(pred[nonzero]) == np.sign(label[nonzero]))) if nonzero.any() else 0.5
    )
    slope, intercept, error = calibration(pred, label)
    return Scores(
        ic=float(ics.mean()) if len(ics) else 0.0,
        ic_std=float(ics.std()) if len(ics) else 0.0,
        hit_rate=hit,
        slope=slope,
        intercept=intercept,
        calibration_error=error,
        n_dates=len(ics),
        n_samples=len(pred),
    )
