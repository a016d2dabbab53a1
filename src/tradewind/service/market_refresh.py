"""New bars for a wall-clock run: the market is reloaded before each cycle.

A wall-clock run lasts days or weeks; the bars loaded at start-up end today. Before each cycle
:class:`MarketRefresher` asks the provider again (a network provider answers from its cache and
asks the network only for the sessions the cache lacks). When the data gained a bar, the run's
market is replaced and the parts built on it are rebuilt exactly as after a crash: the broker
(the simulator replays its journal on the new feed: at the prices as traded, with the splits and
dividends the data lists, :func:`~tradewind.service.market.load_wall_market`) and the engine
(from the store). Events the
provider recorded (a fallback to another provider, a cached copy served) become alerts. A
refresh that fails keeps the old market: the data gate then blocks trading once it is stale.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

import pandas as pd

from tradewind.config import TradewindConfig
from tradewind.data.live import LiveData
from tradewind.domain.errors import DataError
from tradewind.domain.market import MarketData
from tradewind.engine.protocols import Broker
from tradewind.service.alerts import Alerter
from tradewind.service.market import RunMarket, load_wall_market
from tradewind.service.recovery import RunContext

log = logging.getLogger("tradewind.service")


@dataclass
class MarketRefresher:
    """Reloads a wall-clock run's market (see the module docstring).

    Parameters
    ----------
    cfg
        The run's configuration.
    provider
        The run's market data.
    make_broker
        Builds the run's broker on a market (the simulator reads its feed).
    alerter
        Where provider events and refresh failures go.
    """

    cfg: TradewindConfig
    provider: MarketData
    make_broker: Callable[[RunMarket], Broker]
    alerter: Alerter

    def refresh(self, ctx: RunContext, t: pd.Timestamp) -> RunContext | None:
        """A context on the reloaded market when it gained bars by ``t``; None otherwise."""
        try:
            market = load_wall_market(self.cfg, self.provider, t)
        except DataError as exc:
            self.alerter.alert("data_refresh_failed", f"market data not refreshed: {exc}")
            return None
        finally:
            self._drain(t)
        old, new = ctx.market.feed().index, market.feed().index
        if len(new) == 0 or (len(old) and new[new <= t][-1:].equals(old[old <= t][-1:])):
            return None
        log.info("new bars up to %s: market reloaded", new[new <= t][-1].isoformat())
        return replace(ctx, market=market, broker=self.make_broker(market))

    def _drain(self, t: pd.Timestamp) -> None:
        if not isinstance(self.provider, LiveData):
            return
        events = self.provider.events
        while events:
            event = events.pop(0)
            self.alerter.alert(event.kind, event.message, event.severity, ts=t.to_pydatetime())
