"""Trade planning: from holdings, prices, cash and target weights to a list of orders.

Rules, in the order they apply:

1. **Targets.** Equity ``E = cash + sum(q_i p_i)``. Each symbol's desired trade is
   ``(t_i E - q_i p_i) / p_i`` shares; a symbol held but absent from the targets has target 0.
2. **Rounding.** Whole shares by default, rounded toward *less risk*: buys down (a buy never
   buys more than its target) and sells up, never beyond the shares held (a sell never leaves a
   position above its target weight, so a position cap holds after the trade even with whole
   shares). A target of 0 sells the whole holding, fractional remainders included. With
   ``fractional=True`` quantities are rounded to ``fractional_decimals`` places instead.
3. **Minimum value.** Trades worth less than ``min_trade_value`` are skipped (recorded); a
   material trade that rounds to zero shares (a share costs more than the trade) is recorded too.
4. **Maximum count.** At most ``max_trades`` trades are kept: those with the largest
   *contribution to drift reduction*, ``|trade value| / E``, i.e. by how much each one reduces
   ``sum_i |w_i - t_i|`` (ties by symbol). Skipped trades are recorded.
5. **Sells first**, then buys. Buys spend at most the cash there is: cash plus the estimated
   proceeds of the sells (after their estimated costs), never below zero. Buys take the cash in
   the order of rule 4; a buy that does not fit is shrunk to what the cash pays for, including
   its own costs, and skipped if it then falls below the minimum value.
6. **Costs.** Every order carries its estimated :class:`~tradewind.execution.CostBreakdown`.

Prices are estimates (the last close); the broker fills at its own price, so the simulated
broker also refuses to overspend when it fills.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from tradewind.config.portfolio import RebalancingSection
from tradewind.config.trading import BrokerSection
from tradewind.domain.arrays import BoolArray, FloatArray, IntArray
from tradewind.domain.costs import ZERO_COST, CostBreakdown, CostEstimator, total_costs
from tradewind.domain.errors import BadPriceError, MissingDataError
from tradewind.domain.fastinit import fast_init
from tradewind.domain.orders import Side

SkipReason = Literal["below_min_trade_value", "rounds_to_zero", "max_trades", "insufficient_cash"]


class _NoCosts:
    """The estimator of a planner given none: every trade is free (the cost model's defaults)."""

    impact_coefficient = 0.0

    def costs(
        self,
        symbol: str,
        side: Side,
        quantity: float,
        price: float,
        *,
        daily_volatility: float | None = None,
        average_daily_volume: float | None = None,
    ) -> CostBreakdown:
        """Nothing."""
        return ZERO_COST

    def costs_many(
        self,
        quantity: FloatArray,
        price: FloatArray,
        daily_volatility: FloatArray | None = None,
        average_daily_volume: FloatArray | None = None,
    ) -> tuple[FloatArray, FloatArray, FloatArray, BoolArray]:
        """Zeros, each impact modelled (there is none)."""
        zero = 0.0 * np.abs(quantity) * price
        return zero, zero.copy(), zero.copy(), np.ones(zero.shape, dtype=bool)


NO_COSTS: CostEstimator = _NoCosts()


@dataclass(frozen=True, slots=True)
class PlannerSettings:
    """How targets become orders.

    Parameters
    ----------
    min_trade_value
        Skip trades worth less than this (USD).
    max_trades
        Keep at most this many trades per rebalance (``None``: no limit).
    fractional
        Trade fractional shares (only where the broker allows it).
    fractional_decimals
        Decimal places of fractional quantities.
    """

    min_trade_value: float = 0.0
    max_trades: int | None = None
    fractional: bool = False
    fractional_decimals: int = 9

    def __post_init__(self) -> None:
        if not self.min_trade_value >= 0.0:
            raise ValueError(f"min_trade_value must be >= 0, was {self.min_trade_value}")
        if self.max_trades is not None and self.max_trades < 1:
            raise ValueError(f"max_trades must be >= 1, was {self.max_trades}")

    @classmethod
    def from_config(
        cls, rebalancing: RebalancingSection, broker: BrokerSection | None = None
    ) -> PlannerSettings:
        """Settings from ``rebalancing`` and the broker's ``fractional_shares``."""
        return cls(
            min_trade_value=rebalancing.min_trade_value,
            max_trades=rebalancing.max_trades_per_rebalance,
            fractional=broker.fractional_shares if broker is not None else False,
        )


@dataclass(frozen=True, slots=True)
class MarketStats:
    """Inputs of the impact model for one symbol (``None`` when unknown)."""

    daily_volatility: float | None = None
    average_daily_volume: float | None = None


@dataclass(frozen=True, slots=True)
class PlannedOrder:
    """One order of the plan.

    Attributes
    ----------
    symbol, side, quantity
        What to trade (quantity positive).
    est_price
        Price the plan assumed.
    est_cost
        Estimated costs.
    reason
        Why it is in the plan (``rebalance``, ``rebalance (reduced: cash)``, ...).
    drift_reduction
        ``|value| / equity``: how much it reduces ``sum_i |w_i - t_i|``.
    """

    symbol: str
    side: Side
    quantity: float
    est_price: float
    est_cost: CostBreakdown
    reason: str = "rebalance"
    drift_reduction: float = 0.0

    @property
    def value(self) -> float:
        """``quantity x est_price``."""
        return self.quantity * self.est_price

    @property
    def cash_delta(self) -> float:
        """Estimated change of cash: proceeds of a sell, minus cost of a buy, after costs."""
        return -self.side.sign * self.value - self.est_cost.total


@dataclass(frozen=True, slots=True)
class SkippedTrade:
    """A trade the plan wanted but did not make, and why."""

    symbol: str
    side: Side
    quantity: float
    value: float
    reason: SkipReason
    detail: str = ""


@dataclass(frozen=True)
class TradePlan:
    """Orders to send (sells first) and trades left out.

    Attributes
    ----------
    orders
        Sells, then buys.
    skipped
        Trades left out, with reasons.
    equity
        Equity the targets were applied to.
    cash_before, cash_after
        Cash now, and estimated after every order fills at its estimated price and cost.
    """

    orders: tuple[PlannedOrder, ...]
    skipped: tuple[SkippedTrade, ...]
    equity: float
    cash_before: float
    cash_after: float

    @property
    def est_cost(self) -> CostBreakdown:
        """Estimated costs of all orders."""
        return total_costs(o.est_cost for o in self.orders)

    @property
    def turnover(self) -> float:
        """Traded value (buys + sells) over equity."""
        return sum(o.value for o in self.orders) / self.equity if self.equity > 0 else 0.0


@fast_init
@dataclass(frozen=True, slots=True)
class RawPlan:
    """A plan as aligned columns over its orders (sells first), indexing the planner's inputs.

    What :func:`plan_arrays` returns; :func:`plan_trades` and the engine's planner each turn
    it into their own orders (objects, or the engine's trade batch).
    """

    index: IntArray
    buy: BoolArray
    quantity: FloatArray
    price: FloatArray
    commission: FloatArray
    slippage: FloatArray
    impact: FloatArray
    modelled: BoolArray
    label: list[str]
    skipped: list[SkippedTrade]
    cash_after: float

    @property
    def side(self) -> list[Side]:
        """Each order's side."""
        return [Side.BUY if b else Side.SELL for b in self.buy.tolist()]

    @property
    def cost(self) -> list[CostBreakdown]:
        """Each order's estimated costs."""
        return _breakdowns(self.commission, self.slippage, self.impact, self.modelled)


def plan_trades(
    holdings: Mapping[str, float],
    prices: Mapping[str, float],
    cash: float,
    target_weights: Mapping[str, float],
    *,
    equity: float | None = None,
    settings: PlannerSettings | None = None,
    cost_model: CostEstimator | None = None,
    market: Mapping[str, MarketStats] | None = None,
    reason: str = "rebalance",
) -> TradePlan:
    """Orders that move ``holdings`` toward ``target_weights`` (rules in the module docstring).

    Parameters
    ----------
    holdings
        Shares held by symbol.
    prices
        Estimated execution price by symbol (every held or targeted symbol needs one).
    cash
        Cash in USD.
    target_weights
        Target fraction of equity by symbol; the rest is cash.
    equity
        Equity to apply the weights to; ``cash + holdings value`` when ``None``.
    settings
        Rounding, minimum value, maximum count.
    cost_model
        Estimates each order's costs (zero costs when ``None``).
    market
        Volatility and volume per symbol for the impact model.
    reason
        Label of the orders.

    Raises
    ------
    MissingDataError, BadPriceError
        If a needed price is missing, or not a positive finite number.
    ValueError
        On negative or non-finite target weights.
    """
    symbols = sorted({s for s, q in holdings.items() if q != 0.0} | set(target_weights))
    missing = np.array([s not in prices for s in symbols], dtype=bool)
    price = np.array([float(prices[s]) if s in prices else np.nan for s in symbols])
    target = np.array([float(target_weights.get(s, 0.0)) for s in symbols])
    check_inputs(symbols, price, target, missing)
    if equity is None:
        held_value = sum(float(q) * float(prices[s]) for s, q in holdings.items() if q != 0.0)
        equity = cash + held_value
    held = np.array([float(holdings.get(s, 0.0)) for s in symbols])
    raw = plan_arrays(
        symbols, held, price, cash, target, equity, settings, cost_model, market, reason
    )
    columns = (raw.index.tolist(), raw.side, raw.quantity.tolist(), raw.price.tolist())
    orders = tuple(
        PlannedOrder(symbols[i], side, q, p, c, label, q * p / equity if equity > 0 else 0.0)
        for i, side, q, p, c, label in zip(*columns, raw.cost, raw.label, strict=True)
    )
    return TradePlan(orders, tuple(raw.skipped), equity, cash, raw.cash_after)


def check_inputs(
    symbols: Sequence[str],
    prices: FloatArray,
    targets: FloatArray,
    missing: npt.NDArray[np.bool_] | None = None,
) -> None:
    """Raise for the first symbol (in order) without a usable price or with a bad weight."""
    n = len(prices)
    fine = (  # NaN compares False (quietly): every test fails on it
        np.count_nonzero(prices > 0.0) == n
        and np.count_nonzero(prices < math.inf) == n
        and np.count_nonzero(targets >= 0.0) == n
        and np.count_nonzero(targets < math.inf) == n
    )
    if fine and (missing is None or not np.count_nonzero(missing)):
        return
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(prices) & (prices > 0.0) & np.isfinite(targets) & (targets >= 0.0)
    if missing is not None:
        ok &= ~missing
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
    value = qty * prices
    empty = qty <= 0.0
    small = value < opts.min_trade_value
    if not np.count_nonzero(empty) and not np.count_nonzero(small):
        skipped: list[SkippedTrade] = []  # every symbol trades (the usual rebalance)
        chosen = np.arange(len(qty))
    else:
        small &= ~empty
        skipped = _too_small(symbols, qty, delta, prices, value, empty, small, opts)
        chosen = (~(empty | small)).nonzero()[0]
    wants_buy = delta > 0
    if opts.max_trades is not None and len(chosen) > opts.max_trades:
        ranked = chosen[np.lexsort((chosen, -value[chosen]))]  # rule 4's order
        detail = f"only {opts.max_trades} trades per rebalance"
        for k in ranked[opts.max_trades :].tolist():
            side = Side.BUY if delta[k] > 0 else Side.SELL
            skipped.append(_skip(symbols[k], side, qty[k], prices[k], "max_trades", detail))
        ranked = ranked[: opts.max_trades]
        order = ranked[np.argsort(wants_buy[ranked], kind="stable")]
    elif len(chosen) == len(qty):  # every symbol trades: positions are the indices
        order = np.lexsort((-value, wants_buy))  # (a stable sort: ties stay in symbol order)
    else:  # sells first, each side in rule 4's order, in one sort
        order = chosen[np.lexsort((chosen, -value[chosen], wants_buy[chosen]))]
    q, p, buy = qty[order], prices[order], wants_buy[order]
    vol = adv = None
    if model.impact_coefficient != 0.0:
        vol, adv = impact_inputs([symbols[k] for k in order.tolist()], stats)
    commission, slippage, impact, modelled = model.costs_many(q, p, vol, adv)
    total = commission + slippage + impact
    worth = q * p
    sells = len(order) - int(np.count_nonzero(buy))
    available = cash + sum((worth[:sells] - total[:sells]).tolist())
    # buys take the cash in order: those that fit in full, as one running sum (added term by
    # term, as the loop below adds them), then the first that does not and every later one
    need = worth[sells:] + total[sells:]
    running = np.empty(need.size + 1)
    running[0] = available
    np.negative(worth[sells:], out=running[1:])
    running[1:] -= total[sells:]  # -(q x p) - cost, as the loop below subtracts
    before = np.add.accumulate(running)
    fits = need <= np.maximum(before[:-1], 0.0) + 1e-9
    head = need.size if np.count_nonzero(fits) == need.size else int(np.argmin(fits))
    available = float(before[head])
    rows = sells + head
    labels = [reason] * rows
    more: list[tuple[int, float, CostBreakdown, str]] = []
    for k in range(rows, len(order)):
        qk, pk, tk = float(q[k]), float(p[k]), float(total[k])
        room = max(available, 0.0)
        i = int(order[k])
        sym = symbols[i]
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
    index, got, price, is_buy = order[:rows], q[:rows], p[:rows], buy[:rows]
    c_comm, c_slip, c_imp = commission[:rows], slippage[:rows], impact[:rows]
    c_mod = modelled[:rows]
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
        is_buy = np.arange(len(labels)) >= sells
    return RawPlan(
        index.astype(np.int64, copy=False),
        is_buy,
        got,
        price,
        c_comm,
        c_slip,
        c_imp,
        c_mod.astype(bool, copy=False),
        labels,
        skipped,
        available,
    )


def _too_small(
    symbols: Sequence[str],
    qty: FloatArray,
    delta: FloatArray,
    prices: FloatArray,
    value: FloatArray,
    empty: BoolArray,
    small: BoolArray,
    opts: PlannerSettings,
) -> list[SkippedTrade]:
    """Rule 3's skipped trades, in symbol order: below the minimum value, or rounding to zero."""
    skipped: list[SkippedTrade] = []
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
    return skipped


def _breakdowns(
    commission: FloatArray, slippage: FloatArray, impact: FloatArray, modelled: BoolArray
) -> list[CostBreakdown]:
    parts = (commission.tolist(), slippage.tolist(), impact.tolist(), modelled.tolist())
    return [CostBreakdown(c, s, i, m) for c, s, i, m in zip(*parts, strict=True)]


def _desired_quantities(
    held: FloatArray, prices: FloatArray, targets: FloatArray, equity: float, opts: PlannerSettings
) -> tuple[FloatArray, FloatArray]:
    """Rules 1-2: the rounded quantity toward target of every symbol, and the exact trade."""
    delta = (targets * equity - held * prices) / prices
    # Buys round |delta| down: floor(|delta| x step + 1e-9) / step. Sells round it up, and
    # ceil(|delta| x step - 1e-9) = -floor(delta x step + 1e-9) exactly when delta < 0 (the
    # rounding is symmetric in sign), so one floor serves both sides (x step and / step are
    # left out for whole shares, where they are exact).
    if opts.fractional:
        step = 10.0**opts.fractional_decimals
        down = np.floor(delta * step + 1e-9)
        down /= step
    else:
        down = np.floor(delta + 1e-9)
    # sells round up (never more than held): no position ends above its target
    up = np.subtract(0.0, down)  # -down + 0.0 (a -0.0 becomes 0.0)
    np.minimum(up, held, out=up)
    np.copyto(down, up, where=delta < 0)
    if np.count_nonzero(targets) != len(targets):  # (no zero target: nothing to close out)
        np.copyto(down, held, where=(targets == 0.0) & (held > 0.0))  # a zero target closes out
    return down, delta


def impact_inputs(
    symbols: Sequence[str], stats: Mapping[str, MarketStats]
) -> tuple[FloatArray, FloatArray]:
    """Volatility and volume per symbol for :meth:`CostModel.costs_many` (NaN when unknown)."""
    none = MarketStats()
    found = [stats.get(s, none) for s in symbols]
    nan = float("nan")
    vol = [nan if st.daily_volatility is None else st.daily_volatility for st in found]
    adv = [nan if st.average_daily_volume is None else st.average_daily_volume for st in found]
    return np.array(vol, dtype=float), np.array(adv, dtype=float)


def _skip(
    symbol: str, side: Side, quantity: float, price: float, reason: SkipReason, detail: str
) -> SkippedTrade:
    q, p = float(quantity), float(price)
    return SkippedTrade(symbol, side, q, q * p, reason, detail)


def _round_quantity(quantity: float, opts: PlannerSettings, *, up: bool = False) -> float:
    """Round down (``up``: up) to whole shares, or to ``fractional_decimals`` places."""
    step = 10.0**opts.fractional_decimals if opts.fractional else 1.0
    if up:
        return math.ceil(quantity * step - 1e-9) / step
    return math.floor(quantity * step + 1e-9) / step


def _estimate(
    model: CostEstimator, symbol: str, quantity: float, price: float, stats: MarketStats | None
) -> CostBreakdown:
    st = stats or MarketStats()
    return model.costs(
        symbol,
        Side.BUY,
        quantity,
        price,
        daily_volatility=st.daily_volatility,
        average_daily_volume=st.average_daily_volume,
    )


def _affordable(
    symbol: str,
    quantity: float,
    price: float,
    cash: float,
    model: CostEstimator,
    stats: MarketStats | None,
    opts: PlannerSettings,
) -> float:
    """The largest buy up to ``quantity`` whose value plus costs fits in ``cash``."""

    def need(q: float) -> float:
        cost = _estimate(model, symbol, q, price, stats) if q > 0 else ZERO_COST
        return q * price + cost.total

    if need(quantity) <= cash + 1e-9:
        return quantity
    lo, hi = 0.0, quantity  # need() increases with q: bisect, then round toward zero
    for _ in range(60):
        mid = (lo + hi) / 2.0
        lo, hi = (mid, hi) if need(mid) <= cash else (lo, mid)
    q = _round_quantity(lo, opts)
    step = 10.0**-opts.fractional_decimals if opts.fractional else 1.0
    while q > 0.0 and need(q) > cash + 1e-9:  # rounding of the last step
        q = _round_quantity(q - step, opts)
    return max(q, 0.0)
