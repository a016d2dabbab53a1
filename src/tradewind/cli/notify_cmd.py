"""``tradewind notify``: test the channels, see the outbox, deliver it without the service.

``notify test`` sends one message straight to each enabled channel (not through the outbox) and
reports, per channel, that it was accepted or exactly why not (exit 1 if any failed, 2 on a
malformed credential). ``notify status`` counts the outbox by channel and status with the last
errors. ``notify run`` delivers the outbox and answers Telegram commands while the trading
service is not running (it takes the service's instance lock, so the two never send the same
row twice); ``--once`` delivers what is queued and exits.
"""

from __future__ import annotations

import socket
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape
from rich.table import Table

from tradewind.cli.common import (
    ConfigOption,
    JsonOption,
    console,
    err_console,
    friendly_errors,
    load,
    print_json,
)
from tradewind.cli.databases import open_database
from tradewind.cli.ops_cmd import ModeOption
from tradewind.cli.trade_cmd import effective_config

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    from tradewind.config import TradewindConfig
    from tradewind.config.secrets import Secrets

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    import pandas as pd

app = typer.Typer(
    help="Notifications: test Discord / Telegram, see the outbox, deliver it.",
    no_args_is_help=True,
)

_VARIABLES = {
    "discord": ("DISCORD_WEBHOOK_URL",),
    "telegram": ("TELEGRAM_BOT_TOKEN", "TELEGRAM_CHAT_ID"),
}


