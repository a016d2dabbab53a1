"""Runs and cycles: the decision log, the equity curve and position snapshots."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import tradewind
from tradewind.domain.records import Decision, EngineEvent
from tradewind.store.coltypes import utc
from tradewind.store.core import StoreCore
from tradewind.store.errors import DuplicateCycleError, StoreError
from tradewind.store.records import (
    SEVERITIES,
    AccountSnapshot,
    CostSnapshot,
    CostView,
    CycleView,
    EquityPoint,
    OutboxMessage,
    PositionView,
    RegimeNow,
    RunInfo,
)
from tradewind.store.repo_ops import enqueue
from tradewind.store.schema import (
    CostTotalsRow,
    CycleRow,
    EquitySnapshotRow,
    EventRow,
    PositionSnapshotRow,
    RunRow,
)
from tradewind.store.views import cycle_view, position_view, run_info

RUN_STATUSES = ("running", "finished", "failed", "stopped")


class RunsRepo(StoreCore):
    """Runs, cycles and what each cycle left behind."""

    # --- runs --------------------------------------------------------------------------
    def start_run(
        self,
        *,
        name: str,
        started_at: datetime,
        symbols: Sequence[str],
        initial_cash: float,
        run_tag: str = "",
        config_fingerprint: str = "",
        config: Mapping[str, Any] | None = None,
        code_version: str | None = None,
    ) -> int:
        """Record the start of a run and return its id.

        Parameters
        ----------
        name
            A label (``paper``, ``backtest``, ...).
        started_at
            When the run started (tz-aware).
        symbols
            The engine's symbol list; cycle targets are stored by these names.
        initial_cash
            The engine's starting cash, USD.
        run_tag, config_fingerprint
            The run's client-order-id tag and its configuration's SHA-256.
        config
            The validated configuration as JSON (it holds no secrets; they live in the env).
        code_version
            Defaults to the installed tradewind version.
        """
        mode = self.mode or self.owner_mode()
        if mode is None:
            raise StoreError("open the store with a trading mode to start a run")
        with self._write() as s:
            row = RunRow(
                mode=mode,
                name=name,
                started_at=utc(started_at),
                ended_at=None,
                status="running",
                run_tag=run_tag,
                config_fingerprint=config_fingerprint,
                symbols=[str(x) for x in symbols],
                initial_cash=float(initial_cash),
                config=dict(config) if config is not None else None,
                code_version=code_version or tradewind.__version__,
            )
            s.add(row)
            s.flush()
            return row.id

    def end_run(self, run_id: int, *, ended_at: datetime, status: str = "finished") -> None:
        """Record the end of a run (``status``: finished, failed or stopped)."""
        if status not in RUN_STATUSES:
            raise ValueError(f"run status must be one of {', '.join(RUN_STATUSES)}, was {status!r}")
        with self._write() as s:
            row = _run_row(s, run_id)
            row.ended_at = utc(ended_at)
            row.status = status

    def set_initial_cash(self, run_id: int, initial_cash: float) -> None:
        """Record what a run really started from: the account's equity at its first start,
        when a broker's account (or a simulated account carried on from an earlier run) is
        not the configured capital. Every report measures the run's returns from it."""
        with self._write() as s:
            _run_row(s, run_id).initial_cash = float(initial_cash)

    def reopen_run(self, run_id: int) -> None:
        """Mark a run that is being continued (after a stop, a crash or a failure) as running
        again: ``ended_at`` cleared, ``status`` ``running``."""
        with self._write() as s:
            row = _run_row(s, run_id)
            row.ended_at = None
            row.status = "running"

    def run(self, run_id: int) -> RunInfo:
        """The run ``run_id``; :class:`StoreError` if there is none."""
        with self._read() as s:
            return run_info(_run_row(s, run_id))

    def runs(self) -> list[RunInfo]:
        """Every run, oldest first."""
        with self._read() as s:
            return [run_info(r) for r in s.scalars(select(RunRow).order_by(RunRow.id))]

    def latest_run(self) -> RunInfo | None:
        """The most recently started run."""
        with self._read() as s:
            row = s.scalars(select(RunRow).order_by(RunRow.id.desc()).limit(1)).first()
            return run_info(row) if row is not None else None

    # --- cycles ------------------------------------------------------------------------
    def record_cycle(
        self,
        run_id: int,
        account: AccountSnapshot,
        *,
        regime: str,
        inputs_fingerprint: str,
        confidence: float | None = None,
        decision: Decision | None = None,
        events: Sequence[EngineEvent] = (),
        notify: Sequence[OutboxMessage] = (),
    ) -> int:
        """Record one cycle in ONE transaction and return its id.

        The cycle row (inputs' fingerprint, regime, and the decision if the cycle made one), the
        equity snapshot, the positions, the cumulative costs, the cycle's ``events`` and the
        ``notify`` messages reporting them are written together or not at all.

        Raises
        ------
        DuplicateCycleError
            The run already has a cycle at ``account.ts``.
        ValueError
            ``decision`` is for another time, or its targets do not match the run's symbols.
        """
        ts = utc(account.ts)
        if decision is not None and utc(decision.ts) != ts:
            raise ValueError(f"decision at {decision.ts} recorded with a snapshot at {ts}")
        try:
            with self._write() as s:
                run = _run_row(s, run_id)
                if s.scalar(
                    select(CycleRow.id).where(CycleRow.run_id == run_id, CycleRow.ts == ts)
                ):
                    raise DuplicateCycleError(f"run {run_id} already recorded a cycle at {ts}")
                cycle = _cycle_row(run, ts, regime, inputs_fingerprint, confidence, decision)
                s.add(cycle)
                s.flush()
                _add_snapshot_rows(s, cycle, account)
                for e in events:
                    s.add(_event_row(run_id, e))
                enqueue(s, notify, ts)  # issue 22: the cycle's notifications, same transaction
                return cycle.id
        except IntegrityError as exc:
            if self._has_cycle(run_id, ts):  # a concurrent writer won the unique (run_id, ts)
                raise DuplicateCycleError(f"run {run_id} already recorded a cycle at {ts}") from exc
            raise

    def _has_cycle(self, run_id: int, ts: datetime) -> bool:
        with self._read() as s:
            q = select(CycleRow.id).where(CycleRow.run_id == run_id, CycleRow.ts == ts)
            return s.scalar(q) is not None

    def last_cycle(self, run_id: int | None = None) -> CycleView | None:
        """The latest cycle of ``run_id`` (of any run if None)."""
        views = self._cycle_views(run_id, newest_first=True, limit=1)
        return views[0] if views else None

    def cycles(
        self, run_id: int, *, decisions_only: bool = False, since: datetime | None = None
    ) -> list[CycleView]:
        """The cycles of a run in time order (only those with a decision if asked)."""
        return self._cycle_views(run_id, decisions_only=decisions_only, since=since)

    def current_regime(self, run_id: int | None = None) -> RegimeNow | None:
        """The regime of the latest cycle and when it began (over all runs if ``run_id`` None)."""
        with self._read() as s:
            scope = [CycleRow.run_id == run_id] if run_id is not None else []
            last = s.scalars(
                select(CycleRow)
                .where(*scope)
                .order_by(CycleRow.ts.desc(), CycleRow.id.desc())
                .limit(1)
            ).first()
            if last is None:
                return None
            other = s.scalar(
                select(CycleRow.ts)
                .where(*scope, CycleRow.regime != last.regime)
                .order_by(CycleRow.ts.desc())
                .limit(1)
            )
            after = [CycleRow.ts > other] if other is not None else []
            since = s.scalar(
                select(CycleRow.ts).where(*scope, *after).order_by(CycleRow.ts).limit(1)
            )
            return RegimeNow(last.regime, last.confidence, since or last.ts, last.ts)

    def equity_curve(self, run_id: int) -> list[EquityPoint]:
        """Equity, cash, exposure and realized P&L after each cycle of a run."""
        with self._read() as s:
            rows = s.scalars(
                select(EquitySnapshotRow)
                .where(EquitySnapshotRow.run_id == run_id)
                .order_by(EquitySnapshotRow.ts)
            )
            return [EquityPoint(r.ts, r.equity, r.cash, r.exposure, r.realized_pnl) for r in rows]

    def latest_positions(self, run_id: int | None = None) -> list[PositionView]:
        """Positions snapshotted by the latest cycle (of any run if ``run_id`` is None)."""
        with self._read() as s:
            q = select(CycleRow.id)
            if run_id is not None:
                q = q.where(CycleRow.run_id == run_id)
            cycle_id = s.scalar(q.order_by(CycleRow.ts.desc(), CycleRow.id.desc()).limit(1))
            if cycle_id is None:
                return []
            rows = s.scalars(
                select(PositionSnapshotRow)
                .where(PositionSnapshotRow.cycle_id == cycle_id)
                .order_by(PositionSnapshotRow.symbol)
            )
            return [position_view(r) for r in rows]

    def position_values(self, run_id: int) -> dict[datetime, dict[str, float]]:
        """Market value per symbol at each cycle of the run (for weights in reports)."""
        out: dict[datetime, dict[str, float]] = {}
        with self._read() as s:
            q = (
                select(CycleRow.ts, PositionSnapshotRow.symbol, PositionSnapshotRow.market_value)
                .join(CycleRow, CycleRow.id == PositionSnapshotRow.cycle_id)
                .where(PositionSnapshotRow.run_id == run_id)
            )
            for ts, symbol, value in s.execute(q):
                out.setdefault(ts, {})[symbol] = float(value) if value is not None else 0.0
        return out

    def latest_costs(self, run_id: int | None = None) -> CostView | None:
        """Cumulative costs as of the latest cycle."""
        with self._read() as s:
            q = select(CostTotalsRow)
            if run_id is not None:
                q = q.where(CostTotalsRow.run_id == run_id)
            r = s.scalars(q.order_by(CostTotalsRow.ts.desc(), CostTotalsRow.id.desc())).first()
            if r is None:
                return None
            return CostView(
                r.ts, CostSnapshot(r.commission, r.slippage, r.impact, r.traded_notional)
            )

    def _cycle_views(
        self,
        run_id: int | None,
        *,
        decisions_only: bool = False,
        since: datetime | None = None,
        newest_first: bool = False,
        limit: int | None = None,
    ) -> list[CycleView]:
        with self._read() as s:
            q = select(CycleRow, EquitySnapshotRow).join(
                EquitySnapshotRow, EquitySnapshotRow.cycle_id == CycleRow.id
            )
            if run_id is not None:
                q = q.where(CycleRow.run_id == run_id)
            if decisions_only:
                q = q.where(CycleRow.is_decision.is_(True))
            if since is not None:
                q = q.where(CycleRow.ts >= utc(since))
            if newest_first:
                q = q.order_by(CycleRow.ts.desc(), CycleRow.id.desc())
            else:
                q = q.order_by(CycleRow.ts, CycleRow.id)
            if limit is not None:
                q = q.limit(limit)
            return [cycle_view(c, e) for c, e in s.execute(q)]


