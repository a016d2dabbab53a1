"""What the engine knows between cycles, saved after each one so a restart carries on exactly.

The engine's book is not saved: it is rebuilt from the run's **baseline** (cash and positions
when the run started) plus the fills the store recorded, in recording order, up to the
checkpoint's ``fill_cursor`` (the highest fill id booked when the cycle ended). Fills recorded
after it (during an interrupted cycle, or found at the broker by reconciliation) are handed to
the engine by the order manager when the cycle runs again.

The rest is the strategy's memory, each part's own ``state()`` after each cycle and its
``restore()`` after a restart: the engine's last targets and regime reading and the calendar
trigger's last session (:meth:`Engine.state`), and the risk manager's tracker plus the values the
tracker leaves out (:meth:`RiskManager.state`). The crash-recovery test, which demands results
identical to an uninterrupted run, is what keeps those states complete.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # types only: `tradewind status` reads a checkpoint without numpy
    from tradewind.domain.ledger import Ledger
    from tradewind.orders.account import Baseline
    from tradewind.store import NewEvent, Store
    from tradewind.store.reader import StoreReads

if TYPE_CHECKING:  # the engine only as a type: `tradewind status` reads checkpoints alone
    from tradewind.engine.cycle import Engine

CHECKPOINT_KEY = "service.checkpoint.run-{run_id}"
BASELINE_KEY = "service.baseline.run-{run_id}"
SPLIT_PENDING_KEY = "service.split_pending.run-{run_id}"
"""Where a stock split the broker shows and the market data does not show yet is kept: what it
looks like (``AAPL:4;MSFT:2``) and since when (a restart does not reset the time it may take)."""


def _num(x: float) -> float | None:
    return float(x) if math.isfinite(float(x)) else None


def _float(x: Any) -> float:
    return float("nan") if x is None else float(x)


def save_baseline(
    store: Store, run_id: int, baseline: Baseline, events: Sequence[NewEvent] = ()
) -> None:
    """Record the run's baseline (when it starts, and after each change: an adopted
    difference, fees, income), with the ``events`` that report the change in the same
    transaction."""
    store.save_state(BASELINE_KEY.format(run_id=run_id), baseline.to_json(), events=events)


def load_baseline(store: StoreReads, run_id: int) -> Baseline | None:
    """The run's baseline, or None."""
    from tradewind.orders.account import Baseline

    data = store.load_state(BASELINE_KEY.format(run_id=run_id))
    return Baseline.from_json(data) if data else None


def cash_flows(store: StoreReads, run_id: int) -> tuple[float, float, float]:
    """The dividends and interest booked to the run's cash, the regulatory fees taken from it,
    and the net of the deposits and withdrawals adopted (USD; :class:`~tradewind.orders.account.
    Baseline`'s ``income``, ``fees`` and ``flows``), read from the stored baseline without
    building it (``tradewind status`` starts without numpy)."""
    data = store.load_state(BASELINE_KEY.format(run_id=run_id)) or {}
    flows = data.get("flows") or []
    net = sum(float(row[1]) for row in flows if isinstance(row, list) and len(row) == 2)
    return float(data.get("income", 0.0)), float(data.get("fees", 0.0)), net


def reserved_cash(store: StoreReads, run_id: int) -> float:
    """The broker cash the run set aside, never traded (USD; :class:`~tradewind.orders.account.
    Baseline`'s ``reserved_cash``, 0 in older baselines), read from the stored baseline without
    building it (``tradewind status`` starts without numpy)."""
    data = store.load_state(BASELINE_KEY.format(run_id=run_id)) or {}
    return float(data.get("reserved_cash", 0.0))


def stock_splits(store: StoreReads, run_id: int) -> list[str]:
    """The stock splits booked in the run, oldest first, one line each (``NVDA 10-for-1 split
    (ex 2024-06-10)``; :attr:`~tradewind.orders.account.Baseline.splits`), read from the stored
    baseline without building it (``tradewind status`` starts without numpy)."""
    from tradewind.domain.actions import CorporateAction

    data = store.load_state(BASELINE_KEY.format(run_id=run_id)) or {}
    return [CorporateAction.from_json(d).describe() for d in data.get("splits") or []]


