"""A run's shadow: the same period replayed through the simulator with the same inputs.

The shadow runs the run's own configuration (as it recorded it) on the same market data, at
exactly the run's cycle times (so every decision sees the same bars as the run's did), from the
same starting cash, with the run's client-order-id tag, against the simulated broker and its
cost model instead of the run's broker. Where the run's broker filled every order as the
model does, the shadow repeats the run to the last cent; every difference between the two is
what reality (a paper or live broker, a crash, bad data) did differently from the model, and
:mod:`tradewind.review.divergence` attributes it.

Replays keep ``circuit_breaker.backtest_resume_sessions`` (as the run did); wall-clock runs do
not. A run that started holding positions (adopted from a broker account) has no shadow yet:
the simulator starts in cash.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from tradewind.brokers.registry import BrokerContext, make_broker
from tradewind.data import get_market_data
from tradewind.domain.errors import ConfigError, TradewindError
from tradewind.domain.market import MarketData
from tradewind.engine.cycle import Engine
from tradewind.engine.ml_views import views_for
from tradewind.engine.recorder import Recorder
from tradewind.engine.strategy import build_parts
from tradewind.risk import RiskManager
from tradewind.service.market import load_market
from tradewind.service.records import RunRecords


class ShadowUnavailable(TradewindError):
    """The run cannot be replayed through the simulator (the reason says why)."""


@dataclass(frozen=True)
class Shadow:
    """The shadow's decisions and fills, and the closes both are marked with.

    Attributes
    ----------
    recorder
        The shadow engine's bars, decisions, fills and events.
    closes
        Close prices of the run's symbols over the period (UTC bar times), for marks.
    """

    recorder: Recorder
    closes: pd.DataFrame

    def close_asof(self, symbol: str, ts: pd.Timestamp) -> float:
        """The last close of ``symbol`` at or before ``ts`` (NaN before the first)."""
        column = self.closes[symbol].dropna()
        known = column[column.index <= ts]
        return float(known.iloc[-1]) if len(known) else float("nan")


def replay_shadow(records: RunRecords, provider: MarketData | None = None) -> Shadow:
    """Replay ``records``' period through the simulator (see the module docstring).

    Raises
    ------
    ShadowUnavailable
        The run has no stored configuration or no cycle, or it started holding positions.
    """
    cfg = records.config
    if cfg is None:
        raise ShadowUnavailable(
            f"{records.label} has no stored configuration (recorded by an older tradewind): "
            "its shadow cannot be rebuilt"
        )
    if not records.recorder.ts:
        raise ShadowUnavailable(f"{records.label} has no cycle recorded yet")
    if any(q != 0 for q in _baseline_positions(records)):
        raise ShadowUnavailable(
            f"{records.label} started holding positions (adopted from the broker); the "
            "simulator starts in cash, so its shadow would not be comparable"
        )
    try:
        provider = provider or get_market_data(cfg)
    except ConfigError as exc:
        raise ShadowUnavailable(f"the run's data source is not available: {exc}") from None
    ticks = [pd.Timestamp(t) for t in records.recorder.ts]
    market = load_market(cfg, provider, ticks[0], ticks[-1])
    feed = market.feed()
    shadow_cfg = cfg.model_copy(
        update={
            "trading": cfg.trading.model_copy(update={"initial_capital": records.run.initial_cash})
        }
    )
    broker = make_broker(BrokerContext(config=shadow_cfg, feed_factory=lambda: feed), "simulated")
    resume = cfg.risk_management.circuit_breaker.backtest_resume_sessions
    risk = RiskManager.from_config(
        cfg, feed.symbols, auto_resume_sessions=resume if records.clock != "wall" else None
    )
    views = views_for(cfg, feed, provider, walk_forward=False)  # the models the run used
    parts = build_parts(cfg, feed, provider, risk, views=views)
    engine = Engine(feed, broker, parts, records.run.initial_cash, records.run.run_tag)
    for t in ticks:
        engine.step(t)
    closes = pd.DataFrame({s: market.bars[s]["close"] for s in market.bars.symbols}).sort_index()
    return Shadow(engine.recorder, closes)


def _baseline_positions(records: RunRecords) -> list[float]:
    """Quantities the run's book held before its first fill (its baseline)."""
    book = records.book
    held = book.quantity.copy()
    for f in records.recorder.fills:
        i = book.symbols.index(f.symbol)
        held[i] -= f.side.sign * f.quantity
    return [float(q) for q in held if abs(q) > 1e-9]
