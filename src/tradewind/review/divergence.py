"""Why a run ended where it did and not where its shadow backtest did, trade by trade.

Every fill adds exactly ``s * q * (p_end - P) - c`` to a run's final equity (``s`` +1 for a
buy, -1 for a sell, ``q`` shares filled at ``P`` with costs ``c``, ``p_end`` the symbol's last
close), so the run's equity minus its shadow's (:mod:`tradewind.review.shadow`, same start,
same marks) is a sum over orders. Orders are paired by decision time, symbol and side, and
each pair's difference splits exactly into:

``fill_vs_model``
    ``s * q_run * (P_market - P_run)``: the run's fill price against the market price when it
    filled (the model's own price when it filled at the model's time).
``timing``
    ``s * q_run * (P_model - P_market)``: the market's move between the model's fill time and
    the run's (zero when the run filled when the model did).
``commission``, ``slippage``, ``impact``
    The model's costs minus the run's, kind by kind.
``size``
    ``s * (q_run - q_model) * (p_end - P_model)``: shares the run bought or sold more or less
    than the model (a partial fill, or a later decision sized on a book that had diverged).
``missed``
    An order the model filled and the run did not (rejected, never sent, not decided): its
    whole contribution, negated.
``extra``
    An order the run filled and the model did not: its whole contribution.

``flows``, ``income``, ``broker_fees``
    Cash that moved outside any fill, which the shadow never had: the deposits and withdrawals
    a person adopted, the dividends and interest booked, and the broker's regulatory fees
    (negated): the run's baseline's, passed in by the caller.

Every figure is the effect on the run's final equity relative to the shadow's (negative: the
run did worse). Their sum equals the difference of the two final equities; ``unexplained``
reports what is left (float rounding only, unless the run's stored equity disagrees with its
own fills).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from tradewind.domain.orders import Fill, Side
from tradewind.domain.records import Decision, OrderRecord
from tradewind.engine.recorder import Recorder
from tradewind.review.shadow import Shadow

TRADE_KINDS = (
    "fill_vs_model", "timing", "commission", "slippage", "impact", "size", "missed", "extra",
)  # fmt: skip
"""The effects of the run's orders against the shadow's."""
CASH_KINDS = ("flows", "income", "broker_fees")
"""Cash that moved outside any fill (see the module docstring)."""
KINDS = TRADE_KINDS + CASH_KINDS


@dataclass(frozen=True)
class Executed:
    """An order and what filled of it."""

    ts: pd.Timestamp
    order: OrderRecord
    quantity: float
    price: float
    fill_ts: pd.Timestamp | None
    commission: float
    slippage: float
    impact: float

    @property
    def sign(self) -> int:
        """+1 for a buy, -1 for a sell."""
        return Side(self.order.side).sign

    @property
    def costs(self) -> float:
        """All costs of the fills."""
        return self.commission + self.slippage + self.impact

    def contribution(self, p_end: float) -> float:
        """What the fills added to the final equity (module docstring)."""
        return self.sign * self.quantity * (p_end - self.price) - self.costs


@dataclass(frozen=True)
class TradeDivergence:
    """One order of the run and/or the shadow, and its effects on the run's final equity."""

    ts: pd.Timestamp
    symbol: str
    side: str
    kind: str
    """``execution`` (both filled the same quantity, at different prices or costs), ``size``
    (both filled, different quantities), ``missed`` or ``extra``."""
    run: Executed | None
    model: Executed | None
    market_price: float | None
    effects: dict[str, float] = field(default_factory=dict)

    @property
    def total(self) -> float:
        """Sum of the effects."""
        return sum(self.effects.values())


