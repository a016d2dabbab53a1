"""Which trading services run on this machine: the one holding a mode's database, and those
holding the other modes' (a service started with ``--paper`` or ``--mode`` on a config of
another mode runs in that mode's database, where ``tradewind halt``, ``resume`` and ``status``
without ``--mode`` do not look)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tradewind.config import TradewindConfig

TRADING_MODES = ("simulated", "paper", "live")
"""The modes a trading service runs in (a backtest has no service)."""


def config_in_trading_mode(cfg: TradewindConfig, mode: str | None) -> TradewindConfig:
    """``cfg`` pointed at trading mode ``mode``'s database (``--mode`` of ``halt``, ``resume`` and
    ``risk status``; None: its own mode).

    Raises
    ------
    UsageError
        ``mode`` is not one a trading service runs in.
    """
    from tradewind.cli.runs_common import config_for_mode
    from tradewind.domain.errors import UsageError

    if mode is not None and mode not in TRADING_MODES:
        raise UsageError(f"--mode must be simulated, paper or live, was {mode!r}")
    return config_for_mode(cfg, mode)


def running_services(cfg: TradewindConfig) -> tuple[int | None, list[tuple[str, int | None]]]:
    """The pid of the trading service holding ``cfg``'s mode database (None when none runs),
    and the services running in the other trading modes' databases, as ``(mode, pid)``."""
    from tradewind.domain.types import TradingMode
    from tradewind.service.heartbeat import lock_holder
    from tradewind.service.paths import lock_path

    own = lock_path(cfg)
    holder = lock_holder(own)
    here = holder.get("pid") if holder is not None else None
    if holder is not None and here is None:
        here = -1  # held, pid not recorded
    elsewhere: list[tuple[str, int | None]] = []
    for other in TRADING_MODES:
        trading = cfg.trading.model_copy(update={"mode": TradingMode(other)})
        path = lock_path(cfg.model_copy(update={"trading": trading}))
        if other == cfg.trading.mode.value or path == own:
            continue
        found = lock_holder(path)
        if found is not None:
            elsewhere.append((other, found.get("pid")))
    return here, elsewhere
