"""The status a run shows to a person, wherever it is shown (``tradewind status``, the
dashboard): its recorded status, or ``interrupted`` when the row says running but no process
runs it any more (killed, crashed; :mod:`tradewind.service.liveness` has the evidence)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from tradewind.service.liveness import RunLiveness, run_liveness

if TYPE_CHECKING:  # annotations only: ``tradewind status`` imports this without numpy
    from tradewind.config import TradewindConfig
    from tradewind.store.reader import StoreReads
    from tradewind.store.records import RunInfo

DEFAULT_HEARTBEAT_SECONDS = 300.0
"""The heartbeat period assumed for a run that did not record its own."""


def interrupted_help(evidence: str = "") -> str:
    """What an interrupted run means and what to do about it (``evidence``: its last heartbeat,
    said in the parenthesis)."""
    why = f"killed or crashed; {evidence}" if evidence else "killed or crashed"
    return (
        f"its process is gone ({why}) but the run was never ended, so its record still says "
        "running. Start the same command again to continue it where it stopped."
    )


def shown_liveness(
    cfg: TradewindConfig,
    store: StoreReads,
    run: RunInfo,
    *,
    lock_held: bool | None = None,
    now: datetime | None = None,
) -> RunLiveness:
    """``run``'s status as a person should read it, with the evidence.

    ``cfg`` is the configuration of the run's mode (its database and lock file);
    ``lock_held`` whether a process holds that database's instance lock (None: look now).
    """
    from tradewind.service.heartbeat import lock_holder
    from tradewind.service.paths import database_file, lock_path
    from tradewind.service.runs import META_KEY

    if lock_held is None:
        lock_held = lock_holder(lock_path(cfg)) is not None
    meta = store.load_state(META_KEY.format(run_id=run.id)) or {}
    period = float(meta.get("heartbeat_seconds", DEFAULT_HEARTBEAT_SECONDS))
    return run_liveness(
        run.status,
        lock_held=lock_held,
        lock_is_proof=database_file(cfg) is not None,
        started_at=run.started_at,
        last_heartbeat=store.last_heartbeat(run.id),
        heartbeat_period=timedelta(seconds=period),
        now=now or datetime.now(UTC),
    )


def shown_status(cfg: TradewindConfig, store: StoreReads, run: RunInfo) -> str:
    """Only the status of :func:`shown_liveness` (an ended run's is its record's, read free)."""
    if run.status != "running":
        return run.status
    return shown_liveness(cfg, store, run).status
