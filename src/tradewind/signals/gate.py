"""The deploy gate: a candidate replaces the deployed model only if it validates better.

Both are scored on the **candidate's** validation samples, the most recent labelled period,
whenever the deployed model never learned from it (its last fitted label ends before those
samples start): the comparison is then out of sample for both. Otherwise (the deployed model
was fitted on part of that period, e.g. a retrain on the same data) its own stored validation
IC is used instead, and the decision says so. The metric is the validation IC
(:mod:`tradewind.signals.metrics`); ties keep the deployed model. ``force`` deploys anyway and
is recorded as forced. A first deployment needs a validation IC above
``ml.min_validation_ic``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from tradewind.config.ml import MLSection
from tradewind.signals.ensemble import Member
from tradewind.signals.metrics import score
from tradewind.signals.training import Trained


@dataclass(frozen=True)
class GateDecision:
    """Whether to deploy, and why."""

    deploy: bool
    reason: str
    candidate_ic: float
    active_ic: float | None
    active_version: str | None


def _fitted_until_row(active: Member, index: pd.DatetimeIndex) -> int | None:
    """The row at which the active model's last fitted label is known, on ``index``."""
    local = index.tz_convert("America/New_York").normalize().tz_localize(None)
    pos = int(local.searchsorted(pd.Timestamp(active.meta.fit_end), side="left"))
    if pos >= len(index):
        return None
    return pos + active.meta.horizon


def decide(
    candidate: Trained, active: Member | None, ml: MLSection, *, force: bool
) -> GateDecision:
    """The gate's decision on ``candidate`` against the deployed ``active`` (or none)."""
    cand = candidate.meta.ic
    if active is None:
        ok = cand > ml.min_validation_ic
        reason = (
            f"first deployment: validation IC {cand:+.4f} "
            f"{'>' if ok else '<='} ml.min_validation_ic {ml.min_validation_ic:+.4f}"
        )
        return _forced(GateDecision(ok, reason, cand, None, None), force)
    val = candidate.validation
    until = _fitted_until_row(active, val.index)
    same_features = active.meta.features == candidate.meta.features
    if same_features and until is not None and until < int(val.rows.min()):
        active_ic = score(active.model.predict(val.X), val.y, val.rows).ic
        basis = (
            f"both scored on the candidate's validation period "
            f"{candidate.meta.validation_start} to {candidate.meta.validation_end}"
        )
    else:
        active_ic = active.meta.ic
        basis = (
            "the deployed model was fitted on part of the candidate's validation period (or "
            "on other features), so its own stored validation IC is compared"
        )
    ok = cand > active_ic
    verdict = "beats" if ok else "does not beat"
    reason = (
        f"candidate IC {cand:+.4f} {verdict} deployed {active.meta.name} "
        f"{active.meta.version} IC {active_ic:+.4f} ({basis})"
    )
    return _forced(GateDecision(ok, reason, cand, active_ic, active.meta.version), force)


def _forced(decision: GateDecision, force: bool) -> GateDecision:
    if decision.deploy or not force:
        return decision
    return GateDecision(
        True,
        f"FORCED (--force): {decision.reason}",
        decision.candidate_ic,
        decision.active_ic,
        decision.active_version,
    )
