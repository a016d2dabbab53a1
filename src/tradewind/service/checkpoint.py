"""What the engine knows between cycles, saved after each one so a restart carries on exactly.

The engine's book is not saved: it is rebuilt from the run's **baseline** (cash and positions
when the run started) plus the fills the store recorded, in recording order, up to the
checkpoint's ``fill_cursor`` (the highest fill id booked when the cycle ended). Fills recorded
after it (during an interrupted cycle, or found at the broker by reconciliation) are handed to
the engine by the order manager when the cycle runs again.

The rest is the strategy's memory, taken from the engine and its parts after each cycle: the
last targets and regime reading, the calendar trigger's last session, and the risk manager's
tracker snapshot plus the values that snapshot leaves out (closed trades already counted by
the breakers, last prices seen, when a replay's simulated resume started counting, the order
stops fire in).
Attributes are read with ``getattr`` so a renamed one degrades to "not restored" instead of a
crash; the crash-recovery test, which demands results identical to an uninterrupted run, is
what keeps this list complete.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np

from tradewind.domain.ledger import Ledger
from tradewind.domain.plans import RegimeReading
from tradewind.domain.types import Regime
from tradewind.engine.cycle import Engine
from tradewind.orders.account import Baseline
from tradewind.risk.halt import HaltState
from tradewind.store import Store

CHECKPOINT_KEY = "service.checkpoint.run-{run_id}"
BASELINE_KEY = "service.baseline.run-{run_id}"


def _num(x: float) -> float | None:
    return float(x) if math.isfinite(float(x)) else None


def _float(x: Any) -> float:
    return float("nan") if x is None else float(x)


def save_baseline(store: Store, run_id: int, baseline: Baseline) -> None:
    """Record the run's baseline (once, when it starts, or after an adopted difference)."""
    store.save_state(BASELINE_KEY.format(run_id=run_id), baseline.to_json())


def load_baseline(store: Store, run_id: int) -> Baseline | None:
    """The run's baseline, or None."""
    data = store.load_state(BASELINE_KEY.format(run_id=run_id))
    return Baseline.from_json(data) if data else None


