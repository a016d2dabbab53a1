"""The portfolio drift the rebalancing trigger measures now, as the engine measures it.

The optimizer's last targets are not always what the drift trigger compares the portfolio with
(:meth:`tradewind.engine.cycle.Engine._reasons`):

* a stop exit takes its symbol out of the targets until the next rebalance, so its freed cash
  waits instead of firing a drift rebalance at once;
* after a rebalance that could place no order at all, drift is measured from the weights that
  rebalance left;
* while a rebalance capped by ``max_trades_per_rebalance`` is carried out, the drift trigger is
  not asked at all.

The engine keeps all three in the checkpoint it writes after every cycle (``targets``,
``drift_from``, ``carry_since``), so the checklist and the dashboard read them from there and
say the same thing the next cycle will do. A backtest has no checkpoint: its drift is measured
against the optimizer's last targets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from tradewind.rebalance.triggers import drift_from_arrays


@dataclass(frozen=True)
class TriggerDrift:
    """The trigger's drift and, when it differs from the optimizer's targets, why."""

    value: float | None
    """Half the sum of absolute weight deviations, cash included; None before the first
    targets, or while a capped rebalance is carried out (the trigger then waits)."""
    note: str
    """Why the measure is not against the optimizer's last targets ("" when it is)."""


def trigger_drift(
    weights: npt.ArrayLike,
    optimizer_targets: Sequence[float] | None,
    engine: Mapping[str, Any] | None,
) -> TriggerDrift:
    """The drift the trigger sees at the next cycle (see the module docstring).

    ``weights`` are the last cycle's weights, ``optimizer_targets`` the last decision's targets
    (same symbol order), ``engine`` the checkpoint's engine state (None for a backtest).
    """
    w = np.asarray(weights, dtype=float)
    planned = np.asarray(optimizer_targets, dtype=float) if optimizer_targets else None
    if engine is None or engine.get("targets") is None:
        value = drift_from_arrays(w, planned).portfolio if planned is not None else None
        return TriggerDrift(value, "")
    if engine.get("carry_since"):
        return TriggerDrift(
            None,
            f"a rebalance capped by max_trades_per_rebalance (started {engine['carry_since']}) "
            "is still being carried out: the drift trigger waits for it",
        )
    if engine.get("drift_from") is not None:
        value = drift_from_arrays(w, np.asarray(engine["drift_from"], dtype=float)).portfolio
        return TriggerDrift(
            value,
            "measured from the weights the last rebalance left: it could place no order "
            "(every trade too small or refused)",
        )
    targets = np.asarray(engine["targets"], dtype=float)
    value = drift_from_arrays(w, targets).portfolio
    note = ""
    if planned is not None and planned.shape == targets.shape:
        dropped = (planned > 0) & (targets == 0)
        if dropped.any():
            note = (
                f"{int(dropped.sum())} stopped-out position(s) left the targets until the next "
                "rebalance (their cash waits for the calendar, a regime change or drift of the "
                "other positions)"
            )
    return TriggerDrift(value, note)
