"""Cash the broker books to the account apart from any fill: dividends and interest.

A live broker credits a dividend (or interest on cash) straight to the cash; no order and no
fill explains it. Brokers that can list such entries report them as :class:`CashActivity`;
reconciliation books the ones that explain a cash difference
(:mod:`tradewind.orders.income`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

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
