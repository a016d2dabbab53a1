"""Cash the broker books to the account apart from any fill: dividends and interest; and the
money a person moves in or out of it (:class:`CapitalFlow`).

A live broker credits a dividend (or interest on cash) straight to the cash; no order and no
fill explains it. Brokers that can list such entries report them as :class:`CashActivity`;
reconciliation books the ones that explain a cash difference
(:mod:`tradewind.orders.income`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

CashKind = Literal["dividend", "interest"]
"""What a :class:`CashActivity` is: a dividend (and the taxes or fees withheld from one), or
interest on the cash."""


@dataclass(frozen=True, slots=True)
class CashActivity:
    """One entry the broker booked to the account's cash without a fill.

    Attributes
    ----------
    activity_id
        The broker's id of the entry (unique per account: a booked id is never booked again).
    kind
        ``dividend`` or ``interest``.
    symbol
        The security that paid it (None for interest on cash).
    amount
        USD, signed: positive credits the cash, negative debits it (a tax withheld).
    on
        The date the broker gives the entry (its payment or settlement date).
    broker_type
        The broker's own word for it (Alpaca: ``DIV``, ``DIVNRA``, ``INT``...), for messages.
    """

    activity_id: str
    kind: CashKind
    symbol: str | None
    amount: float
    on: date
    broker_type: str = ""

    def describe(self) -> str:
        """One line: ``dividend AAPL $12.34 (2026-11-13)``."""
        what = f"{self.kind} {self.symbol}" if self.symbol else self.kind
        sign = "-" if self.amount < 0 else ""
        raw = f", {self.broker_type}" if self.broker_type else ""
        return f"{what} {sign}${abs(self.amount):,.2f} ({self.on.isoformat()}{raw})"


@dataclass(frozen=True, slots=True)
class CapitalFlow:
    """Money a person moved into (``amount`` > 0, a deposit or shares transferred in) or out of
    (< 0, a withdrawal) the run's book outside trading, measured when the difference was adopted
    after a reconciliation halt (:mod:`tradewind.orders.flows`).

    A flow is neither a gain nor a loss: the breakers move their baselines by it and the run's
    returns are time-weighted around it (:mod:`tradewind.reports.flows`). ``at`` is when it was
    adopted: the first cycle recorded at or after it is the first whose equity holds it.
    """

    at: datetime
    amount: float

    def describe(self) -> str:
        """``deposit of $40,000.00`` or ``withdrawal of $2,000.00``."""
        kind = "deposit" if self.amount >= 0 else "withdrawal"
        return f"{kind} of ${abs(self.amount):,.2f}"

    def to_json(self) -> list[Any]:
        """JSON form: ``[iso time, amount]``."""
        return [self.at.isoformat(), self.amount]

    @classmethod
    def from_json(cls, row: Sequence[Any]) -> CapitalFlow:
        """Inverse of :meth:`to_json`."""
        return cls(datetime.fromisoformat(str(row[0])), float(row[1]))