# --- row builders and converters ---------------------------------------------------------
def _run_row(s: Session, run_id: int) -> RunRow:
    row = s.get(RunRow, run_id)
    if row is None:
        raise StoreError(f"no run with id {run_id} in this database")
    return row


def _cycle_row(
    run: RunRow,
    ts: datetime,
    regime: str,
    inputs_fingerprint: str,
    confidence: float | None,
    decision: Decision | None,
) -> CycleRow:
    row = CycleRow(
        run_id=run.id,
        ts=ts,
        inputs_fingerprint=inputs_fingerprint,
        regime=str(regime),
        confidence=confidence,
        is_decision=decision is not None,
        method=None,
        reasons=[],
        targets=None,
        orders=[],
        notes=[],
        fallback_reason=None,
        equity_before=None,
    )
    if decision is None:
        return row
    symbols = list(run.symbols)
    if decision.targets and len(decision.targets) != len(symbols):
        raise ValueError(
            f"decision has {len(decision.targets)} target weights, run {run.id} has "
            f"{len(symbols)} symbols"
        )
    row.method = decision.method
    row.reasons = list(decision.reasons)
    if decision.targets:
        row.targets = dict(zip(symbols, map(float, decision.targets), strict=True))
    row.orders = [asdict(o) for o in decision.orders]
    row.notes = list(decision.notes)
    row.fallback_reason = decision.fallback_reason
    row.equity_before = decision.equity_before
    if confidence is None:
        row.confidence = decision.confidence
    return row


def _add_snapshot_rows(s: Session, cycle: CycleRow, a: AccountSnapshot) -> None:
    common = {"cycle_id": cycle.id, "run_id": cycle.run_id, "ts": cycle.ts}
    s.add(
        EquitySnapshotRow(
            **common, equity=a.equity, cash=a.cash, exposure=a.exposure, realized_pnl=a.realized_pnl
        )
    )
    for p in a.positions:
        if p.quantity == 0:
            continue
        s.add(
            PositionSnapshotRow(
                **common,
                symbol=p.symbol,
                quantity=p.quantity,
                average_cost=p.average_cost,
                price=p.price,
                market_value=p.market_value,
            )
        )
    c = a.costs
    s.add(
        CostTotalsRow(
            **common,
            commission=c.commission,
            slippage=c.slippage,
            impact=c.impact,
            traded_notional=c.traded_notional,
        )
    )


def _event_row(run_id: int | None, e: EngineEvent) -> EventRow:
    severity = e.severity if e.severity in SEVERITIES else "info"
    return EventRow(
        run_id=run_id, ts=utc(e.ts), kind=e.kind, severity=severity, message=e.message, data=None
    )
