"""Factories of the real brokers (Alpaca, Webull's OpenAPI, the Webull app), registered in
:mod:`tradewind.brokers.registry`. Each SDK is imported only when its broker is chosen.

A factory refuses, with a :class:`ConfigError` naming the variable, when a credential is
missing or points at the other environment; it never contacts the broker (the first call does).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from tradewind.brokers.fill_journal import FillJournal
from tradewind.brokers.ratelimit import RateLimiter
from tradewind.brokers.snapshot import SnapshotBroker
from tradewind.brokers.wire import BrokerWire
from tradewind.config import TradewindConfig
from tradewind.config.broker_credentials import credential_problems
from tradewind.config.secrets import Secrets, load_secrets
from tradewind.domain.errors import ConfigError

MEMORY = ":memory:"


def state_path(journal_path: str | Path, suffix: str) -> str | Path:
    """A file beside the simulator's journal path (``<db>.simbroker.db`` -> ``<db>.<suffix>``);
    in memory for in-memory databases."""
    if str(journal_path) == MEMORY:
        return MEMORY
    path = Path(journal_path)
    stem = path.name.removesuffix(".simbroker.db")
    return path.with_name(f"{stem}.{suffix}")


def check_credentials(cfg: TradewindConfig, secrets: Secrets) -> None:
    """Raise :class:`ConfigError` listing every credential problem of ``cfg``'s broker."""
    problems = credential_problems(cfg, secrets)
    if problems:
        raise ConfigError([str(p) for p in problems], source="the environment / .env")


def _secret(secrets: Secrets, field: str) -> str:
    value = getattr(secrets, field)
    return value.get_secret_value() if value is not None else ""


def _environment(cfg: TradewindConfig) -> str:
    return "paper" if cfg.broker.paper_trading else "live"


def wrap(
    wire: BrokerWire,
    cfg: TradewindConfig,
    journal_path: str | Path,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> SnapshotBroker:
    """``wire`` behind the ``Broker`` protocol, with its fill journal and request budget."""
    account = f"{wire.name}:{_environment(cfg)}"
    journal = FillJournal(state_path(journal_path, f"{wire.name}-fills.db"), account)
    limiter = RateLimiter(cfg.broker.requests_per_minute, sleep=sleep)
    return SnapshotBroker(wire, journal, limiter, sleep=sleep)


def alpaca_wire(cfg: TradewindConfig, secrets: Secrets | None = None) -> BrokerWire:
    """Alpaca's wire for ``cfg`` (paper or live by ``broker.paper_trading``)."""
    from tradewind.brokers.alpaca import AlpacaWire

    secrets = secrets or load_secrets()
    check_credentials(cfg, secrets)
    return AlpacaWire(
        _secret(secrets, "alpaca_api_key"),
        _secret(secrets, "alpaca_secret_key"),
        paper=cfg.broker.paper_trading,
        timeout=cfg.broker.timeout_seconds,
        base_url=cfg.broker.base_url,
    )


def webull_wire(
    cfg: TradewindConfig, journal_path: str | Path, secrets: Secrets | None = None
) -> BrokerWire:
    """Webull's OpenAPI wire for ``cfg`` (test environment or production)."""
    from tradewind.brokers.webull import WebullWire

    secrets = secrets or load_secrets()
    check_credentials(cfg, secrets)
    token_dir = _state_dir(journal_path, "webull-token")
    return WebullWire(
        _secret(secrets, "webull_app_key"),
        _secret(secrets, "webull_app_secret"),
        paper=cfg.broker.paper_trading,
        timeout=cfg.broker.timeout_seconds,
        token_dir=token_dir,
        account_id=_secret(secrets, "webull_account_id") or None,
        base_url=cfg.broker.base_url,
    )


def webull_app_wire(
    cfg: TradewindConfig, journal_path: str | Path, secrets: Secrets | None = None
) -> BrokerWire:
    """The unofficial Webull app route (paper only; needs ``.venv-webull-app``)."""
    from tradewind.brokers.webull_app import WebullAppWire

    secrets = secrets or load_secrets()
    check_credentials(cfg, secrets)
    if not cfg.broker.paper_trading:
        raise ConfigError("broker.paper_trading: webull_app trades the app's paper account only")
    return WebullAppWire(
        _secret(secrets, "webull_email"),
        _secret(secrets, "webull_password"),
        trade_pin=_secret(secrets, "webull_trade_pin") or None,
        timeout=cfg.broker.timeout_seconds,
        map_path=state_path(journal_path, "webull_app-orders.db"),
        base_url=cfg.broker.base_url,
        state_dir=_state_dir(journal_path, "webull_app-state"),
    )


def _state_dir(journal_path: str | Path, suffix: str) -> Path:
    """A folder beside the database (a temporary one for in-memory databases)."""
    path = state_path(journal_path, suffix)
    if path == MEMORY:
        import tempfile

        return Path(tempfile.mkdtemp(prefix=f"tradewind-{suffix}-"))
    return Path(path)
