"""The ``trading`` and ``broker`` sections: what to trade, with how much, how often, and where."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from tradewind.config.base import Section
from tradewind.domain.types import TradingMode

SYMBOL_PATTERN = re.compile(r"^[A-Z][A-Z0-9]{0,9}([.\-][A-Z0-9]{1,3})?$")
"""Upper-case ticker, optionally with a class suffix: ``AAPL``, ``BRK.B``, ``BF-B``."""

BrokerName = Literal["simulated", "webull", "webull_app", "alpaca"]


def check_symbol(value: str) -> str:
    """Return ``value`` if it is a well-formed ticker, else raise ``ValueError`` naming the fix."""
    if not isinstance(value, str) or not SYMBOL_PATTERN.match(value):
        hint = ""
        if isinstance(value, str) and SYMBOL_PATTERN.match(value.strip().upper()):
            hint = f" (did you mean {value.strip().upper()!r}?)"
        raise ValueError(
            f"unknown symbol format {value!r}{hint}; symbols are upper-case tickers such as "
            "'AAPL', 'BRK.B' or 'BF-B'"
        )
    return value


class TradingSection(Section):
    """What to trade, starting capital and the cycle interval (``trading:`` in the YAML)."""

    mode: TradingMode = Field(
        TradingMode.SIMULATED,
        description="simulated (default, no real broker), paper, live, or backtest.",
    )
    symbols: list[str] = Field(
        default_factory=lambda: ["AAPL", "MSFT", "GOOGL", "AMZN", "NVDA", "META", "TSLA"],
        min_length=1,
        max_length=500,
        description="Tickers in the portfolio universe.",
    )
    initial_capital: float = Field(100_000.0, gt=0, le=1e10, description="Starting cash in USD.")
    larger_account: Literal["set_aside", "refuse", "whole"] = Field(
        "set_aside",
        description="At a paper or live run's first start on a broker account worth more than "
        "initial_capital (cash plus the traded symbols' positions, by over 2%): set_aside (trade "
        "initial_capital of it; the excess cash is set aside, never traded), refuse (start "
        "nothing), or whole (trade the whole account).",
    )
    interval_seconds: int = Field(
        3600, ge=60, le=86_400, description="Seconds between trading cycles during market hours."
    )

    @field_validator("symbols")
    @classmethod
    def _symbols_well_formed(cls, symbols: list[str]) -> list[str]:
        bad: list[str] = []
        for s in symbols:
            try:
                check_symbol(s)
            except ValueError as exc:
                bad.append(str(exc))
        if bad:
            raise ValueError("; ".join(bad))
        dupes = sorted({s for s in symbols if symbols.count(s) > 1})
        if dupes:
            raise ValueError(f"duplicate symbols {dupes}; list each symbol once")
        return symbols


class BrokerSection(Section):
    """Which broker receives orders in paper and live mode (``broker:`` in the YAML).

    Credentials never live here: they come from the environment or ``.env``.
    """

    name: BrokerName = Field(
        "simulated",
        description="simulated (built-in), webull (official OpenAPI), webull_app, or alpaca.",
    )
    paper_trading: bool = Field(True, description="Use the broker's paper account.")
    fractional_shares: bool = Field(
        False, description="Trade fractional shares where the broker allows it."
    )
    timeout_seconds: float = Field(
        15.0, gt=0, le=120, description="Deadline for a single broker request."
    )
    base_url: str | None = Field(
        None,
        description="Override of the broker's API address (scheme://host[:port]); default: the "
        "broker's own paper or live host. For a proxy or a local test server.",
    )
    requests_per_minute: int = Field(
        120,
        ge=1,
        le=10_000,
        description="Client-side ceiling on broker API calls (Alpaca allows 200/min, Webull's "
        "order calls fewer); calls beyond it wait.",
    )
    fee_allowance_bps: float = Field(
        1.0,
        ge=0.0,
        le=100.0,
        description="Cash the broker may deduct beyond the fills' own costs without a "
        "reconciliation halt: regulatory fees (SEC fee, FINRA TAF, CAT), which brokers take from "
        "the cash and never report on the order. In basis points of the value traded in the run, "
        "plus 3 cents a fill for their rounding up to the cent; taken as fees and recorded as an "
        "event. 0: any cash the fills do not explain halts.",
    )
    on_start_difference: Literal["halt", "adopt"] = Field(
        "halt",
        description="At a run's first start against a real account: what to do when the broker "
        "holds positions or cash the store does not expect (halt listing the differences, or "
        "adopt the broker's account as the starting point).",
    )

    @field_validator("base_url")
    @classmethod
    def _base_url_well_formed(cls, value: str | None) -> str | None:
        if value is None:
            return value
        from urllib.parse import urlsplit

        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(
                f"must be scheme://host[:port] with scheme http or https, was {value!r}"
            )
        return value.rstrip("/")
