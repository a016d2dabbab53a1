"""What the engine decided and why, bar by bar: the decision log, the equity curve and events."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from tradewind.domain.batches import FillBatch
from tradewind.domain.orders import Fill
from tradewind.domain.plain import plain
from tradewind.domain.records import Decision, EngineEvent
from tradewind.engine.fill_columns import FillColumns


@dataclass
class Recorder:
    """Collects the run's bars, decisions, fills and events in memory."""

    symbols: tuple[str, ...]
    ts: list[datetime] = field(default_factory=list)
    equity: list[float] = field(default_factory=list)
    cash: list[float] = field(default_factory=list)
    exposure: list[float] = field(default_factory=list)
    regime: list[str] = field(default_factory=list)
    weights: list[np.ndarray] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    booked: list[Fill] = field(default_factory=list)
    """The fills already built, in booking order (read :attr:`fills`: it adds the pending ones)."""
    events: list[EngineEvent] = field(default_factory=list)
    _pending: list[FillBatch | list[Fill]] = field(default_factory=list, init=False, repr=False)
    """Fills recorded since :attr:`fills` was last read, as the engine booked them."""

    def revalued(self, equity: Sequence[float], cash: Sequence[float]) -> Recorder:
        """A copy with ``equity`` and ``cash`` in place of the recorded ones (the same bars,
        decisions, fills and events; the pending fills are built first, so both share them)."""
        self.fills  # noqa: B018 - builds the pending fills once, before the copy shares them
        return replace(self, equity=list(equity), cash=list(cash))

    def bar(
        self,
        ts: datetime | pd.Timestamp,
        equity: float,
        cash: float,
        regime: str,
        weights: np.ndarray,
    ) -> None:
        """Record the end-of-cycle state (exposure is the sum of the position weights)."""
        self.ts.append(ts)
        self.equity.append(equity)
        self.cash.append(cash)
        self.exposure.append(float(np.add.reduce(weights)))  # weights.sum(), minus a wrapper
        self.regime.append(regime)
        self.weights.append(weights)

    def bars(
        self,
        ts: Sequence[datetime | pd.Timestamp],
        equity: np.ndarray,
        cash: float,
        regime: str,
        weights: np.ndarray,
    ) -> None:
        """Record several bars at once, as :meth:`bar` would record each: the same cash and
        regime on every one, a row of ``weights`` per bar (read-only rows of one array)."""
        n = len(ts)
        self.ts.extend(ts)
        self.equity.extend(equity.tolist())
        self.cash.extend([cash] * n)
        self.exposure.extend(np.add.reduce(weights, axis=1).tolist())
        self.regime.extend([regime] * n)
        self.weights.extend(weights)

    @property
    def fills(self) -> list[Fill]:
        """Every fill in booking order: a plain list, the pending batches built into it first.

        A backtest records its fills as the engine books them (:meth:`add_fills`,
        :meth:`add_fill_list`) and builds the :class:`~tradewind.domain.orders.Fill` objects
        of its batches here, once, when something reads them (reports, the store, the
        dashboard). Record fills through those two methods: they keep the booking order.
        """
        if self._pending:
            pending, self._pending = self._pending, []
            for chunk in pending:
                self.booked.extend(chunk.fills() if isinstance(chunk, FillBatch) else chunk)
        return self.booked

    def fill_columns(self) -> FillColumns:
        """Every fill in booking order, as :attr:`fills` lists them, as columns: the pending
        batches are read as they are, without building their Fill objects."""
        return FillColumns.of([self.booked, *self._pending])

    def add_fills(self, batch: FillBatch) -> None:
        """Record a batch of fills (its objects built when :attr:`fills` is read)."""
        if len(batch):
            self._pending.append(batch)

    def add_fill_list(self, fills: list[Fill]) -> None:
        """Record ``fills``, after every fill recorded before them."""
        if fills:
            self._pending.append(fills)

    def event(self, ts: datetime, kind: str, message: str, severity: str = "info") -> None:
        """Record an event."""
        self.events.append(EngineEvent(ts, kind, message, severity))

    def equity_curve(self) -> pd.Series:
        """Equity after each cycle, indexed by time."""
        return pd.Series(self.equity, index=pd.DatetimeIndex(self.ts), name="equity")

    def frame(self) -> pd.DataFrame:
        """Per-bar equity, cash, exposure and regime."""
        return pd.DataFrame(
            {
                "equity": self.equity,
                "cash": self.cash,
                "exposure": self.exposure,
                "regime": self.regime,
            },
            index=pd.DatetimeIndex(self.ts, name="timestamp"),
        )

    def weights_frame(self) -> pd.DataFrame:
        """Per-bar position weights."""
        return pd.DataFrame(
            np.vstack(self.weights) if self.weights else np.empty((0, len(self.symbols))),
            index=pd.DatetimeIndex(self.ts, name="timestamp"),
            columns=list(self.symbols),
        )

    def fingerprint(self, plain_decisions: Sequence[Any] | None = None) -> str:
        """SHA-256 of the decision log and equity curve: equal runs have equal fingerprints.

        Decisions are hashed by value (as JSON), so a quantity held as a numpy float and the same
        quantity as a Python float hash alike. ``plain_decisions``: the decisions already made
        plain (:func:`~tradewind.domain.plain.plain` of each, in order), when the caller has them.
        """
        rows = plain_decisions if plain_decisions is not None else map(plain, self.decisions)
        h = hashlib.sha256()
        for row in rows:
            h.update(json.dumps(row, default=str, sort_keys=True).encode())
        h.update(np.asarray(self.equity, dtype=np.float64).tobytes())
        return h.hexdigest()
