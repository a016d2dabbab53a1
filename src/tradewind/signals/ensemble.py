"""Combine the members' predictions into per-symbol views with a confidence.

At one date, for the symbols whose features are all known:

1. **Calibrate** each member: its predictions times its validation calibration slope (clipped
   at 0), so a member whose predictions were twice too large counts half; then centred on 0
   across symbols (views are relative: which stocks beat the others).
2. **Weight** members by their validation IC (a member with IC <= 0, or whose calibration
   slope is not positive, gets no weight).
3. **View** = the weighted sum: the expected excess log return over the label horizon.
4. **Confidence** = agreement x reliability, in [0, 1]:

   * agreement: ``|sum_m w_m sign(view_m)|``, 1 when every member points the same way,
     0 when they cancel out;
   * reliability: the ensemble's weighted validation IC over ``ml.full_confidence_ic``,
     clipped to [0, 1] (no validated skill, no confidence).

A view whose confidence is below ``ml.confidence_threshold`` is dropped by the optimizer's
blending (:mod:`tradewind.portfolio.views`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from tradewind.signals.meta import ModelMeta
from tradewind.signals.models import Model

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Member:
    """A fitted model and its registry metadata."""

    model: Model
    meta: ModelMeta


@dataclass(frozen=True)
class Views:
    """Per-symbol expected excess log returns over ``horizon`` sessions, and confidences.

    Symbols without a view (a feature unknown) have NaN ``excess`` and confidence 0.
    """

    excess: FloatArray
    confidence: FloatArray
    horizon: int


class Ensemble:
    """Members combined into views (see the module notes for the rules)."""

    def __init__(self, members: Sequence[Member], full_confidence_ic: float) -> None:
        if not members:
            raise ValueError("an ensemble needs at least one member")
        horizons = {m.meta.horizon for m in members}
        if len(horizons) != 1:
            raise ValueError(f"members were trained for different horizons: {sorted(horizons)}")
        self.members = tuple(members)
        self.horizon = horizons.pop()
        self.slopes = np.array([max(float(m.meta.validation["slope"]), 0.0) for m in members])
        ics = np.array([max(m.meta.ic, 0.0) for m in members]) * (self.slopes > 0)
        total = float(ics.sum())
        self.weights = ics / total if total > 0 else np.zeros(len(members))
        self.reliability = (
            float(np.clip(float(self.weights @ ics) / full_confidence_ic, 0.0, 1.0))
            if total > 0
            else 0.0
        )

    @property
    def names(self) -> tuple[str, ...]:
        """Member names."""
        return tuple(m.meta.name for m in self.members)

    def member_predictions(self, X: FloatArray) -> FloatArray:
        """(members x rows) raw predictions; NaN for rows with an unknown feature."""
        ok = np.isfinite(X).all(axis=1)
        out = np.full((len(self.members), len(X)), np.nan)
        if ok.any():
            for k, member in enumerate(self.members):
                out[k, ok] = member.model.predict(X[ok])
        return out

    def combine(self, predictions: FloatArray) -> Views:
        """Views at one date from its (members x symbols) raw predictions."""
        calibrated = predictions * self.slopes[:, None]
        ok = np.isfinite(calibrated).all(axis=0)
        excess = np.full(calibrated.shape[1], np.nan)
        confidence = np.zeros(calibrated.shape[1])
        if ok.sum() >= 2:
            centred = calibrated[:, ok] - calibrated[:, ok].mean(axis=1, keepdims=True)
            excess[ok] = self.weights @ centred
            agreement = np.abs(self.weights @ np.sign(centred))
            confidence[ok] = agreement * self.reliability
        return Views(excess, confidence, self.horizon)

    def views(self, X: FloatArray) -> Views:
        """Views at one date from its (symbols x features) matrix."""
        return self.combine(self.member_predictions(X))
