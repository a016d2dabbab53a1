"""The mode's database as the read-only commands open it (``status``, ``orders``,
``positions``, ``risk status``, ``notify``): None when nothing has run in that mode yet."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    from tradewind.config import TradewindConfig
    from tradewind.store import Store
    from tradewind.store.reader import StoreReads


@contextmanager
def open_database(cfg: TradewindConfig) -> Iterator[Store | None]:
    """The mode's store opened read-only, or None when nothing has run in this mode yet."""
    from tradewind.service.paths import database_file
    from tradewind.store import Store

    path = database_file(cfg)
    if path is not None and not path.exists():
        yield None
        return
    store = Store(cfg.database_url, mode=None, migrate=False)
    try:
        yield store
    finally:
        store.close()


@contextmanager
def read_database(cfg: TradewindConfig) -> Iterator[StoreReads | None]:
    """The mode's database opened for the reads of ``status``, ``orders``, ``positions`` and
    ``risk status`` (:func:`tradewind.store.reader.open_reader`: a SQLite file through the
    stdlib, without SQLAlchemy), or None when nothing has run in this mode yet."""
    from tradewind.service.paths import database_file
    from tradewind.store.reader import open_reader

    path = database_file(cfg)
    if path is not None and not path.exists():
        yield None
        return
    with open_reader(cfg.database_url) as store:
        yield store
