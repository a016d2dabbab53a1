"""Turn target weights into trades: self-financing sizing, then the configured trade planner.

Sizing: with ``E`` the equity before trading and weights ``w`` summing to ``W``, the planner
targets ``w_i x c x E``, where ``c = min(1, (E - cost(c)) / (W E))`` is the largest scale whose
trades, costs included, fit in the portfolio. When the cash outside the targets covers the costs
``c`` is 1; a fully invested target (``W = 1``) gives the self-financing fixed point of
``shared/BENCH_TASKS.md`` (``c = 1 - rate x sum |w_i c - d_i|`` for proportional costs), so
"never spend cash that is not there" holds exactly instead of by trimming the last buy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from tradewind.config import TradewindConfig
from tradewind.domain.arrays import FloatArray
from tradewind.domain.batches import TradeBatch
from tradewind.domain.plans import PlannedTrade
from tradewind.engine.feed import MarketFeed
from tradewind.execution.costs import CostModel
from tradewind.rebalance import MarketStats, PlannerSettings
from tradewind.rebalance.market_stats import StatsTable
from tradewind.rebalance.planner import SkippedTrade, check_inputs, impact_inputs, plan_arrays

IMPACT_WINDOW = 20
"""Bars used for the daily volatility and average volume of the impact model."""


class ConfiguredPlanner:
    """The engine's trade planner: sizing (module docstring) plus the rules of
    ``rebalance.plan_trades`` (:func:`~tradewind.rebalance.planner.plan_arrays`, on arrays)."""

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
        by_name = sorted(range(len(self.symbols)), key=self.symbols.__getitem__)
        self._by_name = np.array(by_name, dtype=np.intp)
        self._names = [self.symbols[i] for i in by_name]  # every symbol, in symbol order
        self._sorted = by_name == list(range(len(by_name)))  # the symbols are in symbol order
        self._skipped: list[SkippedTrade] = []

    def plan(
        self, quantities: FloatArray, prices: FloatArray, cash: float, target: FloatArray
    ) -> list[PlannedTrade]:
        """Trades toward ``target`` (sells first), sized so cash never goes negative."""
        return self.plan_batch(quantities, prices, cash, target).trades()

    def plan_batch(
        self, quantities: FloatArray, prices: FloatArray, cash: float, target: FloatArray
    ) -> TradeBatch:
        """:meth:`plan` as a :class:`~tradewind.domain.batches.TradeBatch` (the engine's
        columnar path; no trade object is built)."""
        self._skipped = []
        held = quantities * prices
        value = float(np.add.reduce(held))  # held.sum() without its Python wrapper
        if not math.isfinite(value):  # a price is missing (a finite sum has every price)
            held = quantities * np.where(np.isfinite(prices), prices, 0.0)
            value = float(np.add.reduce(held))
        equity = cash + value
        if equity <= 0:
            return TradeBatch.empty(self.symbols)
        stats = self._market_stats() if not self._proportional else None
        scale = self.scale(target, held, equity, stats)
        wanted = target * scale
        relevant = (quantities != 0) | (wanted > 0)
        every = np.count_nonzero(relevant) == len(relevant)
        if every and self._sorted:  # every symbol, already in symbol order: no reindexing
            pick, names = None, self._names
            price, goal, held_now = prices, wanted, quantities
        else:
            if every:  # every symbol (names built once)
                pick, names = self._by_name, self._names
            else:
                pick = self._by_name[relevant[self._by_name]]  # the planner works in symbol order
                names = [self.symbols[i] for i in pick.tolist()]
            price, goal, held_now = prices[pick], wanted[pick], quantities[pick]
        check_inputs(names, price, goal)
        raw = plan_arrays(
            names, held_now, price, cash, goal, equity, self.settings, self.costs, stats
        )
        self._skipped = raw.skipped
        column = raw.index if pick is None else pick[raw.index].astype(np.int64, copy=False)
        return TradeBatch(
            self.symbols,
            column,
            raw.buy,
            raw.quantity,
            raw.price,
            raw.commission,
            raw.slippage,
            raw.impact,
            raw.modelled,
            tuple(raw.label),
        )

    def skipped(self) -> list[str]:
        """The trades the last plan left out, as decision-log notes (rules 3-5 of the planner):
        ``skipped buy 2 XOM ($190.40): below_min_trade_value (190.40 < 200.00)``."""
        return [
            f"skipped {s.side.value} {s.quantity:g} {s.symbol} (${s.value:,.2f}): {s.reason}"
            + (f" ({s.detail})" if s.detail else "")
            for s in self._skipped
        ]

    def capped(self) -> int:
        """How many trades the last plan left out because of ``max_trades_per_rebalance``."""
        return sum(1 for s in self._skipped if s.reason == "max_trades")

    def estimate(self, trades: list[PlannedTrade]) -> list[PlannedTrade]:
        """``trades`` (risk exits, decided without costs) with the cost model's estimate, the
        impact from the same market statistics the plan uses."""
        if not trades:
            return trades
        stats = self._market_stats() if self.costs.impact_coefficient != 0.0 else {}
        out = []
        for tr in trades:
            market = stats.get(tr.symbol, MarketStats())
            est = self.costs.costs(
                tr.symbol,
                tr.side,
                tr.quantity,
                tr.price,
                daily_volatility=market.daily_volatility,
                average_daily_volume=market.average_daily_volume,
            )
            out.append(PlannedTrade(tr.symbol, tr.side, tr.quantity, tr.price, est, tr.reason))
        return out

    def scale(
        self,
        target: FloatArray,
        held: FloatArray,
        equity: float,
        stats: Mapping[str, MarketStats] | None = None,
    ) -> float:
        """The sizing scale ``c`` of the module docstring (iterated to a fixed point)."""
        invested = float(np.add.reduce(target))
        if invested <= 0:
            return 1.0
        c = 1.0
        rate = self._rate if self._proportional else None
        for _ in range(60):
            sizes = target * c
            sizes *= equity
            sizes -= held
            # |target * c * equity - held| (the same operations, in place on one array)
            np.abs(sizes, out=sizes)
            if rate is not None:  # _cost's proportional case, without its call
                cost = rate * float(np.add.reduce(sizes))
            else:
                cost = self._cost(sizes, stats)
            nxt = min(1.0, (equity - cost) / (invested * equity))
            if abs(nxt - c) <= 1e-15:
                return nxt
            c = nxt
        return c

    def _cost(self, sizes: FloatArray, stats: Mapping[str, MarketStats] | None) -> float:
        """The estimated cost of trades of value ``sizes`` (absolute) in every symbol."""
        if self._proportional:
            return self._rate * float(np.add.reduce(sizes))  # sizes.sum(), without its wrapper
        prices = self.feed.last_close()
        with np.errstate(invalid="ignore"):
            trading = (sizes != 0) & np.isfinite(prices) & (prices > 0)
        p = prices[trading]
        vol = adv = None
        if self.costs.impact_coefficient != 0.0:
            names = [self.symbols[i] for i in np.flatnonzero(trading)]
            vol, adv = impact_inputs(names, stats or {})
        commission, slippage, impact = self.costs.costs_many(sizes[trading] / p, p, vol, adv)[:3]
        total = 0.0
        for cost in (commission + slippage + impact).tolist():  # in order, as one by one
            total += cost
        return total

    def _market_stats(self) -> Mapping[str, MarketStats]:
        """Volatility and volume of every symbol over the impact window (one vectorised pass)."""
        closes = self.feed.window(IMPACT_WINDOW + 1)
        volume = self.feed.window(IMPACT_WINDOW, "volume")
        return StatsTable.of(self.symbols, closes, volume)
