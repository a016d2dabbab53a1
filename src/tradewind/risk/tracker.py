"""The risk manager's working state as JSON: saved each bar, restored on start, shown by status.

The snapshot holds what the breakers and stops need to carry on after a restart (session and
its opening equity, peak equity, the losing streak, each position's entry, peak, trailing and
ATR levels, cool-downs) plus what ``tradewind risk status`` shows (equity, stop levels, last
prices).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from tradewind.domain.arrays import FloatArray
from tradewind.domain.ledger import Ledger
from tradewind.risk.breakers import Breakers
from tradewind.risk.status_view import optional_float
from tradewind.risk.stops import PositionTrack, StopBook

if TYPE_CHECKING:  # only the annotation: `tradewind risk status` reads this without pandas
    import pandas as pd


class TrackedManager(Protocol):
    """What the snapshot reads and restores of the risk manager."""

    breakers: Breakers
    stop_book: StopBook | None
    cooldown_until: dict[str, int]
    session: str | None
    session_index: int

    def cooldown_left(self, symbol: str) -> int:
        """Sessions before ``symbol`` may be bought again."""
        ...


def snapshot(
    manager: TrackedManager, t: pd.Timestamp, book: Ledger, prices: FloatArray, equity: float
) -> dict[str, Any]:
    """The manager's state after the bar at ``t``."""
    b = manager.breakers.state
    positions: dict[str, Any] = {}
    stops = manager.stop_book
    for i, symbol in enumerate(book.symbols):
        qty = float(book.quantity[i])
        if qty <= 0:
            continue
        row: dict[str, Any] = {
            "quantity": qty,
            "average_cost": float(book.average_cost[i]),
            "last_price": _num(prices[i]),
        }
        if stops is not None and symbol in stops.tracks:
            track = stops.tracks[symbol]
            levels = stops.levels(symbol)
            active = levels.active
            row.update(
                entry=track.entry,
                peak=track.peak,
                since=track.since.isoformat(),
                atr_level=_num(track.atr_level),
                trail_level=_num(track.trail_level),
                levels={"fixed": levels.fixed, "trailing": levels.trailing, "atr": levels.atr},
                active={"kind": active[0], "level": active[1]} if active else None,
            )
        positions[symbol] = row
    return {
        "as_of": t.isoformat(),
        "session": b.session,
        "equity": equity,
        "open_equity": b.open_equity,
        "peak_equity": b.peak_equity,
        "last_equity": b.last_equity,
        "consecutive_losses": b.consecutive_losses,
        "daily_warned": b.daily_warned,
        "drawdown_warned": b.drawdown_warned,
        "open_trip_pnl": dict(b.open_trip_pnl),
        "positions": positions,
        "cooldowns": {s: manager.cooldown_left(s) for s in sorted(manager.cooldown_until)},
    }


def restore(manager: TrackedManager, saved: Mapping[str, Any]) -> None:
    """Load a saved snapshot into a freshly built manager."""
    b = manager.breakers.state
    b.session = saved.get("session")
    b.open_equity = optional_float(saved.get("open_equity"))
    b.peak_equity = optional_float(saved.get("peak_equity"))
    b.last_equity = optional_float(saved.get("last_equity"))
    b.consecutive_losses = int(saved.get("consecutive_losses", 0))
    b.daily_warned = bool(saved.get("daily_warned", False))
    b.drawdown_warned = bool(saved.get("drawdown_warned", False))
    b.open_trip_pnl = {str(k): float(v) for k, v in dict(saved.get("open_trip_pnl", {})).items()}
    manager.session = b.session
    manager.session_index = 0
    manager.cooldown_until = {
        str(k): int(v) for k, v in dict(saved.get("cooldowns", {})).items() if int(v) > 0
    }
    if manager.stop_book is None:
        return
    for symbol, row in dict(saved.get("positions", {})).items():
        if "entry" not in row:
            continue
        manager.stop_book.tracks[str(symbol)] = PositionTrack(
            float(row["entry"]),
            float(row["peak"]),
            datetime.fromisoformat(str(row["since"])),
            _nan(row.get("atr_level")),
            _nan(row.get("trail_level")),
        )


def finite_or_none(x: float | np.floating[Any]) -> float | None:
    """``x`` as a float, or None when it is not finite (JSON has no NaN)."""
    return _num(x)


def _num(x: float | np.floating[Any]) -> float | None:
    value = float(x)
    return value if np.isfinite(value) else None


def _nan(x: Any) -> float:
    return float("nan") if x is None else float(x)
