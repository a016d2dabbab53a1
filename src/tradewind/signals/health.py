"""Model health: is a deployed model still the model that validated? healthy / degraded / stale.

For each member, as of a date ``t`` (only data stamped at or before ``t`` is used):

* **age**: calendar days from the last date of its training data (``data_end``) to ``t``;
  above ``ml.max_age_days`` the model is **stale**;
* **live IC and hit rate**: its predictions at the sample dates after ``data_end`` whose
  labels are known by ``t``, scored like the validation (:mod:`tradewind.signals.metrics`);
  with at least ``ml.health.min_live_dates`` dates and a live IC at or below
  ``ml.health.min_live_ic`` the model is **degraded**;
* **feature drift**: the population stability index (PSI) of each feature over the last
  ``ml.health.window_days`` sessions against its training distribution; more than
  ``ml.health.max_drifted_share`` of the features above ``ml.health.psi_threshold``: degraded;
* **prediction drift**: the PSI of its recent predictions against its validation predictions,
  both relative to the same date's average (views are relative); above the threshold:
  degraded.

``PSI = sum_b (a_b - e_b) ln(a_b / e_b)`` over the reference's bins (shares floored at 1e-4);
below 0.1 is read as stable, above 0.25 as a shifted population (the usual rule of thumb).
The ensemble is as healthy as its least healthy member.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradewind.config.ml import MLSection
from tradewind.signals.metrics import score

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Status = Literal["healthy", "degraded", "stale"]
_RANK: dict[str, int] = {"healthy": 0, "degraded": 1, "stale": 2}
_FLOOR = 1e-4


def reference(values: FloatArray) -> dict[str, list[float]]:
    """Decile bin edges of ``values`` and the share of ``values`` in each bin."""
    finite = values[np.isfinite(values)]
    if len(finite) == 0:
        return {"edges": [], "share": [1.0]}
    edges = np.unique(np.quantile(finite, np.linspace(0.1, 0.9, 9)))
    counts = np.bincount(np.searchsorted(edges, finite, side="right"), minlength=len(edges) + 1)
    return {"edges": edges.tolist(), "share": (counts / counts.sum()).tolist()}


def psi(ref: dict[str, list[float]], values: FloatArray) -> float:
    """Population stability index of ``values`` against a :func:`reference` (NaN: no data)."""
    finite = values[np.isfinite(values)]
    if len(finite) == 0:
        return float("nan")
    edges = np.asarray(ref["edges"], dtype=float)
    expected = np.maximum(np.asarray(ref["share"], dtype=float), _FLOOR)
    counts = np.bincount(np.searchsorted(edges, finite, side="right"), minlength=len(edges) + 1)
    actual = np.maximum(counts / counts.sum(), _FLOOR)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


@dataclass(frozen=True)
class ModelHealth:
    """One member's health as of a date."""

    name: str
    version: str
    data_end: str
    asof: str
    age_days: int
    status: Status
    reasons: tuple[str, ...]
    validation_ic: float
    validation_hit_rate: float
    live_ic: float | None
    live_hit_rate: float | None
    live_dates: int
    prediction_psi: float
    feature_psi: dict[str, float] = field(default_factory=dict)
    drifted: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """Plain values, for JSON."""
        return asdict(self)


@dataclass(frozen=True)
class HealthInputs:
    """What one member's health is judged on, all as of ``asof`` (row ``row`` of the panel).

    ``window_features`` are the last sessions' (rows x symbols x features) values;
    ``window_predictions`` its predictions over the same rows; ``live_*`` its predictions at
    the sample dates after its training data whose labels are known at ``asof``.
    """

    asof: pd.Timestamp
    window_features: FloatArray
    window_predictions: FloatArray
    live_predictions: FloatArray
    live_labels: FloatArray
    live_rows: IntArray


def _day(ts: pd.Timestamp) -> pd.Timestamp:
    return pd.Timestamp(ts.tz_convert("America/New_York").date())


def assess(meta_dict: dict[str, Any], inputs: HealthInputs, ml: MLSection) -> ModelHealth:
    """The health of the member described by ``meta_dict`` (its ``ModelMeta`` as a dict)."""
    h = ml.health
    asof_day = _day(inputs.asof)
    age = int((asof_day - pd.Timestamp(meta_dict["data_end"])).days)
    reasons: list[str] = []
    feats: dict[str, float] = {}
    flat = inputs.window_features.reshape(-1, inputs.window_features.shape[-1])
    for k, name in enumerate(meta_dict["features"]):
        ref = meta_dict["feature_reference"].get(name)
        if ref is not None:
            feats[name] = psi(ref, flat[:, k])
    drifted = tuple(n for n, v in feats.items() if v > h.psi_threshold)
    window = inputs.window_predictions
    relative = window - np.nanmean(window, axis=1, keepdims=True) if window.size else window
    pred_psi = psi(meta_dict["prediction_reference"], relative.ravel())
    live_ic = live_hit = None
    live_dates = 0
    if len(inputs.live_rows):
        live = score(inputs.live_predictions, inputs.live_labels, inputs.live_rows)
        live_dates = live.n_dates
        if live_dates:
            live_ic, live_hit = live.ic, live.hit_rate
    status: Status = "healthy"
    if age > ml.max_age_days:
        status = "stale"
        reasons.append(
            f"trained on data to {meta_dict['data_end']}, {age} days ago "
            f"(ml.max_age_days {ml.max_age_days})"
        )
    degraded: list[str] = []
    if live_ic is not None and live_dates >= h.min_live_dates and live_ic <= h.min_live_ic:
        degraded.append(
            f"live IC {live_ic:+.3f} over {live_dates} dates <= "
            f"ml.health.min_live_ic {h.min_live_ic:+.3f} (validation "
            f"{float(meta_dict['validation']['ic']):+.3f})"
        )
    if feats and len(drifted) / len(feats) > h.max_drifted_share:
        degraded.append(
            f"{len(drifted)} of {len(feats)} features drifted (PSI > "
            f"{h.psi_threshold}): {', '.join(drifted[:5])}"
        )
    if np.isfinite(pred_psi) and pred_psi > h.psi_threshold:
        degraded.append(f"predictions drifted (PSI {pred_psi:.2f} > {h.psi_threshold})")
    if degraded and status == "healthy":
        status = "degraded"
    reasons.extend(degraded)
    return ModelHealth(
        name=str(meta_dict["name"]),
        version=str(meta_dict.get("version", "")),
        data_end=str(meta_dict["data_end"]),
        asof=asof_day.date().isoformat(),
        age_days=age,
        status=status,
        reasons=tuple(reasons),
        validation_ic=float(meta_dict["validation"]["ic"]),
        validation_hit_rate=float(meta_dict["validation"]["hit_rate"]),
        live_ic=live_ic,
        live_hit_rate=live_hit,
        live_dates=live_dates,
        prediction_psi=pred_psi,
        feature_psi=feats,
        drifted=drifted,
    )


def worst(statuses: Sequence[Status]) -> Status:
    """The least healthy of ``statuses`` (stale, then degraded, then healthy)."""
    return max(statuses, key=lambda s: _RANK[s]) if statuses else "healthy"