@dataclass(frozen=True)
class Divergence:
    """The whole comparison (see the module docstring)."""

    run_equity: float
    model_equity: float
    trades: tuple[TradeDivergence, ...]
    totals: dict[str, float]
    decisions: int
    """Cycles of the run that decided something (the store keeps one decision per cycle)."""
    model_decisions: int
    """Cycles of the shadow that decided something."""

    @property
    def difference(self) -> float:
        """The run's final equity minus the shadow's."""
        return self.run_equity - self.model_equity

    @property
    def unexplained(self) -> float:
        """The difference the effects do not account for (rounding)."""
        return self.difference - sum(self.totals.values())

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON values."""
        return {
            "run_equity": self.run_equity,
            "model_equity": self.model_equity,
            "difference": self.difference,
            "totals": dict(self.totals),
            "unexplained": self.unexplained,
            "decisions": {"run": self.decisions, "model": self.model_decisions},
            "trades": [_trade_payload(t) for t in self.trades],
        }


def executed(decisions: Sequence[Decision], fills: Sequence[Fill]) -> list[Executed]:
    """Every order of ``decisions`` with what filled of it (volume-weighted price)."""
    by_order: dict[str, list[Fill]] = defaultdict(list)
    for f in fills:
        by_order[f.client_order_id].append(f)
    out = []
    for d in decisions:
        for o in d.orders:
            done = by_order.get(o.client_order_id, [])
            qty = sum(f.quantity for f in done)
            out.append(
                Executed(
                    pd.Timestamp(d.ts), o, qty,
                    sum(f.quantity * f.price for f in done) / qty if qty > 0 else float("nan"),
                    pd.Timestamp(max(f.ts for f in done)) if done else None,
                    sum(f.commission for f in done), sum(f.slippage for f in done),
                    sum(f.impact for f in done),
                )
            )  # fmt: skip
    return out


def attribute(run: Recorder, shadow: Shadow, cash: Mapping[str, float] | None = None) -> Divergence:
    """Pair the run's orders with the shadow's and attribute every difference; ``cash`` gives
    the cash that moved outside the fills by kind (:data:`CASH_KINDS`: the net of the flows,
    the income, minus the fees), 0 where not given."""
    mine = executed(run.decisions, run.fills)
    model = executed(shadow.recorder.decisions, shadow.recorder.fills)
    end = pd.Timestamp(run.ts[-1])

    def p_end(symbol: str) -> float:
        return shadow.close_asof(symbol, end)

    pairs: dict[tuple[Any, ...], list[Executed | None]] = {}
    for side_index, orders in enumerate((mine, model)):
        seen: dict[tuple[Any, ...], int] = defaultdict(int)
        for e in orders:
            base = (e.ts, e.order.symbol, e.order.side)
            key = (*base, seen[base])
            seen[base] += 1
            pairs.setdefault(key, [None, None])[side_index] = e
    trades = [_pair(key, r, m, p_end(key[1]), shadow) for key, (r, m) in sorted(
        pairs.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2], kv[0][3]))]  # fmt: skip
    trades = [t for t in trades if any(abs(v) > 1e-9 for v in t.effects.values())]
    totals = {k: sum(t.effects.get(k, 0.0) for t in trades) for k in TRADE_KINDS}
    unknown = set(cash or {}) - set(CASH_KINDS)
    if unknown:
        raise ValueError(f"not a kind of cash moved outside the fills: {sorted(unknown)}")
    totals.update({k: float((cash or {}).get(k, 0.0)) for k in CASH_KINDS})
    return Divergence(
        run_equity=float(run.equity[-1]),
        model_equity=float(shadow.recorder.equity[-1]),
        trades=tuple(trades),
        totals=totals,
        decisions=len({d.ts for d in run.decisions}),
        model_decisions=len({d.ts for d in shadow.recorder.decisions}),
    )


def _pair(
    key: tuple[Any, ...], r: Executed | None, m: Executed | None, p_end: float, shadow: Shadow
) -> TradeDivergence:
    ts, symbol, side = key[0], key[1], key[2]
    run_filled = r is not None and r.quantity > 0
    model_filled = m is not None and m.quantity > 0
    if not run_filled and not model_filled:
        return TradeDivergence(ts, symbol, side, "matched", r, m, None, {})
    if not model_filled:
        assert r is not None  # noqa: S101 - run_filled
        return TradeDivergence(ts, symbol, side, "extra", r, m, None,
                               {"extra": r.contribution(p_end)})  # fmt: skip
    assert m is not None  # noqa: S101 - model_filled
    if not run_filled:
        return TradeDivergence(ts, symbol, side, "missed", r, m, None,
                               {"missed": -m.contribution(p_end)})  # fmt: skip
    assert r is not None  # noqa: S101 - run_filled
    s = r.sign
    same_time = r.fill_ts == m.fill_ts
    market = m.price if same_time else shadow.close_asof(symbol, r.fill_ts or r.ts)
    effects = {
        "fill_vs_model": s * r.quantity * (market - r.price),
        "timing": s * r.quantity * (m.price - market),
        "commission": m.commission - r.commission,
        "slippage": m.slippage - r.slippage,
        "impact": m.impact - r.impact,
        "size": s * (r.quantity - m.quantity) * (p_end - m.price),
    }
    kind = "size" if abs(r.quantity - m.quantity) > 1e-9 else "execution"
    return TradeDivergence(ts, symbol, side, kind, r, m, market, effects)


def _trade_payload(t: TradeDivergence) -> dict[str, Any]:
    def side(e: Executed | None) -> dict[str, Any] | None:
        if e is None:
            return None
        return {
            "client_order_id": e.order.client_order_id,
            "planned": e.order.quantity,
            "filled": e.quantity,
            "price": e.price if e.quantity > 0 else None,
            "fill_ts": e.fill_ts,
            "costs": e.costs,
            "decision_price": e.order.price,
        }

    return {"ts": t.ts, "symbol": t.symbol, "side": t.side, "kind": t.kind, "run": side(t.run),
            "model": side(t.model), "market_price": t.market_price, "effects": t.effects,
            "total": t.total}  # fmt: skip
