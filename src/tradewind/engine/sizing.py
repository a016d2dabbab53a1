"""Turn target weights into trades: self-financing sizing, then the configured trade planner.

Sizing: with ``E`` the equity before trading and weights ``w`` summing to ``W``, the planner
targets ``w_i x c x E``, where ``c = min(1, (E - cost(c)) / (W E))`` is the largest scale whose
trades, costs included, fit in the portfolio. When the cash outside the targets covers the costs
``c`` is 1; a fully invested target (``W = 1``) gives the self-financing fixed point of
``shared/BENCH_TASKS.md`` (``c = 1 - rate x sum |w_i c - d_i|`` for proportional costs), so
"never spend cash that is not there" holds exactly instead of by trimming the last buy.
"""

from __future__ import annotations

import numpy as np

from tradewind.config import TradewindConfig
from tradewind.domain.orders import Side
from tradewind.engine.feed import MarketFeed
from tradewind.engine.protocols import FloatArray, PlannedTrade
from tradewind.execution.costs import CostModel
from tradewind.rebalance import MarketStats, PlannerSettings, plan_trades

IMPACT_WINDOW = 20
"""Bars used for the daily volatility and average volume of the impact model."""


class ConfiguredPlanner:
    """The engine's trade planner: sizing (module docstring) plus ``rebalance.plan_trades``."""

    def __init__(self, cfg: TradewindConfig, feed: MarketFeed, costs: CostModel) -> None:
        self.feed = feed
        self.symbols = feed.symbols
        self.costs = costs
        self.settings = PlannerSettings.from_config(
            cfg.portfolio_optimization.rebalancing, cfg.broker
        )
        commission = cfg.execution.commission
        self._proportional = costs.impact_coefficient == 0.0 and (
            commission.per_order == commission.per_share == commission.minimum == 0.0
        )
        self._rate = costs.slippage_pct + commission.pct_of_value

    def plan(
        self, quantities: FloatArray, prices: FloatArray, cash: float, target: FloatArray
    ) -> list[PlannedTrade]:
        """Trades toward ``target`` (sells first), sized so cash never goes negative."""
        safe = np.where(np.isfinite(prices), prices, 0.0)
        held = quantities * safe
        equity = cash + float(held.sum())
        if equity <= 0:
            return []
        stats = self._market_stats() if not self._proportional else None
        scale = self.scale(target, held, equity, stats)
        wanted = target * scale
        relevant = (quantities != 0) | (wanted > 0)
        plan = plan_trades(
            {s: float(q) for s, q, r in zip(self.symbols, quantities, relevant, strict=True) if r},
            {s: float(p) for s, p, r in zip(self.symbols, prices, relevant, strict=True) if r},
            cash,
            {s: float(w) for s, w, r in zip(self.symbols, wanted, relevant, strict=True) if r},
            equity=equity,
            settings=self.settings,
            cost_model=self.costs,
            market=stats,
        )
        return [
            PlannedTrade(o.symbol, o.side, o.quantity, o.est_price, o.est_cost, o.reason)
            for o in plan.orders
        ]

    def scale(
        self,
        target: FloatArray,
        held: FloatArray,
        equity: float,
        stats: dict[str, MarketStats] | None = None,
    ) -> float:
        """The sizing scale ``c`` of the module docstring (iterated to a fixed point)."""
        invested = float(target.sum())
        if invested <= 0:
            return 1.0
        c = 1.0
        for _ in range(60):
            trades = target * c * equity - held
            cost = self._cost(trades, stats)
            nxt = min(1.0, (equity - cost) / (invested * equity))
            if abs(nxt - c) <= 1e-15:
                return nxt
            c = nxt
        return c

    def _cost(self, trades: FloatArray, stats: dict[str, MarketStats] | None) -> float:
        if self._proportional:
            return self._rate * float(np.abs(trades).sum())
        prices = self.feed.last_close()
        total = 0.0
        for i, value in enumerate(trades):
            if value == 0 or not np.isfinite(prices[i]) or prices[i] <= 0:
                continue
            st = (stats or {}).get(self.symbols[i], MarketStats())
            qty = abs(value) / prices[i]
            total += self.costs.costs(
                self.symbols[i],
                _side(value),
                qty,
                float(prices[i]),
                daily_volatility=st.daily_volatility,
                average_daily_volume=st.average_daily_volume,
            ).total
        return total

    def _market_stats(self) -> dict[str, MarketStats]:
        closes = self.feed.window(IMPACT_WINDOW + 1)
        volume = self.feed.window(IMPACT_WINDOW, "volume")
        with np.errstate(invalid="ignore", divide="ignore"):
            rets = np.diff(np.log(closes), axis=0)
        out: dict[str, MarketStats] = {}
        for i, s in enumerate(self.symbols):
            r = rets[:, i][np.isfinite(rets[:, i])]
            v = volume[:, i][np.isfinite(volume[:, i])]
            out[s] = MarketStats(
                float(np.std(r, ddof=1)) if len(r) > 2 else None,
                float(v.mean()) if len(v) else None,
            )
        return out


def _side(value: float) -> Side:
    return Side.BUY if value > 0 else Side.SELL