def split_pending_since(store: StoreReads, run_id: int) -> tuple[str, datetime] | None:
    """The stock splits the run is waiting for the market data to confirm, as ``AAPL 4-for-1,
    MSFT 1-for-10``, and since when; None when it waits for none (read without numpy)."""
    data = store.load_state(SPLIT_PENDING_KEY.format(run_id=run_id)) or {}
    key, since = data.get("key"), data.get("since")
    if not key or not since:
        return None
    shown = []
    for part in str(key).split(";"):
        symbol, _, ratio = part.partition(":")
        r = float(ratio)
        shown.append(f"{symbol} {r:g}-for-1" if r >= 1.0 else f"{symbol} 1-for-{1.0 / r:g}")
    return ", ".join(shown), datetime.fromisoformat(str(since))


@dataclass(frozen=True)
class Checkpoint:
    """The state after the cycle at ``ts`` (see the module docstring)."""

    ts: datetime
    fill_cursor: int
    cycles: int
    engine: dict[str, Any]
    risk: dict[str, Any]
    book: dict[str, Any]
    flows: int = 0
    """How many of the baseline's capital flows the risk state has accounted (the ones after
    them are applied when the engine is rebuilt: :func:`~tradewind.service.recovery.rebuild`)."""
    baseline: str = ""
    """The key of the baseline the book was built from (:meth:`Baseline.key`; empty in older
    checkpoints): a baseline tradewind moved since (an adoption, income, fees saved before a
    crash) explains a book that differs from :attr:`book`."""
    splits: int = 0
    """How many of the baseline's booked stock splits the risk state has followed (the ones
    after them are applied when the engine is rebuilt, as the flows)."""

    def to_json(self) -> dict[str, Any]:
        """JSON form (non-finite numbers as null)."""
        return {
            "ts": self.ts.isoformat(),
            "fill_cursor": self.fill_cursor,
            "cycles": self.cycles,
            "engine": self.engine,
            "risk": self.risk,
            "book": self.book,
            "flows": self.flows,
            "baseline": self.baseline,
            "splits": self.splits,
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
            int(d.get("flows", 0)),
            str(d.get("baseline", "")),
            int(d.get("splits", 0)),
        )


def save_checkpoint(store: Store, run_id: int, ckpt: Checkpoint) -> None:
    """Write the checkpoint (one transaction)."""
    store.save_state(CHECKPOINT_KEY.format(run_id=run_id), ckpt.to_json(), ts=ckpt.ts)


def load_checkpoint(store: StoreReads, run_id: int) -> Checkpoint | None:
    """The run's latest checkpoint, or None before its first cycle."""
    data = store.load_state(CHECKPOINT_KEY.format(run_id=run_id))
    return Checkpoint.from_json(data) if data else None


def capture(
    engine: Engine,
    ts: datetime,
    fill_cursor: int,
    cycles: int,
    flows: int = 0,
    baseline: str = "",
    splits: int = 0,
) -> Checkpoint:
    """The engine's state after the cycle at ``ts`` (``flows`` and ``splits``: the baseline's
    capital flows and stock splits its risk state has accounted; ``baseline``: the key of the
    baseline its book started from)."""
    book = engine.book
    book_state = {"cash": book.cash, "quantity": [float(q) for q in book.quantity]}
    return Checkpoint(
        ts,
        fill_cursor,
        cycles,
        engine.state(),
        engine.parts.risk.state(),
        book_state,
        flows,
        baseline,
        splits,
    )


def restore(engine: Engine, ckpt: Checkpoint) -> None:
    """Put the strategy's memory back (the book is rebuilt from fills, apart)."""
    engine.restore(ckpt.engine)
    engine.parts.risk.restore(ckpt.risk)


def book_matches(book: Ledger, ckpt: Checkpoint) -> bool:
    """Whether a rebuilt book holds what the engine held when the checkpoint was written."""
    import numpy as np

    saved = ckpt.book
    qty = np.asarray(saved.get("quantity", []), dtype=float)
    if qty.shape != book.quantity.shape:
        return False
    cash = float(saved.get("cash", book.cash))
    return bool(
        abs(cash - book.cash) <= 1e-6 * max(1.0, abs(cash))
        and np.allclose(qty, book.quantity, rtol=1e-9, atol=1e-9)
    )
