"""A new wall-clock run carries on the risk state of the previous one on the same account.

Changing a strategy setting starts a new run (:func:`~tradewind.service.runs.open_run`), but
the account, its positions and its history are the same: the drawdown breaker must keep
measuring from the account's peak equity, the daily loss from the session's opening equity,
the consecutive-loss breaker must keep its streak, and a trailing stop its highest price since
entry. So the first start of a wall-clock run seeds its risk tracker from the last one of the
previous wall-clock run in the mode's database (the same broker account): the breaker state
(session, opening, peak and last equity, losing streak, warnings given), the stop tracks and
open round trips of the symbols still held, and the cool-downs. The seed is saved with the run
(a restart before its first checkpoint reads the same one) and recorded as an event; when the
cash set aside differs from the previous run's (a larger account split anew at the new run's
first start), the difference moves the breakers' equities as a flow would. Halts need
no carrying: a wall-clock halt binds every wall-clock run (:mod:`tradewind.service.halts`).
Replays never carry anything: each is a run of its own with its own simulated account.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from tradewind.orders.account import Baseline
from tradewind.risk.breakers import BreakerState
from tradewind.risk.status_view import optional_float
from tradewind.service.checkpoint import load_baseline, load_checkpoint
from tradewind.service.halts import WALL
from tradewind.service.runs import META_KEY
from tradewind.store import Store

SEED_KEY = "service.risk-seed.run-{run_id}"


def load_seed(store: Store, run_id: int) -> dict[str, Any] | None:
    """The tracker the run started from (None when it carried nothing)."""
    saved = store.load_state(SEED_KEY.format(run_id=run_id))
    return dict(saved["tracker"]) if saved and saved.get("tracker") else None


def carry_risk_state(
    store: Store, run_id: int, baseline: Baseline, symbols: Sequence[str]
) -> tuple[int, dict[str, Any]] | None:
    """Seed wall-clock run ``run_id`` from the previous one; ``(previous run, seed)`` or None.

    ``baseline`` is the account the new run starts with: only the stops of symbols it still
    holds (and trades) carry over.
    """
    found = _previous_tracker(store, run_id)
    if found is None:
        return None
    previous, tracker = found
    held = {s for s, (qty, _) in baseline.positions.items() if qty > 0 and s in symbols}
    seed = dict(tracker)
    seed["positions"] = {s: r for s, r in dict(tracker.get("positions", {})).items() if s in held}
    seed["open_trip_pnl"] = {
        s: v for s, v in dict(tracker.get("open_trip_pnl", {})).items() if s in held
    }
    seed["cooldowns"] = {
        s: n for s, n in dict(tracker.get("cooldowns", {})).items() if s in symbols
    }
    before = load_baseline(store, previous)
    seed |= reserve_moved(seed, (before.reserved_cash if before else 0.0) - baseline.reserved_cash)
    store.save_state(SEED_KEY.format(run_id=run_id), {"from_run": previous, "tracker": seed})
    return previous, seed


def reserve_moved(tracker: Mapping[str, Any], flow: float) -> dict[str, Any]:
    """The breaker equities of ``tracker`` after ``flow`` moved into (> 0) or out of (< 0) the
    run's book with a change of the cash set aside (the previous run's reserve less the new
    run's: :mod:`tradewind.orders.reserve`), as a flow, neither a gain nor a loss
    (:meth:`~tradewind.risk.breakers.BreakerState.shift`)."""
    state = BreakerState(
        open_equity=optional_float(tracker.get("open_equity")),
        peak_equity=optional_float(tracker.get("peak_equity")),
        last_equity=optional_float(tracker.get("last_equity")),
    )
    state.shift(flow)
    moved: dict[str, Any] = {
        "open_equity": state.open_equity,
        "peak_equity": state.peak_equity,
        "last_equity": state.last_equity,
    }
    equity = optional_float(tracker.get("equity"))
    if equity is not None and math.isfinite(flow):
        moved["equity"] = equity + flow
    return moved


def describe_seed(run_id: int, previous: int, seed: dict[str, Any]) -> str:
    """The event's message: what the new run carries on."""
    stops = ", ".join(sorted(seed.get("positions", {}))) or "none"
    peak = seed.get("peak_equity")
    opening = seed.get("open_equity")
    return (
        f"run {run_id} carries on the risk state of run {previous} (as of "
        f"{seed.get('as_of')}): peak equity {_money(peak)}, session {seed.get('session')} "
        f"opened at {_money(opening)}, losing streak {seed.get('consecutive_losses', 0)}, "
        f"stops of the positions still held: {stops}"
    )


def _previous_tracker(store: Store, run_id: int) -> tuple[int, dict[str, Any]] | None:
    """The latest tracker of an earlier wall-clock run (its checkpoint, else its own seed)."""
    for run in reversed(store.runs()):
        if run.id >= run_id:
            continue
        meta = store.load_state(META_KEY.format(run_id=run.id)) or {}
        if meta.get("clock") != WALL:
            continue
        ckpt = load_checkpoint(store, run.id)
        tracker = ckpt.risk.get("tracker") if ckpt is not None else None
        tracker = tracker or load_seed(store, run.id)
        if tracker:
            return run.id, dict(tracker)
    return None


def _money(x: Any) -> str:
    return f"{float(x):,.2f}" if isinstance(x, int | float) else "unknown"
