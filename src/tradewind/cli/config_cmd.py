"""``tradewind config check``: validate a configuration file and show it, secrets masked."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from tradewind.cli.common import JsonOption, console, err_console, friendly_errors, print_json
from tradewind.domain.errors import ConfigError, DataError

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    from tradewind.config import TradewindConfig
    from tradewind.config.broker_credentials import CredentialProblem

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    from tradewind.risk.stop_check import DailyRange

app = typer.Typer(help="Validate and show configuration.", no_args_is_help=True)

EXIT_TRADE_WOULD_REFUSE = 1
"""``config check --strict``: the file is valid but ``tradewind trade`` would refuse it."""


@app.command("check")
def check(
    path: Path | None = typer.Argument(
        None, help="Config YAML (default: $TRADEWIND_CONFIG or config/trading_config.yaml)."
    ),
    env_file: Path = typer.Option(Path(".env"), "--env-file", help="Dotenv file with secrets."),
    prices: bool = typer.Option(
        True,
        "--prices/--no-prices",
        help="Read the configured prices to check the stop distances against each symbol's "
        "typical daily range.",
    ),
    strict: bool = typer.Option(
        False,
        "--strict",
        help=f"Exit {EXIT_TRADE_WOULD_REFUSE} when the file is valid but `tradewind trade` would "
        "refuse to start with it (missing broker credentials in paper/live mode, a setting "
        "not available yet).",
    ),
    as_json: bool = JsonOption,
) -> None:
    """Validate PATH and print the resulting configuration; exit 2 with every problem if invalid.

    A valid file that names a data source or broker that does not exist yet is reported as
    valid with a warning saying so (the commands that need it refuse it). With the configured
    prices at hand, a stop distance inside a symbol's typical daily range is warned about,
    naming the symbol and its median range. The broker's credentials are checked for presence
    (per broker and environment, from the environment or ``--env-file``): each missing or
    inconsistent variable is named with its fix (an error in paper/live mode, where ``trade``
    refuses to start without them). When ``trade`` would refuse to start, the first line says
    so and why; the exit code stays 0 unless ``--strict`` is given.

    Examples: ``tradewind config check config/paper.example.yaml``,
    ``tradewind config check --strict`` (in a deployment script: exit 1 if trade would refuse).
    """
    from tradewind.config import default_config_path, load_config, load_secrets
    from tradewind.config.broker_credentials import REQUIRED, credential_problems
    from tradewind.config.notify_secrets import notification_secret_problems
    from tradewind.config.warnings import config_warnings

    with friendly_errors():
        try:
            cfg = load_config(path)
        except ConfigError as exc:
            if as_json:
                print_json(
                    {"valid": False, "file": str(path or default_config_path()), **_json(exc)}
                )
            raise
    secrets = load_secrets(env_file)
    # issue 22: the notification variables' shapes (named, values never shown)
    bad_secrets, secret_warnings = notification_secret_problems(cfg.notifications, secrets)
    if bad_secrets:
        refused = ConfigError(bad_secrets, source=f"the environment / {env_file}")
        if as_json:
            file = str(path or default_config_path())
            print_json({"valid": False, "file": file, **_json(refused)})
        with friendly_errors():
            raise refused
    unavailable = availability_warnings(cfg)
    ranges, stops = stop_range_warnings(cfg) if prices else ({}, [])
    creds = credential_problems(cfg, secrets)
    warnings = [*unavailable, *config_warnings(cfg, secrets), *secret_warnings, *stops]
    refusals = trade_refusals(cfg, unavailable, creds)
    if as_json:
        print_json(
            {
                "valid": True,
                "config": cfg.model_dump(mode="json"),
                "secrets_present": secrets.present(),
                "broker_credentials": {
                    "broker": cfg.broker.name,
                    "environment": "paper" if cfg.broker.paper_trading else "live",
                    "required": list(REQUIRED.get(cfg.broker.name, ())),
                    "problems": [
                        {"variable": p.variable, "message": p.message, "fix": p.fix} for p in creds
                    ],
                },
                "not_available": unavailable,
                "daily_ranges": {
                    s: {"median": r.median, "basis": r.basis, "bars": r.bars}
                    for s, r in ranges.items()
                },
                "warnings": warnings,
                "trade_would_refuse": refusals,
            }
        )
        _exit_if_strict(strict, refusals)
        return
    _print_verdict(cfg, refusals)
    tree = Tree("[bold]trading_config[/]")
    _add(tree, cfg.model_dump(mode="json"))
    console.print(tree)
    table = Table(title="Credentials (from environment / .env; values never shown)")
    table.add_column("variable")
    table.add_column("set")
    for name, is_set in secrets.present().items():
        table.add_row(name, "[green]yes[/]" if is_set else "[dim]no[/]")
    console.print(table)
    _print_credentials(cfg, creds)
    for w in warnings:
        err_console.print(f"[yellow]warning[/]: {w}", highlight=False)
    _exit_if_strict(strict, refusals)


def trade_refusals(
    cfg: TradewindConfig, unavailable: list[str], creds: list[CredentialProblem]
) -> list[str]:
    """Why ``tradewind trade`` would refuse to start with ``cfg`` (empty: it would start, as far
    as a config check can tell): each setting not available yet, and each broker credential
    problem in paper or live mode (the simulated mode does not use them)."""
    out = list(unavailable)
    if cfg.trading.mode.value in ("paper", "live"):
        env = "paper" if cfg.broker.paper_trading else "live"
        out += [
            f"broker credentials ({cfg.broker.name}, {env}): {p.variable}: {p.message}"
            for p in creds
        ]
    return out


def _print_verdict(cfg: TradewindConfig, refusals: list[str]) -> None:
    """The first line: valid, or valid but ``trade`` would refuse, and why (one line each,
    never wrapped by rich: a script or a reader can grep them)."""
    if not refusals:
        console.print("[bold green]Configuration is valid[/]")
        return
    console.print(
        "[bold red]Configuration is valid, but `tradewind trade` will refuse to start[/] "
        f"(trading.mode {cfg.trading.mode.value}):",
        highlight=False,
        soft_wrap=True,
    )
    for reason in refusals:
        console.print(f"  - {escape(reason)}", highlight=False, soft_wrap=True)
    console.print("  (each fix is in the errors and warnings at the end)", highlight=False)


def _exit_if_strict(strict: bool, refusals: list[str]) -> None:
    if strict and refusals:
        raise typer.Exit(EXIT_TRADE_WOULD_REFUSE)


def stop_range_warnings(cfg: TradewindConfig) -> tuple[dict[str, DailyRange], list[str]]:
    """Each symbol's typical daily range and the stop distances inside one (issue 27).

    The prices come from the configured source (the last year of it; a network source is read
    from its cache only: a config check never reaches the network); when they cannot be read,
    a warning says the distances were not checked and why.
    """
    from tradewind.risk.stop_check import stop_warnings, typical_range

    section = cfg.risk_management.stop_loss
    if not section.enabled or not section.types:
        return {}, []
    from tradewind.data import get_market_data
    from tradewind.data.live import LiveData

    try:
        provider = get_market_data(cfg)
        if isinstance(provider, LiveData):  # the cache only ("tradewind data fetch" fills it)
            reason = "config check reads the cache only"
            provider.providers = {name: reason for name in provider.providers}
        barset = provider.bars(list(cfg.trading.symbols))
    except (DataError, ConfigError) as exc:
        return {}, [f"stop distances not checked against prices ({exc})"]
    ranges = {
        s: typical_range(barset[s], close_only=s in barset.derived_ohlc)
        for s in cfg.trading.symbols
    }
    return ranges, stop_warnings(section, ranges)


def _print_credentials(cfg: TradewindConfig, creds: list[CredentialProblem]) -> None:
    """One line for the broker's credentials: fine, or each problem with its fix."""
    from tradewind.config.broker_credentials import REQUIRED

    name = cfg.broker.name
    if name not in REQUIRED:
        return
    env = "paper" if cfg.broker.paper_trading else "live"
    mode = cfg.trading.mode.value
    if not creds:
        console.print(
            f"Broker credentials for {name} ({env}): [green]all set[/] "
            f"({', '.join(REQUIRED[name])}); check they work: tradewind test-broker --{env}",
            highlight=False,
        )
        return
    level = "error" if mode in ("paper", "live") else "warning"
    for p in creds:
        err_console.print(
            f"[{'red' if level == 'error' else 'yellow'}]{level}[/]: broker credentials "
            f"({name}, {env}): {p}",
            highlight=False,
        )


