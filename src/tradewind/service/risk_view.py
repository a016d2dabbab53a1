"""``tradewind risk status`` from the trading service's database.

The service keeps its halts in the database (:mod:`tradewind.service.halts`) and the risk
manager's tracker (session, opening and peak equity, losing streak, stops per position,
cool-downs) in each cycle's checkpoint. This view shows the halts that matter now (those that
block every wall-clock start, and the latest run's own) and the latest run's last checkpointed
tracker, in the same shape as the state-file status (:func:`tradewind.risk.tracker.status`).
"""

from __future__ import annotations

from typing import Any

from tradewind.risk.breakers import BreakerParams
from tradewind.risk.tracker import status as build_status
from tradewind.service.checkpoint import load_checkpoint
from tradewind.service.halts import binds_wall_clock, relevant_halts
from tradewind.store import Store
from tradewind.store.risk_state import halt_state, resume_record


def database_risk_status(store: Store, params: BreakerParams) -> dict[str, Any]:
    """Halts, resumes, drawdown, daily P&L, breaker distances and stops, from ``store``."""
    run = store.latest_run()
    run_id = run.id if run is not None else None
    halts = relevant_halts(store, run_id)
    cache: dict[int, str] = {}
    cleared = [
        h
        for h in store.halts()
        if not h.active and (h.run_id == run_id or binds_wall_clock(store, h, cache))
    ]
    ckpt = load_checkpoint(store, run_id) if run_id is not None else None
    tracker = ckpt.risk.get("tracker") if ckpt is not None else None
    out = build_status(
        halt_state(halts[0][0]) if halts else None,
        [resume_record(h) for h in cleared],
        tracker,
        params,
    )
    out["source"] = "database"
    out["database"] = store.database
    out["halts"] = [
        {
            "id": h.id,
            "kind": h.kind,
            "reason": h.reason,
            "latched_at": h.latched_at,
            "run_id": h.run_id,
            "binds": binds,
        }
        for h, binds in halts
    ]
    out["latest_run"] = (
        {"id": run.id, "name": run.name, "status": run.status} if run is not None else None
    )
    if not tracker:
        out["note"] = (
            "no cycle recorded yet" if run is None else f"run {run.id} has no cycle recorded yet"
        )
    return out