@dataclass(frozen=True)
class Checkpoint:
    """The state after the cycle at ``ts`` (see the module docstring)."""

    ts: datetime
    fill_cursor: int
    cycles: int
    engine: dict[str, Any]
    risk: dict[str, Any]
    book: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """JSON form (non-finite numbers as null)."""
        return {
            "ts": self.ts.isoformat(),
            "fill_cursor": self.fill_cursor,
            "cycles": self.cycles,
            "engine": self.engine,
            "risk": self.risk,
            "book": self.book,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Checkpoint:
        """Inverse of :meth:`to_json`."""
        return cls(
            datetime.fromisoformat(str(d["ts"])),
            int(d["fill_cursor"]),
            int(d["cycles"]),
            dict(d["engine"]),
            dict(d["risk"]),
            dict(d["book"]),
        )


def save_checkpoint(store: Store, run_id: int, ckpt: Checkpoint) -> None:
    """Write the checkpoint (one transaction)."""
    store.save_state(CHECKPOINT_KEY.format(run_id=run_id), ckpt.to_json(), ts=ckpt.ts)


def load_checkpoint(store: Store, run_id: int) -> Checkpoint | None:
    """The run's latest checkpoint, or None before its first cycle."""
    data = store.load_state(CHECKPOINT_KEY.format(run_id=run_id))
    return Checkpoint.from_json(data) if data else None


def capture(engine: Engine, ts: datetime, fill_cursor: int, cycles: int) -> Checkpoint:
    """The engine's state after the cycle at ``ts``."""
    reading = engine.regime
    targets = engine.targets
    previous = getattr(engine.parts.trigger, "_previous_session", None)
    state = {
        "targets": [float(x) for x in targets] if targets is not None else None,
        "regime": _reading_json(reading) if reading is not None else None,
        "halt_noted": bool(getattr(engine, "_halt_noted", False)),
        "previous_session": previous.isoformat() if isinstance(previous, date) else None,
    }
    risk = engine.parts.risk
    breakers = getattr(risk, "breakers", None)
    prev = getattr(risk, "_prev_prices", None)
    risk_state = {
        "tracker": getattr(risk, "snapshot", None),
        "closed_seen": getattr(breakers, "_closed_seen", None),
        "prev_prices": [_num(x) for x in prev] if prev is not None else None,
        "halted_sessions_ago": _sessions_ago(risk),
        "halt": _halt_json(getattr(risk, "halt", None)),
        "stop_order": _stop_order(risk),
    }
    book = engine.book
    book_state = {"cash": book.cash, "quantity": [float(q) for q in book.quantity]}
    return Checkpoint(ts, fill_cursor, cycles, state, risk_state, book_state)


def restore(engine: Engine, ckpt: Checkpoint) -> None:
    """Put the strategy's memory back (the book and the risk tracker are handled apart)."""
    st = ckpt.engine
    if st.get("targets") is not None:
        engine.targets = np.asarray(st["targets"], dtype=float)
    if st.get("regime") is not None:
        engine.regime = _reading(st["regime"])
    engine._halt_noted = bool(st.get("halt_noted", False))
    if st.get("previous_session") and hasattr(engine.parts.trigger, "_previous_session"):
        setattr(  # noqa: B010 - the trigger's private memory (see the module docstring)
            engine.parts.trigger, "_previous_session", date.fromisoformat(st["previous_session"])
        )
    risk = engine.parts.risk
    extra = ckpt.risk
    breakers = getattr(risk, "breakers", None)
    if extra.get("closed_seen") is not None and hasattr(breakers, "_closed_seen"):
        setattr(breakers, "_closed_seen", int(extra["closed_seen"]))  # noqa: B010
    if extra.get("prev_prices") is not None and hasattr(risk, "_prev_prices"):
        prices = np.array([_float(x) for x in extra["prev_prices"]])
        setattr(risk, "_prev_prices", prices)  # noqa: B010
    if "halt" in extra and hasattr(risk, "_halt"):
        # the halt as the engine knew it after the cycle; a halt latched or cleared since (by
        # an interrupted cycle, or by a person) is picked up from the database on the next bar
        saved = extra["halt"]
        setattr(risk, "_halt", HaltState.from_dict(saved) if saved else None)  # noqa: B010
        setattr(risk, "_announce_halt", False)  # noqa: B010
    order = extra.get("stop_order")
    tracks = getattr(getattr(risk, "stop_book", None), "tracks", None)
    if order and isinstance(tracks, dict):
        # stops fire in the order positions were opened (the tracks' insertion order), which
        # decides the exits' sequence numbers; the tracker snapshot lists them by symbol
        ordered = {sym: tracks[sym] for sym in order if sym in tracks}
        ordered.update({sym: t for sym, t in tracks.items() if sym not in ordered})
        tracks.clear()
        tracks.update(ordered)
    ago = extra.get("halted_sessions_ago")
    if ago is not None and hasattr(risk, "_halted_session"):  # session numbers restart at restore
        now = int(getattr(risk, "session_index", 0))
        setattr(risk, "_halted_session", now - int(ago))  # noqa: B010


def book_matches(book: Ledger, ckpt: Checkpoint) -> bool:
    """Whether a rebuilt book holds what the engine held when the checkpoint was written."""
    saved = ckpt.book
    qty = np.asarray(saved.get("quantity", []), dtype=float)
    if qty.shape != book.quantity.shape:
        return False
    cash = float(saved.get("cash", book.cash))
    return bool(
        abs(cash - book.cash) <= 1e-6 * max(1.0, abs(cash))
        and np.allclose(qty, book.quantity, rtol=1e-9, atol=1e-9)
    )


def _stop_order(risk: object) -> list[str] | None:
    tracks = getattr(getattr(risk, "stop_book", None), "tracks", None)
    return [str(s) for s in tracks] if isinstance(tracks, dict) else None


def _halt_json(halt: object) -> dict[str, Any] | None:
    return halt.to_dict() if isinstance(halt, HaltState) else None


def _sessions_ago(risk: object) -> int | None:
    halted = getattr(risk, "_halted_session", None)
    if halted is None:
        return None
    return int(getattr(risk, "session_index", 0)) - int(halted)


def _reading_json(r: RegimeReading) -> dict[str, Any]:
    return {
        "regime": r.regime.value,
        "confidence": _num(r.confidence),
        "features": {k: _num(v) for k, v in r.features.items()},
        "is_vix_proxy": bool(r.is_vix_proxy),
    }


def _reading(d: Mapping[str, Any]) -> RegimeReading:
    return RegimeReading(
        Regime(str(d["regime"])),
        _float(d.get("confidence")),
        {str(k): _float(v) for k, v in dict(d.get("features", {})).items()},
        bool(d.get("is_vix_proxy", False)),
    )
