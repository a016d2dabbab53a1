"""Model health on System Health: the ML ensemble's models, when there is one.

The ML ensemble (``tradewind.signals``: models, registry, health) is a separate piece of
tradewind. Until it is part of the installed package this tab says "no ML models" and the
strategy runs without views. The hook below is the one place to wire its health in: it must
return one row per model (name, version, age, live hit rate and IC against validation, drift,
status) read from the registry the configuration names.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from tradewind.config import TradewindConfig

SIGNALS_PACKAGE = "tradewind.signals"


@dataclass(frozen=True)
class ModelHealth:
    """What System Health shows about the ML models.

    Attributes
    ----------
    available
        Whether the ML ensemble is installed.
    rows
        One mapping per model (empty when there is none to show).
    note
        What to tell the user (why there is nothing, or where the figures come from).
    """

    available: bool
    rows: tuple[dict[str, object], ...]
    note: str


def model_health(cfg: TradewindConfig) -> ModelHealth:
    """The ML models' health, or why there is none."""
    if importlib.util.find_spec(SIGNALS_PACKAGE) is None:
        return ModelHealth(
            False,
            (),
            "no ML models: the ML ensemble is not part of this tradewind, so the strategy "
            "runs on the optimizer alone (the runbook's --ensemble warns and runs without)",
        )
    # --- HOOK (issue 25, the ML ensemble): read tradewind.signals' registry and health here ---
    # Return one row per deployed model from its health check (age, training data, live hit
    # rate and IC vs validation, feature and prediction drift, healthy/degraded/stale).
    return ModelHealth(
        True,
        (),
        "the ML ensemble is installed, but this dashboard does not read its model registry "
        "yet: see `tradewind retrain --monitoring-status`",
    )
    # --- end of HOOK ---------------------------------------------------------------------------
