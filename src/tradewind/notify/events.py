"""The events tradewind reports, each with its category (the switch that governs it) and title.

Kinds come from the engine (``regime_change``, ``stop``, ``halt``, ``daily_loss_warning``...), the
order manager (``order_rejected``, ``order_unknown``...), the service (``data_error``,
``cycle_failed``, ``service_start``...) and the notifier itself (``trade_filled``,
``rebalance_started``, ``daily_summary``...). A kind not listed here is categorised by its
severity, so nothing critical can slip through as "other".
"""

from __future__ import annotations

from datetime import datetime

from tradewind.notify.notice import Notice

KINDS: dict[str, tuple[str, str, str]] = {
    # kind: (category, icon, title)
    # halts and resumes: always sent while a channel is on
    "halt": ("halt", "🛑", "Trading HALTED"),
    "halt_latched": ("halt", "🛑", "Trading HALTED"),
    "manual_halt": ("halt", "🛑", "Trading HALTED (emergency stop)"),
    "reconciliation_halt": ("halt", "🛑", "Trading HALTED: broker and records disagree"),
    "reconciliation_blocked": ("halt", "🛑", "No trading: a reconciliation halt is active"),
    "reconciliation_adopted": ("halt", "", "Broker account adopted after the resume"),
    "capital_flow": ("halt", "💰", "Deposit or withdrawal adopted"),
    "resume": ("halt", "▶️", "Trading resumed"),
    "halt_cleared": ("halt", "▶️", "Halt cleared"),
    # risk warnings (notify_risk)
    "stop": ("risk", "⚠️", "Stop triggered"),
    "daily_loss_warning": ("risk", "⚠️", "Daily loss warning"),
    "drawdown_warning": ("risk", "⚠️", "Drawdown warning"),
    "flatten": ("risk", "⚠️", "Selling everything (flatten on halt)"),
    # regime (notify_regime_changes)
    "regime_change": ("regime", "🧭", "Regime change"),
    # trades (notify_trades)
    "trade_filled": ("trades", "✅", "Filled"),
    "order_canceled": ("trades", "", "Order canceled"),
    "broker_fees": ("trades", "", "Broker fees taken from the cash"),
    "cash_income": ("trades", "💵", "Dividend or interest booked"),
    # rebalancing (notify_rebalancing)
    "rebalance_started": ("rebalancing", "🔄", "Rebalance started"),
    "rebalance_finished": ("rebalancing", "🔄", "Rebalance finished"),
    # data and broker errors: always sent while a channel is on
    "order_error": ("error", "❗", "Order error"),
    "order_rejected": ("error", "❗", "Order rejected"),
    "order_abandoned": ("error", "❗", "Order abandoned"),
    "order_unknown": ("error", "❗", "Order state unknown"),
    "order_conflict": ("error", "❗", "Order conflict"),
    "data_error": ("error", "❗", "Data problem: no trade this cycle"),
    "cycle_failed": ("error", "❗", "Cycle failed"),
    "session_end_failed": ("error", "❗", "Close-of-day clean-up failed"),
    # the service (notify_service)
    "service_start": ("service", "▶️", "Service started"),
    "service_stop": ("service", "⏹", "Service stopped"),
    "service_restart": ("service", "🔁", "Service restarted"),
    "config_warning": ("service", "⚠️", "Configuration warning"),
    "risk_state_carried": ("service", "", "Risk state carried over"),
    "starting_capital": ("service", "", "Starting capital"),
    "capital_set_aside": ("service", "", "Cash set aside, never traded"),
    # the daily summary (notify_daily_summary) and test messages
    "daily_summary": ("daily", "📊", "Daily summary"),
    "test": ("test", "🔔", "tradewind test message"),
}


def describe(kind: str, severity: str) -> tuple[str, str, str]:
    """``(category, icon, title)`` of ``kind``; unknown kinds by severity (critical: a halt)."""
    if kind in KINDS:
        return KINDS[kind]
    title = kind.replace("_", " ").capitalize()
    if severity == "critical":
        return "halt", "🛑", title
    if severity == "error":
        return "error", "❗", title
    return "other", "", title


def headline(icon: str, title: str) -> str:
    """``icon title`` (just the title without an icon)."""
    return f"{icon} {title}" if icon else title


def event_notice(
    kind: str, message: str, severity: str, ts: datetime | None = None, context: str = ""
) -> Notice:
    """The notice of an engine or service event (``kind``, one-line ``message``)."""
    category, icon, title = describe(kind, severity)
    if severity == "critical":
        category = "halt"  # whatever it is, a critical event is never switched off
    return Notice(
        kind=kind,
        category=category,
        severity=severity,
        title=headline(icon, title),
        text=message,
        line=f"{title}: {first_line(message)}" if message else title,
        ts=ts,
        context=context,
    )


def first_line(message: str, limit: int = 300) -> str:
    """The first line of ``message``, cut to ``limit`` characters."""
    line = message.splitlines()[0] if message else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"
