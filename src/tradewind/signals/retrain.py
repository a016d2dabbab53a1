"""What ``tradewind retrain`` does: train candidates, store them, deploy those that earn it;
and what ``--monitoring-status`` reports.

Training never changes what trades unless ``deploy`` is asked and the gate agrees
(:mod:`tradewind.signals.gate`): every candidate is stored as a new registry version either
way, so it can be inspected (and deployed later with ``--force`` if a person decides so).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tradewind.config.ml import MLSection, ModelName
from tradewind.signals.dataset import Dataset
from tradewind.signals.ensemble import Ensemble
from tradewind.signals.features import FeaturePanel
from tradewind.signals.gate import GateDecision, decide
from tradewind.signals.health import ModelHealth, worst
from tradewind.signals.labels import Labels
from tradewind.signals.meta import ModelMeta
from tradewind.signals.registry import Registry
from tradewind.signals.training import train
from tradewind.signals.views import DeployedSchedule, SignalViews

Progress = Callable[[str], None]


@dataclass(frozen=True)
class RetrainOutcome:
    """One model's retraining: the stored candidate, the gate's decision, whether deployed."""

    meta: ModelMeta
    decision: GateDecision
    deployed: bool

    def as_dict(self) -> dict[str, Any]:
        """Plain values, for JSON."""
        m = self.meta
        return {
            "model": m.name,
            "version": m.version,
            "fit": [m.fit_start, m.fit_end],
            "validation": [m.validation_start, m.validation_end],
            "data_end": m.data_end,
            "metrics": m.validation,
            "ic_by_year": m.ic_by_year,
            "active_version": self.decision.active_version,
            "active_ic_same_period": self.decision.active_ic,
            "gate_passed": self.decision.deploy,
            "deployed": self.deployed,
            "reason": self.decision.reason,
            "code": m.code,
            "artifact": m.artifact,
        }


def parse_models(text: str, configured: Sequence[ModelName]) -> list[ModelName]:
    """``all`` (the configured members) or a comma-separated list of member names.

    Raises
    ------
    ValueError
        A name that is not a member, naming the known ones.
    """
    if text.strip().lower() == "all":
        return list(configured)
    names = [t.strip() for t in text.split(",") if t.strip()]
    bad = [n for n in names if n not in ("ridge", "lgbm", "forest")]
    if bad or not names:
        raise ValueError(f"--models must be 'all' or names from ridge, lgbm, forest; was {text!r}")
    return names  # type: ignore[return-value]


def retrain(
    names: Sequence[ModelName],
    ml: MLSection,
    registry: Registry,
    panel: FeaturePanel,
    data: Dataset,
    asof: int,
    *,
    deploy: bool,
    force: bool,
    progress: Progress | None = None,
) -> list[RetrainOutcome]:
    """Train each model as of row ``asof``, store it, and deploy it if asked and it passes."""
    out: list[RetrainOutcome] = []
    for name in names:
        if progress is not None:
            progress(f"training {name}")
        trained = train(name, ml, data, asof, panel.symbols, panel.names)
        meta = registry.save(trained)
        active = registry.active_member(name)
        decision = decide(trained, active, ml, force=force)
        done = deploy and decision.deploy
        if done:
            registry.deploy(name, meta.version, decision.reason)
        out.append(RetrainOutcome(meta, decision, done))
    return out


@dataclass(frozen=True)
class MonitoringStatus:
    """The deployed ensemble's health as of a date, and what trading does about it."""

    asof: str
    status: str
    action: str
    models: tuple[ModelHealth, ...] = ()
    problems: tuple[str, ...] = ()
    metas: dict[str, ModelMeta] = field(default_factory=dict)


def monitoring_status(
    ml: MLSection, registry: Registry, panel: FeaturePanel, labels: Labels, asof: int
) -> MonitoringStatus:
    """Health of the deployed models at row ``asof`` (``unavailable`` if some is missing)."""
    day = panel.index[asof].tz_convert("America/New_York").date().isoformat()
    active = registry.active()
    missing = [n for n in ml.models if n not in active]
    if missing:
        return MonitoringStatus(
            day,
            "unavailable",
            "no ensemble views: not deployed (tradewind retrain --models all --deploy)",
            problems=tuple(f"{n}: no deployed version in {registry.root}" for n in missing),
        )
    ensemble = Ensemble([registry.load(n, active[n]) for n in ml.models], ml.full_confidence_ic)
    metas = {m.meta.name: m.meta for m in ensemble.members}
    views = SignalViews(panel, labels, DeployedSchedule(ensemble), ml)
    problem = views.mismatch(ensemble, asof)
    if problem:
        return MonitoringStatus(
            day, "unavailable", "falls back to the non-ML strategy", (), (problem,), metas
        )
    health = views.health(ensemble, asof)
    status = worst([h.status for h in health])
    action = (
        "views feed the optimizer"
        if status == "healthy"
        else "falls back to the non-ML strategy (and alerts) until retrained"
    )
    return MonitoringStatus(day, status, action, health, (), metas)
