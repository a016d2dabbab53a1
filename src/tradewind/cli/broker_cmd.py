"""``tradewind test-broker``: check the broker connection step by step, each failure with its fix.

The runbook's ``python scripts/test_broker_connection.py --paper`` is
``tradewind test-broker --paper``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape

from tradewind.cli.common import (
    ConfigOption,
    JsonOption,
    console,
    friendly_errors,
    load,
    print_json,
)
from tradewind.domain.errors import ConfigError

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    from tradewind.config import TradewindConfig

EXIT_FAILED = 1
_MARK = {"pass": "[green]PASS[/]", "fail": "[bold red]FAIL[/]", "skipped": "[dim]SKIP[/]"}


def _environment(cfg: TradewindConfig, paper: bool, live: bool) -> TradewindConfig:
    """``cfg`` with ``--paper`` / ``--live`` applied to ``broker.paper_trading``."""
    from tradewind.config import TradewindConfig
    from tradewind.config.errors import format_validation_error

    if paper and live:
        raise ConfigError("--paper and --live contradict each other; give one")
    if not (paper or live):
        return cfg
    data: dict[str, Any] = cfg.model_dump(mode="json")
    data["broker"]["paper_trading"] = paper
    if data["trading"]["mode"] in ("paper", "live"):
        data["trading"]["mode"] = "paper" if paper else "live"
    from pydantic import ValidationError

    try:
        return TradewindConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, TradewindConfig)) from None


def test_broker(
    paper: bool = typer.Option(
        False, "--paper", help="Check the paper account (default: broker.paper_trading)."
    ),
    live: bool = typer.Option(
        False, "--live", help="Check the live account (read-only: no order is ever placed)."
    ),
    place_test_order: bool = typer.Option(
        False,
        "--place-test-order",
        help="Paper only, market open: place a 1-share limit buy at $1.00, then cancel it.",
    ),
    env_file: Path = typer.Option(
        Path(".env"), "--env-file", help="Dotenv file with the credentials."
    ),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Check the connection to the broker named by broker.name, step by step.

    Credentials, host, auth, account, positions, market clock, and on request a test order;
    a PASS/FAIL line per step with the fix.

    Example: ``tradewind test-broker --paper --place-test-order`` (the runbook's
    ``python scripts/test_broker_connection.py --paper`` runs ``tradewind test-broker --paper``).
    Exit code 0 when every step passes, 1 otherwise.
    """
    from tradewind.brokers.connection_check import run_checks
    from tradewind.brokers.real import alpaca_wire, webull_app_wire, webull_wire, wrap
    from tradewind.config.secrets import load_secrets
    from tradewind.service.paths import journal_path

    file_cfg = load(config)
    with friendly_errors():
        cfg = _environment(file_cfg, paper, live)
        if cfg.broker.name == "simulated":
            raise ConfigError(
                "broker.name: simulated needs no connection test; set broker.name to alpaca, "
                "webull or webull_app"
            )
    secrets = load_secrets(env_file)
    journal = journal_path(cfg)

    def build() -> Any:
        name = cfg.broker.name
        if name == "alpaca":
            wire = alpaca_wire(cfg, secrets)
        elif name == "webull":
            wire = webull_wire(cfg, journal, secrets)
        else:
            wire = webull_app_wire(cfg, journal, secrets)
        return wrap(wire, cfg, journal)

    steps = run_checks(cfg, secrets, build, place_test_order=place_test_order)
    failed = any(s.ok is False for s in steps)
    if as_json:
        print_json(
            {
                "broker": cfg.broker.name,
                "environment": "paper" if cfg.broker.paper_trading else "live",
                "ok": not failed,
                "steps": [s.as_dict() for s in steps],
            }
        )
    else:
        env = "paper" if cfg.broker.paper_trading else "LIVE (read-only)"
        console.print(f"[bold]tradewind test-broker[/]: {cfg.broker.name}, {env}")
        for s in steps:
            row = s.as_dict()
            console.print(
                f"  {_MARK[str(row['status'])]} {s.name:<13} {escape(s.detail)}", highlight=False
            )
            if s.fix and s.ok is False:
                console.print(f"       [yellow]fix[/]: {escape(s.fix)}", highlight=False)
        console.print("[green]all steps passed[/]" if not failed else "[red]some steps failed[/]")
    if failed:
        raise typer.Exit(EXIT_FAILED)
