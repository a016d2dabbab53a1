"""The store: one object with the whole repository API, and :func:`open_store` for a config."""

from __future__ import annotations

from collections.abc import Iterable

from tradewind.config.root import TradewindConfig
from tradewind.config.secrets import load_secrets
from tradewind.store.repo_ops import OpsRepo
from tradewind.store.repo_orders import OrdersRepo
from tradewind.store.repo_outbox import OutboxRepo
from tradewind.store.repo_runs import RunsRepo


class Store(RunsRepo, OrdersRepo, OpsRepo, OutboxRepo):
    """Persistent state of one trading mode: runs, cycles, orders, fills, halts, outbox, health.

    Opening creates the SQLite folder, enables WAL, foreign keys and a busy timeout, upgrades
    the schema to the newest revision and refuses a database stamped with another mode. Every
    write method is one transaction, committed when it returns.

    Parameters are those of :class:`~tradewind.store.core.StoreCore`.

    Examples
    --------
    >>> from datetime import datetime, UTC
    >>> store = Store("sqlite://", mode="simulated")
    >>> run_id = store.start_run(
    ...     name="demo", started_at=datetime(2024, 1, 2, 21, tzinfo=UTC),
    ...     symbols=["SPY"], initial_cash=10_000.0)
    >>> store.active_halt() is None
    True
    >>> store.close()
    """

    def __enter__(self) -> Store:
        return self


def open_store(
    cfg: TradewindConfig,
    *,
    secrets: Iterable[str] | None = None,
    migrate: bool = True,
    create: bool = True,
) -> Store:
    """Open the store of ``cfg``: ``cfg.database_url`` in mode ``cfg.trading.mode``.

    Parameters
    ----------
    cfg
        The validated configuration.
    secrets
        Values to mask in everything written; None reads them from the environment and ``.env``.
    migrate
        Upgrade the schema on open.
    create
        Create the database if it does not exist (False for read-only commands).
    """
    values = list(secrets) if secrets is not None else load_secrets().values()
    return Store(
        cfg.database_url,
        mode=cfg.trading.mode.value,
        secrets=values,
        migrate=migrate,
        create=create,
    )
