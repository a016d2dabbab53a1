"""A run's capital at its first start: the account marked at the run's prices, and the cash a
larger account sets aside (``trading.larger_account: set_aside``; :mod:`tradewind.orders.reserve`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from tradewind.config import TradewindConfig
from tradewind.engine.protocols import Broker
from tradewind.orders.account import Baseline
from tradewind.orders.reserve import set_aside
from tradewind.service.alerts import Alerter
from tradewind.service.checkpoint import save_baseline
from tradewind.service.kinds import RunKind
from tradewind.service.market import RunMarket
from tradewind.store import NewEvent, Store

SET_ASIDE_EVENT = "capital_set_aside"


def marked_equity(baseline: Baseline, market: RunMarket, when: pd.Timestamp) -> float:
    """The equity of ``baseline``'s book at the last close at or before ``when`` (its cash alone
    before the first bar)."""
    feed = market.feed()
    book = baseline.ledger(feed.symbols)
    return float(book.equity(feed.last_close())) if feed.advance(when) >= 0 else book.cash


@dataclass(frozen=True)
class SetAside:
    """A starting baseline with the excess cash set aside, and what to tell about it."""

    baseline: Baseline
    account: float
    """The account's managed value (cash plus the traded symbols' positions) before."""

    @property
    def reserved(self) -> float:
        """The cash set aside (USD)."""
        return self.baseline.reserved_cash

    def message(self, capital: float) -> str:
        """The ``capital_set_aside`` event's text."""
        return (
            f"the account holds ${self.account:,.2f}, more than trading.initial_capital "
            f"${capital:,.2f}: trading ${self.account - self.reserved:,.2f} of it; "
            f"${self.reserved:,.2f} of cash set aside, never traded (trading.larger_account: "
            "set_aside)"
        )


def set_aside_at_start(
    cfg: TradewindConfig,
    baseline: Baseline,
    held: Mapping[str, float],
    market: RunMarket,
    when: pd.Timestamp,
) -> SetAside | None:
    """The first start's ``baseline`` with the cash beyond ``trading.initial_capital`` set aside
    (:func:`~tradewind.orders.reserve.set_aside`: its cash plus the broker's positions ``held``
    in the traded symbols, marked at ``when``), or None when nothing is (another
    ``trading.larger_account``, or an account within the capital). The positions are the
    broker's, not the baseline's: with ``broker.on_start_difference: halt`` the baseline holds
    only those the recorded fills explain, and a resume adopts the rest into the run. The caller
    applies it to a broker's account only: a simulated account is the capital itself."""
    if cfg.trading.larger_account != "set_aside":
        return None
    traded = set(cfg.trading.symbols)
    shares = {s: (float(q), 0.0) for s, q in held.items() if s in traded and q}
    account = marked_equity(replace(baseline, positions=shares), market, when)
    reserve = set_aside(baseline.cash, account, cfg.trading.initial_capital)
    if reserve <= 0.0:
        return None
    moved = replace(baseline, cash=baseline.cash - reserve, reserved_cash=reserve)
    return SetAside(moved, account)


def first_baseline(
    cfg: TradewindConfig,
    store: Store,
    run_id: int,
    kind: RunKind,
    broker: Broker,
    market: RunMarket,
    alerter: Alerter,
) -> tuple[Baseline, tuple[int, dict[str, Any]] | None]:
    """A new run's baseline, saved, and the risk state carried into it (saved first).

    On a broker's account, the cash beyond ``trading.initial_capital`` is set aside
    (:func:`set_aside_at_start`) and saved with its ``capital_set_aside`` event in one
    transaction: a restart loads it and never sets aside again."""
    # the broker's entries from now on are not in it (to the microsecond: no warning)
    since = kind.clock.now().floor("us").to_pydatetime()
    baseline = replace(kind.starting_baseline(cfg, store, broker), income_since=since)
    events: list[NewEvent] = []
    if broker.name != "simulated":  # a simulated account is the capital itself
        when = kind.banner_time(None)
        moved = set_aside_at_start(cfg, baseline, broker.positions(), market, when)
        if moved is not None:
            baseline = moved.baseline
            capital = cfg.trading.initial_capital
            data = {"account": moved.account, "reserved": moved.reserved, "capital": capital}
            events.append(
                alerter.prepare(SET_ASIDE_EVENT, moved.message(capital), "info", data=data)
            )
    carried = kind.carry_risk_state(store, run_id, baseline, market.bars.symbols)
    save_baseline(store, run_id, baseline, events)
    return baseline, carried
