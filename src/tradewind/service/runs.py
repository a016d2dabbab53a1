"""Which run a start of the service continues, and what it starts from.

A run is identified by its name (``replay START:END``, ``demo ...`` or the mode) and the
fingerprint of what decides trades (:func:`strategy_fingerprint`): starting the same command
again continues the latest unfinished run with both, after a crash, a stop or a failure; a
changed strategy, or a finished replay, starts a new run. The run's client-order-id tag is
derived from the fingerprint, the name and the run's number, so it is the same on every restart.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from tradewind.config import TradewindConfig
from tradewind.engine.ids import run_tag
from tradewind.service.heartbeat import wall_now
from tradewind.store import RunInfo
from tradewind.store.records import Uptime

if TYPE_CHECKING:
    from tradewind.store import Store
    from tradewind.store.reader import StoreReads

DATABASE_ID_KEY = "service.database_id"
META_KEY = "service.meta.run-{run_id}"
"""State key of a run's service settings (clock, interval, heartbeat period), for status."""


def run_uptime(
    store: StoreReads, run: RunInfo, start: datetime | None = None, end: datetime | None = None
) -> Uptime | None:
    """Heartbeat coverage of ``run`` from ``start`` (its start) to ``end`` (when it ended, else
    its last heartbeat), at the heartbeat period the service recorded; None for an empty span.

    Heartbeats of every run of the database count (one service holds a database at a time), so
    the time between a crash and the restart that continues the run counts as down.
    """
    meta = store.load_state(META_KEY.format(run_id=run.id)) or {}
    period = timedelta(seconds=float(meta.get("heartbeat_seconds", 300)))
    end = end or run.ended_at or store.last_heartbeat(run.id)
    start = start or run.started_at
    if end is None or end <= start:
        return None
    return store.uptime(None, start, end, period)


def strategy_fingerprint(cfg: TradewindConfig) -> str:
    """SHA-256 of what decides trades: the configuration without where things are written
    (database, logging), who is told (notifications) or how it is judged (reports, readiness):
    :meth:`~tradewind.config.TradewindConfig.decision_payload`."""
    payload = cfg.decision_payload()
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def resumable_run(store: Store, cfg: TradewindConfig, name: str) -> RunInfo | None:
    """The run a start with ``name`` and ``cfg`` continues: the latest run of that name, when
    it has the same strategy and is not finished (None: the start begins a new run)."""
    same = [r for r in store.runs() if r.name == name]
    latest = same[-1] if same else None
    if latest is None or latest.status == "finished":
        return None
    return latest if latest.config_fingerprint == strategy_fingerprint(cfg) else None


def open_run(
    store: Store, cfg: TradewindConfig, name: str, symbols: Sequence[str]
) -> tuple[RunInfo, bool]:
    """The unfinished run with this name and strategy (True), or a new one (False).

    A continued run is marked running again (``tradewind status`` must not show it stopped
    while it trades).
    """
    earlier = resumable_run(store, cfg, name)
    if earlier is not None:
        store.reopen_run(earlier.id)  # status: running again, not the stop it resumes from
        return store.run(earlier.id), True
    fingerprint = strategy_fingerprint(cfg)
    same = [r for r in store.runs() if r.name == name]
    run_id = store.start_run(
        name=name,
        started_at=wall_now(),
        symbols=list(symbols),
        initial_cash=cfg.trading.initial_capital,
        run_tag=run_tag(f"{fingerprint}|{name}|{len(same) + 1}"),
        config_fingerprint=fingerprint,
        config=cfg.model_dump(mode="json"),
    )
    return store.run(run_id), False


def database_id(store: Store) -> str:
    """A random id minted with the database: a new database never meets an old simulated
    account left in the journal file (accounts are keyed by it)."""
    saved = store.load_state(DATABASE_ID_KEY)
    if saved and saved.get("id"):
        return str(saved["id"])
    value = uuid.uuid4().hex[:12]
    store.save_state(DATABASE_ID_KEY, {"id": value})
    return value
