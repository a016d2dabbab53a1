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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from tradewind.config.portfolio import RebalancingSection
from tradewind.config.trading import BrokerSection
from tradewind.domain.errors import BadPriceError, MissingDataError
from tradewind.domain.orders import Side
from tradewind.execution.costs import ZERO_COST, CostBreakdown, CostModel, total_costs

SkipReason = Literal["below_min_trade_value", "rounds_to_zero", "max_trades", "insufficient_cash"]


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


@dataclass(slots=True)
class _Candidate:
    symbol: str
    side: Side
    quantity: float
    price: float


def plan_trades(
    holdings: Mapping[str, float],
    prices: Mapping[str, float],
    cash: float,
    target_weights: Mapping[str, float],
    *,
    equity: float | None = None,
    settings: PlannerSettings | None = None,
    cost_model: CostModel | None = None,
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
    opts = settings or PlannerSettings()
    model = cost_model or CostModel()
    stats = market or {}
    symbols = sorted({s for s, q in holdings.items() if q != 0.0} | set(target_weights))
    for s in symbols:
        _check_price(s, prices)
        w = float(target_weights.get(s, 0.0))
        if not (math.isfinite(w) and w >= 0.0):
            raise ValueError(f"target weight of {s} must be a finite number >= 0, was {w}")
    held_value = sum(float(q) * float(prices[s]) for s, q in holdings.items() if q != 0.0)
    total = cash + held_value if equity is None else equity
    candidates, skipped = _desired_trades(symbols, holdings, prices, target_weights, total, opts)
    candidates.sort(key=lambda c: (-c.quantity * c.price, c.symbol))
    if opts.max_trades is not None and len(candidates) > opts.max_trades:
        detail = f"only {opts.max_trades} trades per rebalance"
        skipped.extend(
            _skip(c, c.quantity, "max_trades", detail) for c in candidates[opts.max_trades :]
        )
        candidates = candidates[: opts.max_trades]

    def estimate(c: _Candidate, qty: float) -> CostBreakdown:
        st = stats.get(c.symbol, MarketStats())
        return model.costs(
            c.symbol,
            c.side,
            qty,
            c.price,
            daily_volatility=st.daily_volatility,
            average_daily_volume=st.average_daily_volume,
        )

    def order(c: _Candidate, qty: float, label: str) -> PlannedOrder:
        drift = qty * c.price / total if total > 0 else 0.0
        return PlannedOrder(c.symbol, c.side, qty, c.price, estimate(c, qty), label, drift)

    sells = [order(c, c.quantity, reason) for c in candidates if c.side is Side.SELL]
    available = cash + sum(o.cash_delta for o in sells)
    buys: list[PlannedOrder] = []
    for c in (c for c in candidates if c.side is Side.BUY):
        qty = _affordable(c, c.quantity, max(available, 0.0), estimate, opts)
        if qty <= 0.0 or (qty < c.quantity and qty * c.price < opts.min_trade_value):
            detail = f"needs {c.quantity * c.price:.2f}, {max(available, 0.0):.2f} available"
            skipped.append(_skip(c, c.quantity, "insufficient_cash", detail))
            continue
        buys.append(order(c, qty, reason if qty == c.quantity else f"{reason} (reduced: cash)"))
        available += buys[-1].cash_delta
    return TradePlan(tuple(sells + buys), tuple(skipped), total, cash, available)


def _desired_trades(
    symbols: list[str],
    holdings: Mapping[str, float],
    prices: Mapping[str, float],
    target_weights: Mapping[str, float],
    equity: float,
    opts: PlannerSettings,
) -> tuple[list[_Candidate], list[SkippedTrade]]:
    """Rules 1-3: rounded trades toward target, and those too small to make."""
    candidates: list[_Candidate] = []
    skipped: list[SkippedTrade] = []
    for s in symbols:
        price, held = float(prices[s]), float(holdings.get(s, 0.0))
        target = float(target_weights.get(s, 0.0))
        delta = (target * equity - held * price) / price
        c = _Candidate(s, Side.BUY if delta > 0 else Side.SELL, 0.0, price)
        if target == 0.0 and held > 0.0:
            c.quantity = held
        elif delta < 0:  # sells round up (never more than held): no position ends above target
            c.quantity = min(_round_quantity(abs(delta), opts, up=True), held)
        else:
            c.quantity = _round_quantity(abs(delta), opts)
        if c.quantity <= 0.0:
            if delta != 0.0 and abs(delta) * price >= max(opts.min_trade_value, 1e-9):
                skipped.append(_skip(c, abs(delta), "rounds_to_zero", "less than one share"))
        elif c.quantity * price < opts.min_trade_value:
            detail = f"{c.quantity * price:.2f} < {opts.min_trade_value:.2f}"
            skipped.append(_skip(c, c.quantity, "below_min_trade_value", detail))
        else:
            candidates.append(c)
    return candidates, skipped


def _skip(c: _Candidate, quantity: float, reason: SkipReason, detail: str) -> SkippedTrade:
    return SkippedTrade(c.symbol, c.side, quantity, quantity * c.price, reason, detail)


def _check_price(symbol: str, prices: Mapping[str, float]) -> None:
    if symbol not in prices:
        raise MissingDataError("no price to plan a trade with", symbol=symbol)
    p = float(prices[symbol])
    if not (math.isfinite(p) and p > 0.0):
        raise BadPriceError(f"price must be a positive number, was {p}", symbol=symbol)


def _round_quantity(quantity: float, opts: PlannerSettings, *, up: bool = False) -> float:
    """Round down (``up``: up) to whole shares, or to ``fractional_decimals`` places."""
    step = 10.0**opts.fractional_decimals if opts.fractional else 1.0
    if up:
        return math.ceil(quantity * step - 1e-9) / step
    return math.floor(quantity * step + 1e-9) / step


def _affordable(
    c: _Candidate,
    quantity: float,
    cash: float,
    estimate: Callable[[_Candidate, float], CostBreakdown],
    opts: PlannerSettings,
) -> float:
    """The largest quantity up to ``quantity`` whose value plus costs fits in ``cash``."""

    def need(q: float) -> float:
        cost = estimate(c, q) if q > 0 else ZERO_COST
        return q * c.price + cost.total

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
