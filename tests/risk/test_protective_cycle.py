"""The engine's cycle invests what the protective policy allows at the regime's confidence."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from riskkit import EqualWeight, EverySession, SimplePlanner, ZeroCosts, bars

from tradewind.brokers.sim import SimulatedBroker
from tradewind.config import validate_config
from tradewind.domain import Regime
from tradewind.domain.plans import RegimeReading
from tradewind.engine.cycle import Engine, EngineParts
from tradewind.engine.feed import MarketFeed
from tradewind.engine.strategy import policy_resolver
from tradewind.risk import RiskManager


class _Bear:
    """A detector reading BEAR with a fixed confidence."""

    def __init__(self, confidence: float) -> None:
        self.confidence = confidence

    def update(self, feed: MarketFeed) -> RegimeReading:
        return RegimeReading(Regime.BEAR, self.confidence, {})


@pytest.mark.parametrize("confidence", [0.0, 0.5, 1.0])
def test_the_cycle_invests_what_the_regime_and_confidence_allow(confidence: float) -> None:
    # Arrange: four flat stocks, equal weights, a BEAR reading; the engine's cycle resolves the
    # policy through the protective resolver.
    cfg = validate_config({"trading": {"symbols": ["AAA", "BBB", "CCC", "DDD"]}})
    closes = {s: [100.0] * 5 for s in ("AAA", "BBB", "CCC", "DDD")}
    feed = MarketFeed(bars(closes, derived=True))
    resolve = policy_resolver(cfg)
    assert resolve is not None
    parts = EngineParts(
        target_model=EqualWeight(),
        trigger=EverySession(),
        planner=SimplePlanner(feed.symbols),
        regime=_Bear(confidence),
        risk=RiskManager(feed.symbols),
        policy=resolve,
    )
    broker = SimulatedBroker(feed, ZeroCosts(), 100_000.0, use_impact_inputs=False)
    engine = Engine(feed, broker, parts, 100_000.0, "test")
    # Act
    for t in feed.index:
        engine.step(pd.Timestamp(t))
    # Assert: invested = 80% x (1 - c x 0.75); BEAR's 20% cap binds only at c = 0.
    invested = float(np.sum(engine.book.weights(feed.last_close())))
    assert invested == pytest.approx(min(0.8 * (1 - confidence * 0.75), 4 * 0.2), rel=1e-9)
