"""Pure domain types shared by every package: identifiers, enums and the error tree. No I/O here."""

from tradewind.domain.errors import (
    BadPriceError,
    ConfigError,
    DataError,
    DuplicateTimestampError,
    HaltActive,
    ImplausibleJumpError,
    MissingDataError,
    NaNPriceError,
    OrderRejected,
    StaleDataError,
    TradewindError,
    TransientBrokerError,
    UnsortedTimestampError,
)
from tradewind.domain.types import Interval, Regime, Symbol, TradingMode

__all__ = [
    "BadPriceError",
    "ConfigError",
    "DataError",
    "DuplicateTimestampError",
    "HaltActive",
    "ImplausibleJumpError",
    "Interval",
    "MissingDataError",
    "NaNPriceError",
    "OrderRejected",
    "Regime",
    "StaleDataError",
    "Symbol",
    "TradewindError",
    "TradingMode",
    "TransientBrokerError",
    "UnsortedTimestampError",
]
