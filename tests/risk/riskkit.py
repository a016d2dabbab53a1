"""Hand-built parts for the risk tests: bars from lists, a zero-cost model, simple engine parts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
import pandas as pd

from tradewind.brokers.sim import SimulatedBroker
from tradewind.config import CommissionSection
from tradewind.domain import ClientOrderId, Fill, Regime, Side, Symbol
from tradewind.domain.arrays import FloatArray
from tradewind.domain.costs import CostBreakdown
from tradewind.domain.market import BarSet
from tradewind.domain.plans import PlannedTrade, Policy, RegimeReading, TargetDecision
from tradewind.engine.cycle import Engine, EngineParts
from tradewind.engine.feed import MarketFeed
from tradewind.engine.protocols import RebalanceTrigger, RiskHook, TargetModel
from tradewind.execution.costs import CostModel

POLICY = Policy("equal", max_position_size=0.30, max_portfolio_risk=0.80, cash_buffer=0.0)


def stamps(n: int, start: str = "2024-01-02") -> pd.DatetimeIndex:
    """``n`` business-day bar stamps at 21:00 UTC (the NYSE close in winter)."""
    days = pd.bdate_range(start, periods=n)
    return pd.DatetimeIndex(days + pd.Timedelta(hours=21), name="timestamp").tz_localize("UTC")


def bars(
    closes: dict[str, Sequence[float]],
    *,
    lows: dict[str, Sequence[float]] | None = None,
    highs: dict[str, Sequence[float]] | None = None,
    opens: dict[str, Sequence[float]] | None = None,
    derived: bool = False,
    start: str = "2024-01-02",
) -> BarSet:
    """Bars from close lists; open = previous close, high/low bracket open and close unless given.

    ``derived`` flags every symbol as close-only (stops then trigger on closes).
    """
    frames = {}
    for sym, cl in closes.items():
        c = np.asarray(cl, dtype=float)
        o = np.r_[c[0], c[:-1]] if opens is None or sym not in opens else np.asarray(opens[sym])
        h = np.maximum(o, c) if highs is None or sym not in highs else np.asarray(highs[sym])
        lo = np.minimum(o, c) if lows is None or sym not in lows else np.asarray(lows[sym])
        frames[sym] = pd.DataFrame(
            {"open": o, "high": h, "low": lo, "close": c, "volume": np.full(len(c), 1e6)},
            index=stamps(len(c), start),
        )
    flagged = frozenset(closes) if derived else frozenset()
    return BarSet(frames, derived_ohlc=flagged, source="test")


def fill(sym: str, side: Side, qty: float, price: float, ts: datetime | None = None) -> Fill:
    """A cost-free fill."""
    when = ts or datetime.fromisoformat("2024-01-02T21:00:00+00:00")
    return Fill(ClientOrderId(f"t-{sym}-{side}-{qty}"), Symbol(sym), side, qty, price, when)


class AlwaysBull:
    """A regime hook that always reads BULL."""

    def update(self, feed: MarketFeed) -> RegimeReading:
        return RegimeReading(Regime.BULL, 1.0, {})


class EqualWeight:
    """Equal weights over every symbol with a price, up to the policy's caps."""

    history_rows = 1

    def targets(
        self,
        feed: MarketFeed,
        policy: Policy,
        current: FloatArray,
        exclude: frozenset[str] = frozenset(),
    ) -> TargetDecision:
        prices = feed.last_close()
        ok = np.isfinite(prices)
        n = max(int(ok.sum()), 1)
        w = min(policy.invested_fraction / n, policy.max_position_size)
        return TargetDecision(np.where(ok, w, 0.0), "equal")


class DriftTrigger:
    """Rebalance when any weight is more than ``band`` from its target."""

    def __init__(self, band: float = 0.05) -> None:
        self.band = band

    def reasons(
        self, t: pd.Timestamp, current: FloatArray, target: FloatArray | None, *regime: object
    ) -> list[str]:
        if target is None or np.max(np.abs(current - target)) > self.band:
            return ["drift"]
        return []


class EverySession:
    """Rebalance at every bar (a daily calendar): re-entries after a stop happen here."""

    def reasons(
        self, t: pd.Timestamp, current: FloatArray, target: FloatArray | None, *regime: object
    ) -> list[str]:
        return ["calendar: every session"]


class SimplePlanner:
    """Moves each weight to its target with one order per symbol (sells first), with costs
    estimated by ``costs`` (none when None)."""

    def __init__(
        self, symbols: Sequence[str], min_value: float = 1.0, costs: CostModel | None = None
    ) -> None:
        self.symbols = tuple(symbols)
        self.min_value = min_value
        self.costs = costs

    def plan(
        self, quantities: FloatArray, prices: FloatArray, cash: float, target: FloatArray
    ) -> list[PlannedTrade]:
        px = np.nan_to_num(prices)
        equity = cash + float(quantities @ px)
        trades = []
        for i, sym in enumerate(self.symbols):
            if px[i] <= 0:
                continue
            delta = target[i] * equity / px[i] - quantities[i]
            if abs(delta) * px[i] < self.min_value:
                continue
            side = Side.BUY if delta > 0 else Side.SELL
            qty, price = abs(float(delta)), float(px[i])
            est = self.costs.costs(sym, side, qty, price) if self.costs else CostBreakdown()
            trades.append(PlannedTrade(sym, side, qty, price, est))
        return sorted(trades, key=lambda tr: tr.side is Side.BUY)

    def skipped(self) -> list[str]:
        return []  # trades under min_value are dropped without a note

    def capped(self) -> int:
        return 0  # no cap on trades per rebalance

    def estimate(self, trades: list[PlannedTrade]) -> list[PlannedTrade]:
        if self.costs is None:
            return trades
        return [
            PlannedTrade(t.symbol, t.side, t.quantity, t.price,
                         self.costs.costs(t.symbol, t.side, t.quantity, t.price), t.reason)
            for t in trades
        ]  # fmt: skip


def make_engine(
    barset: BarSet,
    risk: RiskHook,
    *,
    cash: float = 100_000.0,
    band: float = 0.05,
    costs: CostModel | None = None,
    fill_price: str = "close",
    targets: TargetModel | None = None,
    policy: Policy = POLICY,
    fractional: bool = True,
    trigger: RebalanceTrigger | None = None,
) -> Engine:
    """An engine over ``barset``: equal weights (or ``targets``), a drift trigger (or
    ``trigger``), ``risk``."""
    feed = MarketFeed(barset)
    model = costs or ZeroCosts()
    broker = SimulatedBroker(
        feed, model, cash, fill_price=fill_price, fractional=fractional, use_impact_inputs=False
    )
    parts = EngineParts(
        target_model=targets or EqualWeight(),
        trigger=trigger or DriftTrigger(band),
        planner=SimplePlanner(feed.symbols, costs=model),
        regime=AlwaysBull(),
        risk=risk,
        policy=lambda _reading: policy,
    )
    return Engine(feed, broker, parts, cash, "test")


def ZeroCosts() -> CostModel:  # noqa: N802 - reads like the class it builds
    """No commission, slippage or impact (the cost model's defaults)."""
    return CostModel()


def FlatCosts() -> CostModel:  # noqa: N802
    """10 bps slippage and $1 commission per order."""
    return CostModel(commission=CommissionSection(per_order=1.0), slippage_pct=0.001)
