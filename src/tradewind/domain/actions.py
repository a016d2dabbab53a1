"""Corporate actions a held position receives: stock splits and cash dividends.

The market data lists them (a provider's raw bars carry the split factor and the cash dividend
going ex on each session, :mod:`tradewind.data.adjust`). A broker applies them to the account:
a split multiplies the shares held and divides their price, a dividend credits cash. The
simulated broker applies them the same way on the wall clock; tradewind's book takes a split the
data confirms (:attr:`~tradewind.orders.account.Baseline.splits`) and a dividend the broker lists
(:mod:`tradewind.orders.income`).

An action is known once the data holds its ex-date's bar: :attr:`CorporateAction.at` is that
bar's stamp (the session's close, UTC), the first moment a decision may see it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class CorporateAction:
    """A split and/or a cash dividend of one symbol going ex on one session.

    Attributes
    ----------
    symbol
        The security.
    ex_date
        The session (New York date) from which the shares trade without the dividend, or split.
    at
        The stamp of the ex-date's bar (UTC): when the market data reveals the action.
    split
        New shares per old share (4.0 for a 4-for-1 split, 0.1 for a 1-for-10 reverse split;
        1.0: no split).
    dividend
        Cash per share going ex (USD, in shares after any split on the same day; 0: none).
    """

    symbol: str
    ex_date: date
    at: datetime
    split: float = 1.0
    dividend: float = 0.0

    @property
    def is_split(self) -> bool:
        """Whether the action changes the number of shares."""
        return self.split != 1.0

    @property
    def split_id(self) -> str:
        """Identifies the split (``split:AAPL:2024-06-10``): booked once, never twice."""
        return f"split:{self.symbol}:{self.ex_date.isoformat()}"

    def describe(self) -> str:
        """One line: ``AAPL 4-for-1 split (ex 2024-06-10)`` or ``MSFT dividend $0.75 (ex ...)``."""
        parts = []
        if self.is_split:
            ratio = f"{self.split:g}-for-1" if self.split >= 1.0 else f"1-for-{1.0 / self.split:g}"
            parts.append(f"{ratio} split")
        if self.dividend:
            parts.append(f"dividend ${self.dividend:,.4g} a share")
        what = " and ".join(parts) or "no action"
        return f"{self.symbol} {what} (ex {self.ex_date.isoformat()})"

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "symbol": self.symbol,
            "ex_date": self.ex_date.isoformat(),
            "at": self.at.isoformat(),
            "split": self.split,
            "dividend": self.dividend,
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> CorporateAction:
        """Inverse of :meth:`to_json`."""
        return cls(
            str(d["symbol"]),
            date.fromisoformat(str(d["ex_date"])),
            datetime.fromisoformat(str(d["at"])),
            float(d.get("split", 1.0)),
            float(d.get("dividend", 0.0)),
        )


def known_by(actions: Sequence[CorporateAction], t: datetime) -> list[CorporateAction]:
    """The actions the data reveals at or before ``t``, oldest first."""
    return sorted((a for a in actions if a.at <= t), key=lambda a: (a.at, a.symbol))
