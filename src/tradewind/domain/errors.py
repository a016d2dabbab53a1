"""The tradewind error tree, grouped by what the caller should do next.

::

    TradewindError
    ├── ConfigError            refuse to start; the message names the YAML path and the fix
    ├── DataError              skip the cycle (no trade) and alert; names the symbol and the time
    │   ├── MissingDataError       symbol or period not available from the source
    │   ├── NaNPriceError          a price is NaN
    │   ├── BadPriceError          a price is zero/negative, or OHLC are inconsistent
    │   ├── DuplicateTimestampError
    │   ├── UnsortedTimestampError
    │   ├── StaleDataError         the series stopped updating
    │   └── ImplausibleJumpError   a move too large to be real without a corporate action
    ├── TransientBrokerError   retry with backoff
    ├── OrderRejected          record and alert; do not retry blindly
    └── HaltActive             a latched halt blocks new risk until a human resumes
"""

from __future__ import annotations

from datetime import datetime


class TradewindError(Exception):
    """Base class of every error tradewind raises on purpose."""


class ConfigError(TradewindError):
    """The configuration is invalid; nothing may start.

    Parameters
    ----------
    problems
        One line per problem, each naming the YAML path, what was found and what is allowed.
    source
        The file (or other source) the configuration came from, when known.
    """

    def __init__(self, problems: list[str] | str, source: str | None = None) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.source = source
        where = f" in {source}" if source else ""
        lines = "\n".join(f"  - {p}" for p in self.problems)
        n = len(self.problems)
        plural = "s" if n != 1 else ""
        super().__init__(f"invalid configuration{where} ({n} problem{plural}):\n{lines}")


class DataError(TradewindError):
    """Market data cannot be trusted for a decision; the cycle must not trade on it.

    Parameters
    ----------
    message
        What is wrong, in words a user can act on.
    symbol
        The symbol concerned, when there is one.
    when
        The timestamp concerned, when there is one.
    """

    def __init__(
        self, message: str, symbol: str | None = None, when: datetime | None = None
    ) -> None:
        self.symbol = symbol
        self.when = when
        parts = []
        if symbol:
            parts.append(symbol)
        if when is not None:
            parts.append(when.isoformat())
        prefix = f"[{' @ '.join(parts)}] " if parts else ""
        super().__init__(prefix + message)


class MissingDataError(DataError):
    """The requested symbol or period is not available from the source."""


class NaNPriceError(DataError):
    """A price field is NaN."""


class BadPriceError(DataError):
    """A price is zero or negative, or the OHLC fields contradict each other."""


class DuplicateTimestampError(DataError):
    """The same timestamp appears more than once in a series."""


class UnsortedTimestampError(DataError):
    """Timestamps are not in increasing order."""


class StaleDataError(DataError):
    """The series stopped updating (same price for too long, or last bar too old)."""


class ImplausibleJumpError(DataError):
    """A price move too large to be real without an unrecorded corporate action."""


class TransientBrokerError(TradewindError):
    """A temporary broker or network failure; retry with backoff."""


class OrderRejected(TradewindError):
    """The broker refused an order; record it and alert."""


class HaltActive(TradewindError):
    """A latched trading halt is in force; only a human can clear it."""
