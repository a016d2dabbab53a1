"""The trade planner as it was before its per-call overheads were cut (issue 28, fifth round),
kept verbatim as the general path the faster code is compared with, bit for bit.

``plan_arrays``, ``check_inputs`` and ``_desired_quantities`` are the previous
``tradewind.rebalance.planner`` functions; :class:`ReferencePlanner` is the engine's
:class:`~tradewind.engine.planner.ConfiguredPlanner` with its previous ``plan_batch``, ``scale``
and ``_cost``. Do not "improve" this file: it is the yardstick.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from tradewind.domain.arrays import FloatArray
from tradewind.domain.batches import TradeBatch
from tradewind.domain.costs import CostBreakdown, CostEstimator
from tradewind.domain.errors import BadPriceError, MissingDataError
from tradewind.domain.orders import Side
from tradewind.engine.planner import ConfiguredPlanner
from tradewind.rebalance import MarketStats, PlannerSettings
from tradewind.rebalance.planner import (
    NO_COSTS,
    RawPlan,
    SkippedTrade,
    _affordable,
    _estimate,
    _skip,
    impact_inputs,
)


def check_inputs(
    symbols: Sequence[str],
    prices: FloatArray,
    targets: FloatArray,
    missing: npt.NDArray[np.bool_] | None = None,
) -> None:
    """Raise for the first symbol (in order) without a usable price or with a bad weight."""
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(prices) & (prices > 0.0) & np.isfinite(targets) & (targets >= 0.0)
    if missing is not None:
        ok &= ~missing
    if ok.all():
        return
    k = int(np.flatnonzero(~ok)[0])
    s, p, w = symbols[k], float(prices[k]), float(targets[k])
    if missing is not None and missing[k]:
        raise MissingDataError("no price to plan a trade with", symbol=s)
    if not (math.isfinite(p) and p > 0.0):
        raise BadPriceError(f"price must be a positive number, was {p}", symbol=s)
    raise ValueError(f"target weight of {s} must be a finite number >= 0, was {w}")


def plan_arrays(
    symbols: Sequence[str],
    held: FloatArray,
    prices: FloatArray,
    cash: float,
    targets: FloatArray,
    equity: float,
    settings: PlannerSettings | None = None,
    cost_model: CostEstimator | None = None,
    market: Mapping[str, MarketStats] | None = None,
    reason: str = "rebalance",
) -> RawPlan:
    """The rules of the module docstring on aligned arrays (``symbols`` sorted, inputs checked).

    Rules 1-4 and the cost estimates are vectorised; the cash of rule 5 is spent buy by buy.
    """
    opts = settings or PlannerSettings()
    model = cost_model or NO_COSTS
    stats = market or {}
    qty, delta = _desired_quantities(held, prices, targets, equity, opts)
    skipped: list[SkippedTrade] = []
    empty = qty <= 0.0
    value = qty * prices
    small = ~empty & (value < opts.min_trade_value)
    with np.errstate(invalid="ignore"):
        tiny = empty & (delta != 0.0) & (np.abs(delta) * prices >= max(opts.min_trade_value, 1e-9))
    for k in np.flatnonzero(tiny | small).tolist():
        side = Side.BUY if delta[k] > 0 else Side.SELL
        if tiny[k]:
            size = abs(float(delta[k]))
            skipped.append(
                _skip(symbols[k], side, size, prices[k], "rounds_to_zero", "less than one share")
            )
        else:
            detail = f"{value[k]:.2f} < {opts.min_trade_value:.2f}"
            skipped.append(
                _skip(symbols[k], side, qty[k], prices[k], "below_min_trade_value", detail)
            )
    chosen = np.flatnonzero(~empty & ~small)
    chosen = chosen[np.lexsort((chosen, -qty[chosen] * prices[chosen]))]  # rule 4's order
    if opts.max_trades is not None and len(chosen) > opts.max_trades:
        detail = f"only {opts.max_trades} trades per rebalance"
        for k in chosen[opts.max_trades :].tolist():
            side = Side.BUY if delta[k] > 0 else Side.SELL
            skipped.append(_skip(symbols[k], side, qty[k], prices[k], "max_trades", detail))
        chosen = chosen[: opts.max_trades]
    q, p = qty[chosen], prices[chosen]
    vol = adv = None
    if model.impact_coefficient != 0.0:
        vol, adv = impact_inputs([symbols[k] for k in chosen.tolist()], stats)
    commission, slippage, impact, modelled = model.costs_many(q, p, vol, adv)
    total = commission + slippage + impact
    buy = delta[chosen] > 0
    sell = ~buy
    available = cash + sum((q[sell] * p[sell] - total[sell]).tolist())
    # buys take the cash in order: those that fit in full, as one running sum (added term by
    # term, as the loop below adds them), then the first that does not and every later one
    b = np.flatnonzero(buy)
    need = q[b] * p[b] + total[b]
    running = np.empty(b.size + 1)
    running[0] = available
    running[1:] = -(q[b] * p[b]) - total[b]
    before = np.add.accumulate(running)
    fits = need <= np.maximum(before[:-1], 0.0) + 1e-9
    head = int(np.argmin(fits)) if not fits.all() else b.size
    available = float(before[head])
    rows = np.concatenate((np.flatnonzero(sell), b[:head]))
    got = q[rows]
    labels = [reason] * rows.size
    more: list[tuple[int, float, CostBreakdown, str]] = []
    tail = b[head:].tolist()
    for k in tail:
        qk, pk, tk = float(q[k]), float(p[k]), float(total[k])
        room = max(available, 0.0)
        sym, i = symbols[chosen[k]], int(chosen[k])
        if qk * pk + tk <= room + 1e-9:
            take: float = qk
            cost = CostBreakdown(
                float(commission[k]), float(slippage[k]), float(impact[k]), bool(modelled[k])
            )
        else:
            take = _affordable(sym, qk, pk, room, model, stats.get(sym), opts)
            cost = _estimate(model, sym, take, pk, stats.get(sym))
        if take <= 0.0 or (take < qk and take * pk < opts.min_trade_value):
            detail = f"needs {qk * pk:.2f}, {room:.2f} available"
            skipped.append(_skip(sym, Side.BUY, qk, pk, "insufficient_cash", detail))
            continue
        more.append((i, take, cost, reason if take == qk else f"{reason} (reduced: cash)"))
        available += -(take * pk) - cost.total
    index, price = chosen[rows], p[rows]
    c_comm, c_slip, c_imp, c_mod = commission[rows], slippage[rows], impact[rows], modelled[rows]
    if more:
        more_cost = [m[2] for m in more]
        index = np.concatenate((index, np.array([m[0] for m in more], dtype=index.dtype)))
        got = np.concatenate((got, np.array([m[1] for m in more], dtype=float)))
        price = np.concatenate((price, prices[[m[0] for m in more]]))
        c_comm = np.concatenate((c_comm, np.array([c.commission for c in more_cost], dtype=float)))
        c_slip = np.concatenate((c_slip, np.array([c.slippage for c in more_cost], dtype=float)))
        c_imp = np.concatenate((c_imp, np.array([c.impact for c in more_cost], dtype=float)))
        c_mod = np.concatenate((c_mod, np.array([c.impact_modelled for c in more_cost])))
        labels += [m[3] for m in more]
    return RawPlan(
        index.astype(np.int64),
        np.arange(len(labels)) >= int(sell.sum()),
        got,
        price,
        c_comm,
        c_slip,
        c_imp,
        c_mod.astype(bool),
        labels,
        skipped,
        available,
    )


def _desired_quantities(
    held: FloatArray, prices: FloatArray, targets: FloatArray, equity: float, opts: PlannerSettings
) -> tuple[FloatArray, FloatArray]:
    """Rules 1-2: the rounded quantity toward target of every symbol, and the exact trade."""
    delta = (targets * equity - held * prices) / prices
    step = 10.0**opts.fractional_decimals if opts.fractional else 1.0
    size = np.abs(delta)
    # sells round up (never more than held): no position ends above its target
    up = np.minimum(np.ceil(size * step - 1e-9) / step + 0.0, held)
    down = np.floor(size * step + 1e-9) / step
    qty = np.where(delta < 0, up, down)
    close_out = (targets == 0.0) & (held > 0.0)
    return np.where(close_out, held, qty), delta


class ReferencePlanner(ConfiguredPlanner):
    """The engine's planner with its previous plan_batch, scale and _cost."""

    def plan_batch(
        self, quantities: FloatArray, prices: FloatArray, cash: float, target: FloatArray
    ) -> TradeBatch:
        """:meth:`plan` as a :class:`~tradewind.domain.batches.TradeBatch` (the engine's
        columnar path; no trade object is built)."""
        self._skipped = []
        safe = np.where(np.isfinite(prices), prices, 0.0)
        held = quantities * safe
        equity = cash + float(held.sum())
        if equity <= 0:
            return TradeBatch.empty(self.symbols)
        stats = self._market_stats() if not self._proportional else None
        scale = self.scale(target, held, equity, stats)
        wanted = target * scale
        relevant = (quantities != 0) | (wanted > 0)
        pick = self._by_name[relevant[self._by_name]]  # the planner works in symbol order
        names = [self.symbols[i] for i in pick.tolist()]
        price, goal = prices[pick], wanted[pick]
        check_inputs(names, price, goal)
        raw = plan_arrays(
            names,
            quantities[pick],
            price,
            cash,
            goal,
            equity,
            self.settings,
            self.costs,
            stats,
        )
        self._skipped = raw.skipped
        return TradeBatch(
            self.symbols,
            pick[raw.index].astype(np.int64),
            raw.buy,
            raw.quantity,
            raw.price,
            raw.commission,
            raw.slippage,
            raw.impact,
            raw.modelled,
            tuple(raw.label),
        )

    def scale(
        self,
        target: FloatArray,
        held: FloatArray,
        equity: float,
        stats: Mapping[str, MarketStats] | None = None,
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

    def _cost(self, trades: FloatArray, stats: Mapping[str, MarketStats] | None) -> float:
        if self._proportional:
            return self._rate * float(np.abs(trades).sum())
        prices = self.feed.last_close()
        with np.errstate(invalid="ignore"):
            trading = (trades != 0) & np.isfinite(prices) & (prices > 0)
        p = prices[trading]
        vol = adv = None
        if self.costs.impact_coefficient != 0.0:
            names = [self.symbols[i] for i in np.flatnonzero(trading)]
            vol, adv = impact_inputs(names, stats or {})
        commission, slippage, impact = self.costs.costs_many(
            np.abs(trades[trading]) / p, p, vol, adv
        )[:3]
        total = 0.0
        for cost in (commission + slippage + impact).tolist():  # in order, as one by one
            total += cost
        return total
