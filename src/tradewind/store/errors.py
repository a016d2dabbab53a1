"""Errors of the store, grouped like the rest of tradewind by what the caller does next.

::

    TradewindError
    ├── ConfigError
    │   └── ModeMismatchError     the database belongs to another trading mode: refuse to start
    └── StoreError                the store cannot do what was asked
        ├── SchemaTooNewError     the database was written by a newer tradewind: upgrade tradewind
        ├── DuplicateOrderError   the client_order_id is already stored: never submit it twice
        ├── DuplicateCycleError   this run already recorded a cycle at that time
        └── UnknownOrderError     no order with that client_order_id
"""

from __future__ import annotations

from tradewind.domain.errors import ConfigError, TradewindError


class StoreError(TradewindError):
    """The store cannot do what was asked."""


class ModeMismatchError(ConfigError):
    """The database is stamped with another trading mode than the one opening it."""

    def __init__(self, database: str, owner: str, mode: str) -> None:
        self.database = database
        self.owner = owner
        self.mode = mode
        super().__init__(
            f"database.url: database {database} belongs to mode {owner!r}, not {mode!r}; "
            f"use a separate database per mode (the default sqlite:///data/tradewind-{{mode}}.db "
            f"does this), or run with trading.mode: {owner}"
        )


class SchemaTooNewError(StoreError):
    """The database's schema revision is unknown to this version of tradewind."""


class DuplicateCycleError(StoreError):
    """The run already has a cycle at this time."""


class UnknownOrderError(StoreError, KeyError):
    """No order with this ``client_order_id`` is stored."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown order"
