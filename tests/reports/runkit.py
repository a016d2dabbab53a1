"""Build a run's records to the figure: an equity path, fills, decisions, orders, events and
heartbeat gaps chosen by the test, in the same value types ``load_records`` returns.

Readiness criteria are pure functions of these records, so each criterion's passing and
failing case is a run made to sit just on either side of its threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tradewind.calendar import nyse
from tradewind.config import TradewindConfig, validate_config
from tradewind.domain.ledger import Ledger
from tradewind.domain.orders import (
    ClientOrderId,
    Fill,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
    StoredOrder,
)
from tradewind.domain.records import Decision, EngineEvent, OrderRecord
from tradewind.domain.types import Symbol
from tradewind.engine.recorder import Recorder
from tradewind.service.records import Clock, RunRecords
from tradewind.store import EventView, RunInfo, Uptime

SYMBOLS = ("AAA", "BBB")


@dataclass(frozen=True)
class StoredRun:
    """A finished run in a real SQLite store (the ``replay`` fixture)."""

    folder: Path
    config: Path
    cfg: Any
    run_id: int


CAPITAL = 100_000.0


def sessions(n: int, start: str = "2026-03-02") -> list[pd.Timestamp]:
    """The closes (UTC) of ``n`` NYSE sessions from ``start``."""
    cal = nyse()
    days = cal.sessions(start, pd.Timestamp(start) + timedelta(days=n * 2 + 10))[:n]
    return [pd.Timestamp(t).tz_convert("UTC") for t in cal.session_closes(days)]


def fill(
    ts: pd.Timestamp, symbol: str, side: str, qty: float, price: float, *, slippage: float = 0.0,
    cid: str | None = None,
) -> Fill:  # fmt: skip
    """A fill (``side`` ``buy`` or ``sell``)."""
    return Fill(ClientOrderId(cid or f"o-{ts:%m%d}-{symbol}-{side}"), Symbol(symbol), Side(side),
                qty, price, ts.to_pydatetime(), 0.0, slippage, 0.0)  # fmt: skip


@dataclass
class RunSpec:
    """What the run is made of (see the module docstring)."""

    equity: Sequence[float]
    clock: Clock = "wall"
    start: str = "2026-03-02"
    regimes: Sequence[str] | None = None
    fills: Sequence[Fill] = ()
    decisions: Sequence[Decision] = ()
    orders: Sequence[StoredOrder] = ()
    events: Sequence[EventView] = ()
    down: Sequence[tuple[pd.Timestamp, pd.Timestamp]] = ()
    interval_seconds: int | None = None
    times: Sequence[pd.Timestamp] | None = None
    benchmark: pd.Series | None = None
    config: TradewindConfig = field(default_factory=lambda: validate_config({}))


def records(spec: RunSpec) -> RunRecords:
    """The :class:`RunRecords` of ``spec``."""
    times = list(spec.times) if spec.times is not None else sessions(len(spec.equity), spec.start)
    rec = Recorder(SYMBOLS)
    regimes = list(spec.regimes or ["BULL"] * len(times))
    for ts, eq, regime in zip(times, spec.equity, regimes, strict=True):
        rec.bar(ts.to_pydatetime(), float(eq), float(eq), regime, np.zeros(len(SYMBOLS)))
    rec.decisions.extend(spec.decisions)
    rec.fills.extend(spec.fills)
    book = Ledger(SYMBOLS, CAPITAL)
    book.apply_all(sorted(spec.fills, key=lambda f: f.ts))
    rec.events.extend(EngineEvent(e.ts, e.kind, e.message, e.severity) for e in spec.events)
    first, last = times[0].to_pydatetime(), times[-1].to_pydatetime()
    run = RunInfo(1, "paper", "paper", first - timedelta(hours=7), None, "running", "t", "f",
                  SYMBOLS, CAPITAL, None)  # fmt: skip
    uptime = None
    if spec.clock != "backtest":
        start = first - timedelta(hours=7)
        gaps = tuple((a.to_pydatetime(), b.to_pydatetime()) for a, b in spec.down)
        total = sum((b - a for a, b in gaps), timedelta(0))
        uptime = Uptime(start, last, timedelta(minutes=5), 1000, total, gaps)
    return RunRecords(run, spec.config, spec.clock, spec.interval_seconds, rec, book,
                      tuple(spec.orders), tuple(spec.events), uptime, spec.benchmark,
                      "SP500 from the test" if spec.benchmark is not None else "none")  # fmt: skip


def event(ts: pd.Timestamp, kind: str, severity: str, message: str = "") -> EventView:
    """A stored event."""
    return EventView(0, 1, ts.to_pydatetime(), kind, severity, message or kind, None)


def decision(
    ts: pd.Timestamp, regime: str, method: str, targets: Sequence[float],
    orders: Sequence[OrderRecord] = (), fallback: str | None = None,
) -> Decision:  # fmt: skip
    """A rebalance decision."""
    return Decision(ts.to_pydatetime(), regime, 0.9, method, ("drift",), tuple(targets),
                    tuple(orders), CAPITAL, CAPITAL, fallback)  # fmt: skip


def order(
    ts: pd.Timestamp, symbol: str, qty: float, filled: float, status: OrderStatus,
    reason: str = "rebalance",
) -> StoredOrder:  # fmt: skip
    """A stored order and how much of it filled."""
    request = OrderRequest(ClientOrderId(f"o-{ts:%m%d}-{symbol}"), Symbol(symbol), Side.BUY, qty,
                           ts.to_pydatetime(), OrderType.MARKET, None, reason)  # fmt: skip
    return StoredOrder(request, 1, status, filled, 100.0 if filled else 0.0, None, "",
                       ts.to_pydatetime(), ts.to_pydatetime())  # fmt: skip


def rising(n: int, daily: float = 0.002, wobble: float = 0.0005) -> list[float]:
    """An equity path rising ``daily`` a session with a small alternating wobble (Sharpe high)."""
    r = [daily + (wobble if i % 2 else -wobble) for i in range(n)]
    return list(CAPITAL * np.cumprod(1 + np.asarray(r)))


def at(day: pd.Timestamp, hours: float) -> datetime:
    """``day`` plus ``hours``."""
    return (day + timedelta(hours=hours)).to_pydatetime()


READY_THRESHOLDS: dict[str, Any] = {"readiness": {"paper": {"max_missed_cycles": 100}}}
"""Configuration under whose paper thresholds :func:`ready_spec` is READY (a replay's cycles are
one a session, so the wall clock's hourly slots do not count)."""


def ready_spec(config: TradewindConfig | None = None) -> RunSpec:
    """A paper run that passes every paper criterion under :data:`READY_THRESHOLDS`, having run
    with ``config`` (default: the defaults)."""
    days = sessions(25)
    plan = [OrderRecord("o1", "AAA", "buy", 100, "rebalance", 100.0, 0.0, 10.0, 0.0)]
    return RunSpec(
        rising(25),
        clock="replay",
        decisions=[decision(days[1], "BULL", "max_sharpe", [0.3, 0.3], plan)],
        fills=[
            fill(days[1], "AAA", "buy", 100, 100.0, slippage=10.0, cid="o1"),
            fill(days[3], "AAA", "sell", 100, 104.0, cid="o2"),
        ],
        orders=[order(days[1], "AAA", 100, 100, OrderStatus.FILLED)],
        config=config or validate_config({}),
    )
