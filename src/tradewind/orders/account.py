"""The account a run started from, and the book it implies with the fills recorded since.

A run's **baseline** is the broker account's cash and positions when the run started (or after
a person adopted a difference); the book at any time is the baseline plus the store's fills in
recording order, with the stock splits the data confirmed (:attr:`Baseline.splits`) taken among
them at their ex-dates. Reconciliation (:mod:`tradewind.orders.reconcile`) compares that book
with the broker; the trading service rebuilds its engine's book the same way after a restart.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from tradewind.domain.actions import CorporateAction
from tradewind.domain.cash import CapitalFlow, CashActivity
from tradewind.domain.ledger import Ledger
from tradewind.domain.orders import Fill
from tradewind.domain.types import EXCHANGE_TZ

_NEW_YORK = ZoneInfo(EXCHANGE_TZ)


@dataclass(frozen=True)
class Baseline:
    """Cash and positions (quantity, average cost) of the account when the run started.

    ``external`` are positions outside the traded symbols, and ``ignored_orders`` broker orders
    tradewind did not place, that a person adopted after a reconciliation halt: held at the
    broker, never traded by tradewind. ``fees`` is the cash the broker deducted as its fees
    over the run (taken out of ``cash``; :func:`~tradewind.orders.reconcile.broker_fees`).
    ``income`` is the cash the broker booked as dividends and interest over the run (added to
    ``cash``; :mod:`tradewind.orders.income`), ``income_ids`` the broker's ids of those entries
    (none is ever booked twice), and ``income_since`` the time from which the broker's entries
    are not yet in ``cash`` (the run's first start, or a person's adoption of the account).
    ``flows`` are the deposits and withdrawals adopted over the run, oldest first (in ``cash``
    and ``positions`` already; :mod:`tradewind.orders.flows`): not performance.

    ``reserved_cash`` is broker cash that is not the run's (:mod:`tradewind.orders.reserve`):
    set aside at the run's first start on an account larger than ``trading.initial_capital``,
    never traded and outside ``cash``, the book, its equity, P&L and sizing; reconciliation
    compares the broker's cash less it with the book's.

    ``splits`` are the stock splits of held positions the broker applied and the market data
    confirmed (:mod:`tradewind.orders.splits`), in the order they were booked: ``positions``
    stay in the shares of the run's start, and :func:`rebuild_book` takes each split among the
    fills at its ex-date.
    """

    cash: float
    positions: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    external: Mapping[str, float] = field(default_factory=dict)
    ignored_orders: tuple[str, ...] = ()
    fees: float = 0.0
    income: float = 0.0
    income_ids: tuple[str, ...] = ()
    income_since: datetime | None = None
    flows: tuple[CapitalFlow, ...] = ()
    reserved_cash: float = 0.0
    splits: tuple[CorporateAction, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """JSON form (``splits`` only when there are some: older baselines keep their key)."""
        splits = {"splits": [a.to_json() for a in self.splits]} if self.splits else {}
        return {
            **splits,
            "cash": self.cash,
            "positions": {s: list(v) for s, v in self.positions.items()},
            "external": dict(self.external),
            "ignored_orders": list(self.ignored_orders),
            "fees": self.fees,
            "income": self.income,
            "income_ids": list(self.income_ids),
            "income_since": self.income_since.isoformat() if self.income_since else None,
            "flows": [f.to_json() for f in self.flows],
            "reserved_cash": self.reserved_cash,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Baseline:
        """Inverse of :meth:`to_json`."""
        pos = {str(s): (float(v[0]), float(v[1])) for s, v in dict(d["positions"]).items()}
        ext = {str(s): float(q) for s, q in dict(d.get("external", {})).items()}
        ignored = tuple(str(c) for c in d.get("ignored_orders", []))
        since = d.get("income_since")
        return cls(
            float(d["cash"]),
            pos,
            ext,
            ignored,
            float(d.get("fees", 0.0)),
            float(d.get("income", 0.0)),
            tuple(str(i) for i in d.get("income_ids", [])),
            datetime.fromisoformat(since) if since else None,
            tuple(CapitalFlow.from_json(f) for f in d.get("flows", [])),
            float(d.get("reserved_cash", 0.0)),
            tuple(CorporateAction.from_json(a) for a in d.get("splits", [])),
        )

    def with_fees(self, amount: float) -> Baseline:
        """This baseline after the broker took ``amount`` of cash as its fees."""
        return replace(self, cash=self.cash - amount, fees=self.fees + amount)

    def with_income(self, booked: Sequence[CashActivity]) -> Baseline:
        """This baseline after the broker booked ``booked`` to the cash (dividends, interest)."""
        total = sum(a.amount for a in booked)
        ids = self.income_ids + tuple(a.activity_id for a in booked)
        return replace(self, cash=self.cash + total, income=self.income + total, income_ids=ids)

    def key(self) -> str:
        """Identifies this baseline's content (a checkpoint says which baseline it followed)."""
        text = json.dumps(self.to_json(), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def with_flow(self, flow: CapitalFlow) -> Baseline:
        """This baseline with ``flow`` on record (its cash and positions already hold it)."""
        return replace(self, flows=(*self.flows, flow))

    def split_ratio(self, symbol: str) -> float:
        """New shares per share of :attr:`positions` of ``symbol``: the product of its splits
        booked (1.0: none)."""
        ratio = 1.0
        for a in self.splits:
            if a.symbol == symbol:
                ratio *= a.split
        return ratio

    def with_split(
        self, action: CorporateAction, fraction: float = 0.0, cash_in_lieu: float = 0.0
    ) -> Baseline:
        """This baseline after the broker applied the split ``action``; ``fraction``: the part
        of a new share it did not issue and paid ``cash_in_lieu`` for instead (the book gives
        up that fraction at its average cost and takes the cash)."""
        out = replace(self, splits=(*self.splits, action))
        if fraction <= 0.0 and cash_in_lieu <= 0.0:
            return out
        qty, cost = out.positions.get(action.symbol, (0.0, 0.0))
        left = qty - fraction / out.split_ratio(action.symbol)
        positions = {**out.positions, action.symbol: (left, cost)}
        return replace(out, positions=positions, cash=out.cash + cash_in_lieu)

    def ledger(self, symbols: Sequence[str]) -> Ledger:
        """A ledger holding this baseline (its booked splits taken)."""
        return rebuild_book(symbols, self, ())

    def _held(self, symbols: Sequence[str]) -> Ledger:
        """A ledger holding the cash and positions, before any split."""
        book = Ledger(tuple(symbols), self.cash)
        for symbol, (qty, cost) in self.positions.items():
            book.set_position(symbol, qty, cost)
        return book


def session_date(ts: datetime) -> date:
    """The New York date of ``ts``: a fill on a split's ex-date or later is in the new shares."""
    return ts.astimezone(_NEW_YORK).date()


def rebuild_book(symbols: Sequence[str], baseline: Baseline, fills: Sequence[Fill]) -> Ledger:
    """The baseline plus ``fills`` applied in order, each booked split taken among them.

    A split comes before the first fill stamped on its ex-date or later (New York date): a
    broker applies a split before the ex-date's session opens, so a fill that day, pre-market
    included, is in the new shares, and a fill of the day before, after-hours included, in the
    old ones. Splits of symbols the book does not track are left out.
    """
    book = baseline._held(symbols)
    due = sorted((a for a in baseline.splits if a.symbol in book.columns), key=lambda a: a.ex_date)
    start = 0
    for k, fill in enumerate(fills):
        if due and session_date(fill.ts) >= due[0].ex_date:
            book.apply_all(fills[start:k])
            start = k
            while due and session_date(fill.ts) >= due[0].ex_date:
                book.split(due[0].symbol, due.pop(0).split)
    book.apply_all(fills[start:])
    for a in due:
        book.split(a.symbol, a.split)
    return book


def book_at_open(
    symbols: Sequence[str], baseline: Baseline, fills: Sequence[Fill], day: date
) -> Ledger:
    """The book when the session of ``day`` opened: the baseline, the fills of earlier days and
    the splits going ex on ``day`` or before (the shares a dividend going ex on ``day`` is paid
    on). Meaningful for days after the baseline was set (the run's start or an adoption)."""
    taken = replace(baseline, splits=tuple(a for a in baseline.splits if a.ex_date <= day))
    return rebuild_book(symbols, taken, [f for f in fills if session_date(f.ts) < day])