@app.command("test")
def test(
    channel: list[str] = typer.Option(
        [], "--channel", help="Only this channel (discord, telegram); repeatable."
    ),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Send a test message to each enabled channel; report success or the exact failure.

    Exit 0 when every tested channel accepted it, 1 when one failed or none is enabled, 2 when
    a credential is malformed (the variable is named, its value never shown).

    Example: ``tradewind notify test`` (or ``tradewind notify test --channel telegram --json``)
    """
    from tradewind.config import load_secrets
    from tradewind.notify.runtime import active_channels

    cfg = load(config)
    secrets = load_secrets()
    with friendly_errors():
        active = active_channels(cfg.notifications, secrets)
    results = [_test_one(name, cfg, secrets, active) for name in _chosen(cfg, channel)]
    ok = bool(results) and all(r["ok"] for r in results)
    if as_json:
        print_json({"ok": ok, "channels": results})
    else:
        _print_results(results)
    if not ok:
        raise typer.Exit(1)


def _chosen(cfg: TradewindConfig, only: list[str]) -> list[str]:
    from tradewind.notify.routing import channel_sections

    sections = channel_sections(cfg.notifications)
    unknown = [c for c in only if c not in sections]
    if unknown:
        err_console.print(
            f"[bold red]Error[/]: unknown channel {', '.join(unknown)} "
            f"(channels: {', '.join(sections)})"
        )
        raise typer.Exit(2)
    names = only or list(sections)
    return [n for n in names if sections[n].enabled or n in only]


def _test_one(
    name: str, cfg: TradewindConfig, secrets: Secrets, active: list[str]
) -> dict[str, Any]:
    from tradewind.notify.channel import DeliveryError
    from tradewind.notify.compose import fields_notice
    from tradewind.notify.routing import channel_sections
    from tradewind.notify.runtime import build_channels

    section = channel_sections(cfg.notifications)[name]
    if not section.enabled:
        return {"channel": name, "ok": False, "detail": f"notifications.{name}.enabled is false"}
    if name not in active:
        missing = [v for v in _VARIABLES[name] if not secrets.present().get(v)]
        return {
            "channel": name,
            "ok": False,
            "detail": f"{' and '.join(missing)} not set (environment or .env)",
        }
    channels = build_channels(cfg.notifications, secrets, only=[name])
    ch, _ = channels[name]
    notice = fields_notice(
        "test",
        "🔔 tradewind test message",
        (
            ("Mode", cfg.trading.mode.value),
            ("Host", socket.gethostname()),
            ("Sent", f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC"),
        ),
        "If you can read this, tradewind's alerts reach you here.",
        severity="warning",  # rings on Telegram, like the alerts that matter
        ts=datetime.now(UTC),
    )
    started = time.monotonic()
    try:
        ch.send([notice])
    except DeliveryError as exc:
        return {"channel": name, "ok": False, "detail": str(exc), "status": exc.status}
    finally:
        ch.close()
    took = time.monotonic() - started
    return {"channel": name, "ok": True, "detail": f"accepted in {took:.2f} s"}


def _print_results(results: list[dict[str, Any]]) -> None:
    if not results:
        console.print(
            "No channel is enabled: set notifications.discord.enabled or "
            "notifications.telegram.enabled to true in the config."
        )
        return
    for r in results:
        mark = "[green]sent[/]" if r["ok"] else "[bold red]FAILED[/]"
        console.print(f"{r['channel']}: {mark} - {escape(r['detail'])}", highlight=False)


@app.command("status")
def status(
    mode: str | None = ModeOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """The outbox: messages by channel and status, the oldest waiting, the last errors.

    Example: ``tradewind notify status --json``
    """
    cfg = load(config)
    with friendly_errors():
        cfg = effective_config(cfg, mode)
        with open_database(cfg) as store:
            rows = store.notifications() if store is not None else []
    counts = Counter((r.channel, r.status) for r in rows)
    waiting = [r for r in rows if r.status == "pending"]
    failed = [r for r in rows if r.status == "failed"][-5:]
    payload: dict[str, Any] = {
        "database": cfg.database_url,
        "counts": [{"channel": c, "status": s, "count": n} for (c, s), n in sorted(counts.items())],
        "oldest_pending": min((r.created_at for r in waiting), default=None),
        "errors": [
            {
                "id": r.id,
                "channel": r.channel,
                "status": r.status,
                "attempts": r.attempts,
                "error": r.last_error,
                "kind": r.payload.get("kind"),
            }
            for r in [*[r for r in waiting if r.last_error][-5:], *failed]
        ],
    }
    if as_json:
        print_json(payload)
        return
    table = Table(title=f"Notification outbox ({cfg.database_url})")
    for col in ("channel", "status", "count"):
        table.add_column(col)
    for c in payload["counts"]:
        table.add_row(c["channel"], c["status"], str(c["count"]))
    console.print(table)
    if payload["oldest_pending"] is not None:
        console.print(f"oldest waiting message: {payload['oldest_pending']:%Y-%m-%d %H:%M} UTC")
    for e in payload["errors"]:
        console.print(
            f"[yellow]{e['channel']} #{e['id']} ({e['kind']}, {e['status']}, "
            f"{e['attempts']} attempts)[/]: {escape(str(e['error']))}",
            highlight=False,
        )


@app.command("run")
def run(
    once: bool = typer.Option(False, "--once", help="Deliver what is queued, then exit."),
    timeout: float = typer.Option(60.0, "--timeout", help="With --once: give up after N s."),
    mode: str | None = ModeOption,
    config: Path | None = ConfigOption,
) -> None:
    """Deliver the outbox (and answer Telegram commands) while the service is not running.

    Refused while ``tradewind trade`` runs on the same database: the service delivers its own.

    Example: ``tradewind notify run --once``
    """
    from tradewind.config import load_secrets
    from tradewind.notify.runtime import active_channels
    from tradewind.service.heartbeat import InstanceLock
    from tradewind.service.paths import lock_path

    cfg = load(config)
    secrets = load_secrets()
    with friendly_errors():
        cfg = effective_config(cfg, mode)
        active_channels(cfg.notifications, secrets)
        lock = InstanceLock(lock_path(cfg))
        lock.acquire({"mode": cfg.trading.mode.value, "role": "notify run"})
        try:
            with open_database(cfg) as store:
                if store is None:
                    console.print(f"Nothing has run in mode {cfg.trading.mode.value} yet.")
                    return
                if once:
                    _deliver_once(store, cfg, secrets, timeout)
                else:
                    _serve(store, cfg, secrets)
        finally:
            lock.release()


def _deliver_once(store: Any, cfg: TradewindConfig, secrets: Secrets, timeout: float) -> None:
    from tradewind.notify.dispatcher import Dispatcher
    from tradewind.notify.runtime import build_channels

    dispatcher = Dispatcher(
        store, build_channels(cfg.notifications, secrets), secrets=secrets.values()
    )
    dispatcher.flushing = True
    try:
        left = dispatcher.drain(timeout)
    finally:
        dispatcher.close()
    s = dispatcher.stats
    console.print(
        f"sent {s.rows_sent} notification(s) in {s.messages} message(s); {left} still queued"
        + (f"; last errors: {s.last_error}" if s.last_error else "")
    )
    if left:
        raise typer.Exit(1)


def _benchmark(cfg: TradewindConfig) -> pd.Series | None:
    """The S&P 500's recent closes for /daily (None when the data source has none)."""
    import pandas as pd

    from tradewind.data import get_market_data

    try:
        start = pd.Timestamp.now(tz="UTC") - pd.Timedelta(days=30)
        series: pd.Series | None = get_market_data(cfg).benchmark(start, None)
        return series
    except Exception:  # /daily then says n/a
        return None


def _serve(store: Any, cfg: TradewindConfig, secrets: Secrets) -> None:
    from tradewind.notify.runtime import Notifier, active_channels
    from tradewind.service.notify_backend import StoreCommands
    from tradewind.service.stopping import StopFlag

    backend = StoreCommands(
        store,
        cfg,
        benchmark=lambda: _benchmark(cfg),
        channels=active_channels(cfg.notifications, secrets),
    )
    notifier = Notifier(store, cfg.notifications, secrets, state=store, backend=backend)
    if not notifier.channels:
        console.print("No channel is enabled with its credentials; nothing to deliver.")
        return
    stop = StopFlag()
    restore = stop.install()
    notifier.start()
    console.print(f"delivering to {', '.join(notifier.channels)}; Ctrl-C to stop")
    try:
        while not stop.wait(1.0):
            pass
    finally:
        notifier.stop(5.0)
        restore()
