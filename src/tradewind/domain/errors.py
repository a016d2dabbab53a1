"""The tradewind error tree, grouped by what the caller should do next.

::

    TradewindError
    ├── ConfigError            refuse to start; each ConfigProblem names the YAML path and the fix
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
    │   └── HaltActive             a latched halt blocks new risk until a human resumes
    └── DuplicateOrderError    an order id is stored already: look it up, never resend
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tradewind.domain.orders import StoredOrder

_LEADING_PATH = re.compile(r"^([a-z_][a-z0-9_]*(?:\.[A-Za-z0-9_\-]+)+)(: | )")


class TradewindError(Exception):
    """Base class of every error tradewind raises on purpose."""


@dataclass(frozen=True)
class ConfigProblem:
    """One problem of a configuration: where, what, and how to fix it.

    Attributes
    ----------
    path
        The YAML path (``risk_management.max_position_size``), or "" when no key is concerned
        (a command-line option, a YAML syntax error).
    message
        What is wrong, naming the value found.
    fix
        What to change ("" when the message says it all).
    origin
        The environment variable that set the value (``TRADEWIND__...``), or "" for the file.
    joiner
        What joins the path to the message in the one-line form: ``": "``, or ``" "`` where
        the message reads on from the path (``max_position_size must be in (0, 1]``).
    """

    path: str
    message: str
    fix: str = ""
    origin: str = ""
    joiner: str = ": "

    @classmethod
    def from_text(cls, text: str) -> ConfigProblem:
        """A problem from a one-line message: a leading dotted YAML path (``data.path``) is its
        path, what follows the first ``"; "`` its fix. ``str()`` gives ``text`` back."""
        path, joiner = "", ": "
        match = _LEADING_PATH.match(text)
        if match:
            path, joiner = match.group(1), match.group(2)
            text = text[match.end() :]
        message, _, fix = text.partition("; ")
        return cls(path, message, fix, joiner=joiner)

    def __str__(self) -> str:
        where = self.path + (f" (set by {self.origin})" if self.origin else "")
        head = f"{where}{self.joiner}{self.message}" if where else self.message
        return f"{head}; {self.fix}" if self.fix else head


class ConfigError(TradewindError):
    """The configuration is invalid; nothing may start.

    Parameters
    ----------
    problems
        One per problem, each naming the YAML path, what was found and what is allowed: a
        :class:`ConfigProblem`, or a line of text.
    source
        The file (or other source) the configuration came from, when known.

    Attributes
    ----------
    problems
        Each problem as one line of text.
    details
        Each problem as a :class:`ConfigProblem` (path, message, fix, origin).
    """

    def __init__(
        self,
        problems: str | ConfigProblem | Sequence[str | ConfigProblem],
        source: str | None = None,
    ) -> None:
        items = [problems] if isinstance(problems, str | ConfigProblem) else list(problems)
        self.details = [
            p if isinstance(p, ConfigProblem) else ConfigProblem.from_text(p) for p in items
        ]
        self.problems = [str(p) for p in self.details]
        self.source = source
        where = f" in {source}" if source else ""
        lines = "\n".join(f"  - {p}" for p in self.problems)
        n = len(self.problems)
        plural = "s" if n != 1 else ""
        super().__init__(f"invalid configuration{where} ({n} problem{plural}):\n{lines}")


class UsageError(ConfigError):
    """A command-line option is wrong (a malformed date, an unknown ``--method``); the
    configuration itself may be valid. Nothing starts, as for any :class:`ConfigError`.

    Parameters
    ----------
    message
        What is wrong with which option, and the fix.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.args = (message,)  # the message alone: not "invalid configuration (1 problem)"


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


class HaltActive(OrderRejected):
    """A latched trading halt is in force; only a human can clear it. Raised for an order that
    would add risk while it binds (the order is refused, never stored or sent)."""


class DuplicateOrderError(TradewindError):
    """An order with this ``client_order_id`` is already stored.

    Attributes
    ----------
    existing
        The stored order; the caller must reconcile it with the broker, never resubmit blindly.
    """

    def __init__(self, existing: StoredOrder) -> None:
        self.existing = existing
        super().__init__(
            f"order {existing.request.client_order_id} is already stored "
            f"(status {existing.status.value}); look it up at the broker instead of resubmitting"
        )
