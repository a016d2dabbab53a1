"""Alpaca's cash activities (dividends, interest) from ``GET /v2/account/activities``.

The reply is a list of non-trade activities (https://docs.alpaca.markets/docs/account-activities,
"The NonTradeActivity (NTA) Object"), e.g.::

    {"activity_type": "DIV", "id": "20190801011955195::5f596936-...", "date": "2019-08-01",
     "net_amount": "1.02", "symbol": "T", "cusip": "C00206R102", "qty": "2",
     "per_share_amount": "0.51"}

Query (https://docs.alpaca.markets/reference/getaccountactivities-1): ``activity_types`` (a
comma-separated list), ``after`` (activities created after it, ``YYYY-MM-DDTHH:MM:SSZ``),
``direction`` (``asc``), ``page_size`` (at most 100) and ``page_token`` (the id of the last
entry of the previous page).

Which types are listed: the dividend family (:data:`DIVIDEND_TYPES`: the dividend itself, its
capital-gain and return-of-capital parts, and the taxes and fees withheld from it) and the
interest family (:data:`INTEREST_TYPES`). ``FEE`` (regulatory fees) is not: Alpaca deducts them
from the cash intraday and lists the ``FEE`` entry a day later, so reconciliation takes them
within ``broker.fee_allowance_bps`` when the cash moves
(:func:`~tradewind.orders.reconcile.broker_fees`); booking the later entry too would count them
twice. Deposits and withdrawals (``CSD``, ``CSW``), transfers (``ACATC``, ``ACATS``) and
journals are never listed: they still halt until a person looks.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from tradewind.brokers.errors import MalformedReply
from tradewind.domain.cash import CashActivity, CashKind

DIVIDEND_TYPES = (
    "DIV",
    "DIVCGL",
    "DIVCGS",
    "DIVFEE",
    "DIVFT",
    "DIVNRA",
    "DIVROC",
    "DIVTW",
    "DIVTXEX",
)
"""Dividends (cash, long- and short-term capital gain, return of capital, tax exempt) and what
is withheld from them (fee, foreign tax, non-resident alien tax, tax withheld)."""
INTEREST_TYPES = ("INT", "INTNRA", "INTTW")
"""Interest on cash, and the taxes withheld from it."""
PATH = "/account/activities"
"""Under the trading API's ``/v2``."""
PAGE_SIZE = 100
"""Alpaca's largest page."""
MAX_PAGES = 50
"""A guard against a server that pages forever (5,000 entries)."""
SKIPPED_STATUSES = ("canceled",)
"""An entry Alpaca canceled moves no cash: never booked."""


def kind_of(activity_type: str) -> CashKind | None:
    """The kind of an Alpaca activity type, or None when it is not a dividend or interest."""
    if activity_type in DIVIDEND_TYPES:
        return "dividend"
    if activity_type in INTEREST_TYPES:
        return "interest"
    return None


def query(after: datetime, page_token: str | None = None) -> dict[str, str | int]:
    """The query parameters of one page after ``after``."""
    params: dict[str, str | int] = {
        "activity_types": ",".join(DIVIDEND_TYPES + INTEREST_TYPES),
        "after": after.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "direction": "asc",
        "page_size": PAGE_SIZE,
    }
    if page_token is not None:
        params["page_token"] = page_token
    return params


def list_activities(get: Callable[[str, dict[str, Any]], Any], after: datetime) -> list[Any]:
    """Every raw entry after ``after``, page by page (``get(path, params)``: the SDK's GET)."""
    entries: list[Any] = []
    token: str | None = None
    for _ in range(MAX_PAGES):
        page = get(PATH, query(after, token))
        if not isinstance(page, list):
            raise MalformedReply("Alpaca's account activities are not a list")
        entries.extend(page)
        if len(page) < PAGE_SIZE:
            return entries
        last = page[-1]
        token = str(last.get("id")) if isinstance(last, Mapping) else None
        if not token:
            raise MalformedReply("Alpaca's account activity has no id to page on")
    raise MalformedReply(f"Alpaca's account activities go on beyond {MAX_PAGES} pages")


def parse(entry: Any) -> CashActivity | None:
    """One entry of the reply as a :class:`CashActivity`; None when it is not one to book (a
    type this module does not list, a canceled entry). A field missing or unreadable raises
    :class:`MalformedReply` naming it."""
    if not isinstance(entry, Mapping):
        raise MalformedReply(f"Alpaca sent an account activity that is not an object: {entry!r}")
    activity_id = entry.get("id")
    if not isinstance(activity_id, str) or not activity_id:
        raise MalformedReply(f"Alpaca's account activity has no id: {dict(entry)!r}")
    raw_type = entry.get("activity_type")
    where = f"Alpaca's account activity {activity_id}"
    if not isinstance(raw_type, str):
        raise MalformedReply(f"{where}: activity_type {raw_type!r} is not a string")
    kind = kind_of(raw_type)
    if kind is None or entry.get("status") in SKIPPED_STATUSES:
        return None
    amount = _amount(entry.get("net_amount"), f"{where}: net_amount")
    symbol = entry.get("symbol")
    if symbol is not None and not isinstance(symbol, str):
        raise MalformedReply(f"{where}: symbol {symbol!r} is not a string")
    return CashActivity(activity_id, kind, symbol or None, amount, _date(entry, where), raw_type)


def _amount(value: Any, what: str) -> float:
    """A money string (Alpaca sends numbers as strings) as a finite float."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise MalformedReply(f"{what} {value!r} is not a number")
    try:
        out = float(value)
    except ValueError:
        raise MalformedReply(f"{what} {value!r} is not a number") from None
    if not math.isfinite(out):
        raise MalformedReply(f"{what} {value!r} is not a finite number")
    return out


def _date(entry: Mapping[str, Any], where: str) -> date:
    """The entry's ``date``: ``YYYY-MM-DD`` or a timestamp."""
    value = entry.get("date")
    if not isinstance(value, str):
        raise MalformedReply(f"{where}: date {value!r} is not a date")
    try:
        return datetime.fromisoformat(value).date()  # a date reads as midnight
    except ValueError:
        raise MalformedReply(f"{where}: date {value!r} is not a date") from None
