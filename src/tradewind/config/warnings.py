"""Non-fatal remarks on a valid configuration: things that work but may surprise the user."""

from __future__ import annotations

from tradewind.config.root import TradewindConfig
from tradewind.config.secrets import Secrets
from tradewind.domain.types import TradingMode


def config_warnings(cfg: TradewindConfig, secrets: Secrets) -> list[str]:
    """Return human-readable warnings about ``cfg`` given which credentials are present."""
    present = secrets.present()
    out: list[str] = []
    notes = cfg.notifications
    if notes.discord.enabled and not present["DISCORD_WEBHOOK_URL"]:
        out.append(
            "notifications.discord.enabled is true but DISCORD_WEBHOOK_URL is not set; "
            "alerts will only be logged"
        )
    if notes.telegram.enabled and not (
        present["TELEGRAM_BOT_TOKEN"] and present["TELEGRAM_CHAT_ID"]
    ):
        out.append(
            "notifications.telegram.enabled is true but TELEGRAM_BOT_TOKEN / TELEGRAM_CHAT_ID "
            "are not set; alerts will only be logged"
        )
    mode = cfg.trading.mode  # broker credentials: config.broker_credentials (config check)
    if mode is TradingMode.SIMULATED and cfg.broker.name != "simulated":
        out.append(
            f"trading.mode is simulated: orders go to the built-in simulator, not "
            f"{cfg.broker.name!r} (that broker is used in paper/live mode)"
        )
    if mode is TradingMode.LIVE:
        out.append(
            "trading.mode is LIVE: real money. Starting also needs TRADEWIND_ALLOW_LIVE=yes "
            "and --live on the command line"
        )
    if cfg.risk_management.state_path is not None:
        out.append(
            "risk_management.state_path is no longer used: latched halts live in the mode's "
            "database (database.url); remove the key (tradewind risk status shows them)"
        )
    never_fills = wall_clock_fill_warning(cfg)
    if never_fills is not None:
        out.append(never_fills)
    if cfg.data.source in ("bundled", "synthetic"):
        out.append(
            f"data.source is {cfg.data.source!r}: historical/synthetic prices, not live quotes"
        )
    return out


def wall_clock_fill_warning(cfg: TradewindConfig) -> str | None:
    """The warning for simulated settings under which no wall-clock order can ever fill.

    With ``execution.fill_price: next_open`` a simulated order rests until the next bar opens,
    and with ``execution.cancel_open_orders_at_close: true`` every order still open at the
    close is canceled first: on the wall clock nothing fills (replays and backtests are not
    affected: they never cancel at the close).
    """
    ex = cfg.execution
    if cfg.trading.mode is not TradingMode.SIMULATED:
        return None
    if ex.fill_price != "next_open" or not ex.cancel_open_orders_at_close:
        return None
    return (
        "execution.fill_price is 'next_open' and execution.cancel_open_orders_at_close is true: "
        "on the wall clock (tradewind trade without --replay) every simulated order waits for "
        "the next open and is canceled at the close before it, so nothing ever fills. Set "
        "execution.fill_price: close, or execution.cancel_open_orders_at_close: false "
        "(replays and backtests are not affected)"
    )
