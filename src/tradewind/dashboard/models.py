"""Model health on System Health: the ML ensemble's deployed models and what the run did with them.

Two sources, both cheap enough for every page load and neither touching market data:
the model registry the run's configuration names (``ml.registry_path``: each deployed model's
version, training range and validation scores, as ``tradewind retrain`` stored them) and the
run's own ``ml_views`` / ``ml_fallback`` events (what the engine did with the views at its last
rebalance: blended them in, or fell back to the non-ML strategy and why). The full drift and
live-IC check needs the market data and stays with ``tradewind retrain --monitoring-status``.
"""

from __future__ import annotations

from dataclasses import dataclass

from tradewind.config import TradewindConfig
from tradewind.signals.registry import Registry
from tradewind.store import Store

ML_EVENT_KINDS = ("ml_views", "ml_fallback")
MONITORING_COMMAND = "tradewind retrain --monitoring-status"


@dataclass(frozen=True)
class ModelHealth:
    """What System Health shows about the ML models.

    Attributes
    ----------
    available
        Whether the run uses the ML ensemble (``ml.enabled``).
    rows
        One mapping per configured model (empty when the ensemble is off).
    note
        What to tell the user: why there is nothing, or what the last rebalance did.
    healthy
        False when the run's last ML event was a fallback (the views were not used).
    """

    available: bool
    rows: tuple[dict[str, object], ...]
    note: str
    healthy: bool = True


def model_health(cfg: TradewindConfig, store: Store, run_id: int) -> ModelHealth:
    """The ML models of the run's configuration and what its last rebalance did with them."""
    if not cfg.ml.enabled:
        return ModelHealth(
            False,
            (),
            "no ML models: the ML ensemble is off in this run's configuration "
            "(ml.enabled: false), so the strategy runs on the optimizer alone",
        )
    registry = Registry(cfg.ml.registry_path)
    active = registry.active()
    rows: list[dict[str, object]] = []
    for name in cfg.ml.models:
        version = active.get(name)
        if version is None:
            rows.append({"model": name, "version": "not deployed", "status": "missing"})
            continue
        meta = registry.meta(name, version)
        rows.append(
            {
                "model": name,
                "version": version,
                "trained on": f"{meta.fit_start} to {meta.data_end}",
                "validation IC": meta.validation.get("ic"),
                "validation hit rate": meta.validation.get("hit_rate"),
                "status": "deployed",
            }
        )
    last = store.events(run_id, kinds=ML_EVENT_KINDS, limit=1)
    if not last:
        note = (
            f"no rebalance has used the ensemble yet (registry {registry.root}); "
            f"drift and live IC: `{MONITORING_COMMAND}`"
        )
        return ModelHealth(True, tuple(rows), note)
    event = last[0]
    used = event.kind == "ml_views"
    when = f"{event.ts:%Y-%m-%d %H:%M} UTC"
    verdict = "views used" if used else "FELL BACK to the non-ML strategy"
    note = (
        f"last rebalance ({when}): {verdict}: {event.message}. "
        f"Drift and live IC: `{MONITORING_COMMAND}`"
    )
    return ModelHealth(True, tuple(rows), note, healthy=used)
