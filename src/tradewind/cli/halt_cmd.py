"""``tradewind halt``: the emergency stop from the machine's command line.

It latches the same emergency halt as Telegram's ``/halt`` (:func:`tradewind.service.halts.
emergency_halt`, through the Telegram commands' own backend): committed to the mode's database
with its ``halt_latched`` event and a critical alert queued for every enabled channel, in one
transaction. A trading service running in that mode reads its halts before every cycle, so from
its next cycle no order adds risk (exits and stops still run, open buys are cancelled, positions
are sold if ``circuit_breaker.flatten_on_halt`` is on), and every wall-clock start of the mode is
halted until a person runs ``tradewind resume --confirm --reason "..."``. Replays keep their own
simulated account and are not bound, as with a breaker's halt.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from tradewind.cli.common import (
    ConfigOption,
    JsonOption,
    console,
    err_console,
    friendly_errors,
    load,
    print_json,
)
from tradewind.cli.risk_cmd import who_runs_this
from tradewind.domain.fmt import utc_time

if TYPE_CHECKING:
    from tradewind.config import TradewindConfig


def halt(
    reason: str = typer.Option(
        "", "--reason", "-r", help="Why trading must stop now (recorded with your name)."
    ),
    mode: str | None = typer.Option(
        None,
        "--mode",
        "-m",
        help="The mode to halt: simulated, paper or live (default: trading.mode; a service "
        "started with --paper or --mode paper runs in paper).",
    ),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Emergency stop: latch a halt now; no new risk from the next cycle until a person resumes.

    Exit code 1 when no trading service runs in the halted mode while one runs in another
    (the halt does not reach it: halt that mode with --mode).

    Example: ``tradewind halt --reason "broker outage, positions unclear"``
    """
    if not reason.strip():
        err_console.print(
            '[bold red]Refusing to halt without a reason[/]: give --reason "what is wrong"; '
            'it is recorded with your name and the time, e.g. tradewind halt --reason "broker '
            'outage, positions unclear"'
        )
        raise typer.Exit(2)
    from tradewind.cli.services_running import config_in_trading_mode, running_services

    cfg = load(config)
    with friendly_errors():
        cfg = config_in_trading_mode(cfg, mode)
        done = latch_emergency_halt(cfg, who_runs_this(), reason.strip())
        here, elsewhere = running_services(cfg)
    name = cfg.trading.mode.value
    missed = here is None and bool(elsewhere)
    if as_json:
        print_json(
            {
                "mode": name,
                **done.as_dict(),
                "service_running": here is not None,
                "services_in_other_modes": [{"mode": m, "pid": p} for m, p in elsewhere],
            }
        )
        raise typer.Exit(1 if missed else 0)
    if not done.latched:
        console.print(
            f"[bold red]Already halted[/] (mode {name}) since {done.since}: {done.reason}\n"
            "Nothing changed.",
            highlight=False,
        )
    else:
        where = (
            f"the alert is queued for {', '.join(done.channels)} (a running service sends it; "
            "otherwise: tradewind notify run --once)"
            if done.channels
            else "no notification channel is enabled: the halt is recorded in the mode's database"
        )
        console.print(
            f"[bold red]HALTED[/] (mode {name}): {done.reason}\n"
            "A running trading service adds no risk from its next cycle on, and every "
            f"wall-clock start of this mode stays halted; {where}.\n"
            f"Resume after review: {done.resume}",
            highlight=False,
        )
    if missed:
        others = ", ".join(f"{m} (pid {p})" for m, p in elsewhere)
        err_console.print(
            f"[bold red]No trading service runs in mode {name}, but one runs in {others}: "
            f"that service is NOT halted.[/] Halt it with: tradewind halt --mode "
            f'{elsewhere[0][0]} --reason "..."',
            highlight=False,
        )
        raise typer.Exit(1)


@dataclass(frozen=True)
class EmergencyHalt:
    """What ``tradewind halt`` did: the active emergency halt and whether it latched it."""

    latched: bool
    kind: str
    since: str
    reason: str
    channels: tuple[str, ...]
    resume: str

    def as_dict(self) -> dict[str, object]:
        """The JSON answer."""
        return {
            "latched": self.latched,
            "kind": self.kind,
            "since": self.since,
            "reason": self.reason,
            "channels": list(self.channels),
            "resume": self.resume,
        }


def latch_emergency_halt(cfg: TradewindConfig, who: str, reason: str) -> EmergencyHalt:
    """Latch an emergency halt in ``cfg``'s mode database (created if the service never ran
    there, so the halt binds its first start), through Telegram ``/halt``'s own backend; an
    active emergency halt is left as it is (``latched`` False)."""
    from tradewind.config.secrets import load_secrets
    from tradewind.notify.runtime import active_channels
    from tradewind.service.notify_backend import RESUME_HINT, StoreCommands
    from tradewind.store import Store

    secrets = load_secrets()
    channels = tuple(active_channels(cfg.notifications, secrets))
    with Store(cfg.database_url, mode=cfg.trading.mode.value, secrets=secrets.values()) as store:
        halt, latched = StoreCommands(store, cfg, channels=channels).latch(who, reason)
    since = utc_time(halt.latched_at)
    return EmergencyHalt(latched, halt.kind, since, halt.reason, channels, RESUME_HINT)