def availability_warnings(cfg: TradewindConfig) -> list[str]:
    """What a valid config names that tradewind cannot run yet: the data source, the broker."""
    from tradewind.brokers.registry import available_brokers, broker_name
    from tradewind.data.registry import registered_sources

    out: list[str] = []
    sources = registered_sources()
    if cfg.data.source not in sources:
        out.append(
            f"valid, but data.source '{cfg.data.source}' is not available yet: every command "
            f"that reads prices refuses it (available now: {', '.join(sources)})"
        )
    broker, brokers = broker_name(cfg), available_brokers()
    if broker not in brokers:
        out.append(
            f"valid, but broker.name '{broker}' is not available yet: trading.mode "
            f"'{cfg.trading.mode.value}' refuses to start (available now: {', '.join(brokers)}); "
            "nothing falls back to the simulator"
        )
    return out


def _json(exc: ConfigError) -> dict[str, Any]:
    return {
        "source": exc.source,
        "problems": [
            {"path": p.path, "message": p.message, "fix": p.fix, "set_by": p.origin or None}
            for p in exc.details
        ],
    }


def _add(node: Tree, value: Any) -> None:
    for key, item in value.items():
        if isinstance(item, dict):
            _add(node.add(f"[bold]{key}[/]"), item)
        else:
            node.add(f"{key}: [cyan]{item}[/]")
