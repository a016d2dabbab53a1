"""The evidence a readiness check judges: one run's records over one period, by session.

:class:`Evidence` cuts a :class:`~tradewind.service.records.RunRecords` to the sessions from
``since`` on (the whole run by default: the runbook judges weeks 2-4 of paper trading, so
``--since`` skips the first week of setting up). Returns, drawdown and costs are measured over
that period only: the cumulative return is from the equity before its first session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
import pandas as pd

from tradewind.domain.ledger import ClosedTrade
from tradewind.domain.orders import Fill, StoredOrder
from tradewind.domain.records import Decision
from tradewind.reports.rolling import daily_equity, session_dates
from tradewind.service.records import RunRecords
from tradewind.store import EventView


@dataclass(frozen=True)
class Evidence:
    """A run over a period (see the module docstring).

    Attributes
    ----------
    records
        The whole run.
    equity
        Equity at the end of each session of the period (naive New York dates), on the run's
        time-weighted performance path (:attr:`RunRecords.performance`: the recorded equity
        for a run without deposits or withdrawals).
    base
        Equity before the period's first session (the initial capital at the run's start).
    start, end
        First and last cycle of the period (UTC).
    """

    records: RunRecords
    equity: pd.Series
    base: float
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    dollars: pd.Series | None = None
    """The account's equity at the end of each session of the period, when deposits or
    withdrawals make it differ from :attr:`equity` (None: the same)."""

    @classmethod
    def of(cls, records: RunRecords, since: date | None = None) -> Evidence:
        """The evidence of ``records`` from session ``since`` on (all of it when None)."""
        daily = daily_equity(records.performance)
        dollars = daily_equity(records.recorder) if records.flows else None
        base = records.run.initial_cash
        if since is not None and len(daily):
            before = daily[daily.index < pd.Timestamp(since)]
            if len(before):
                base = float(before.iloc[-1])
            daily = daily[daily.index >= pd.Timestamp(since)]
            if dollars is not None:
                dollars = dollars[dollars.index >= pd.Timestamp(since)]
        stamps = pd.DatetimeIndex(records.recorder.ts)
        inside = stamps[session_dates(stamps) >= pd.Timestamp(since)] if since else stamps
        return cls(
            records,
            daily,
            base,
            pd.Timestamp(inside[0]) if len(inside) else None,
            pd.Timestamp(inside[-1]) if len(inside) else None,
            dollars,
        )

    # --- the period ---------------------------------------------------------------------
    @property
    def sessions(self) -> int:
        """Sessions in the period."""
        return len(self.equity)

    @property
    def period(self) -> str:
        """``2026-03-02 to 2026-03-27 (20 sessions)``, or ``no session``."""
        if not self.sessions:
            return "no session"
        first, last = self.equity.index[0].date(), self.equity.index[-1].date()
        return f"{first} to {last} ({self.sessions} session{'s' * (self.sessions != 1)})"

    def inside(self, ts: datetime) -> bool:
        """True if ``ts`` falls in the period."""
        if self.start is None or self.end is None:
            return False
        return bool(self.start <= pd.Timestamp(ts) <= self.end)

    # --- figures ------------------------------------------------------------------------
    @property
    def account_equity(self) -> pd.Series:
        """The account's equity (USD) at the end of each session of the period."""
        return self.dollars if self.dollars is not None else self.equity

    @property
    def returns(self) -> pd.Series:
        """Daily simple returns over the period (the first from :attr:`base`)."""
        path = np.concatenate([[self.base], self.equity.to_numpy(dtype=float)])
        return pd.Series(path[1:] / path[:-1] - 1.0, index=self.equity.index)

    @property
    def cumulative_return(self) -> float:
        """Return over the period."""
        return float(self.equity.iloc[-1] / self.base - 1.0) if self.sessions else 0.0

    @property
    def max_drawdown(self) -> float:
        """Deepest fall from a running peak within the period, by bar (zero or negative)."""
        rec = self.records.performance
        values = [e for t, e in zip(rec.ts, rec.equity, strict=True) if self.inside(t)]
        path = np.asarray([self.base, *values], dtype=float)
        return float((path / np.maximum.accumulate(path) - 1.0).min()) if len(path) else 0.0

    def fills(self) -> list[Fill]:
        """Fills of the period."""
        return [f for f in self.records.recorder.fills if self.inside(f.ts)]

    def broker_fees(self) -> list[tuple[datetime, float]]:
        """The regulatory fees the broker took apart from the fills in the period, when (USD;
        :attr:`~tradewind.service.records.RunRecords.broker_fees_taken`)."""
        return [(ts, a) for ts, a in self.records.broker_fees_taken if self.inside(ts)]

    def decisions(self) -> list[Decision]:
        """Decisions of the period."""
        return [d for d in self.records.recorder.decisions if self.inside(d.ts)]

    def orders(self) -> list[StoredOrder]:
        """Orders placed in the period."""
        return [o for o in self.records.orders if self.inside(o.request.created_at)]

    def events(self) -> list[EventView]:
        """Events of the period."""
        return [e for e in self.records.events if self.inside(e.ts)]

    def closed_trades(self) -> list[ClosedTrade]:
        """Round trips closed in the period."""
        return [t for t in self.records.book.closed_trades if self.inside(t.ts)]

    def benchmark_return(self) -> float | None:
        """The benchmark's return over the period (None without benchmark data)."""
        bench = self.records.benchmark
        if bench is None or self.start is None or self.end is None:
            return None
        closes = bench.dropna().sort_index()
        until = closes[closes.index <= self.end]
        if until.empty:
            return None
        # from the run's start the strategy starts in cash at the first cycle's close; later,
        # from the close of the session before the period (as the equity's base)
        from_start = self.start == self.records.start
        before = (
            closes[closes.index <= self.start] if from_start else closes[closes.index < self.start]
        )
        first = float(before.iloc[-1]) if len(before) else float(until.iloc[0])
        return float(until.iloc[-1]) / first - 1.0 if first > 0 else None
