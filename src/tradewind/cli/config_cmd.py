"""``tradewind config check``: validate a configuration file and show it, secrets masked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from rich.tree import Tree

from tradewind.cli.common import JsonOption, console, err_console, friendly_errors, print_json
from tradewind.config import TradewindConfig, default_config_path, load_config, load_secrets
from tradewind.config.broker_credentials import REQUIRED, CredentialProblem, credential_problems
from tradewind.config.warnings import config_warnings
from tradewind.domain.errors import ConfigError

app = typer.Typer(help="Validate and show configuration.", no_args_is_help=True)


@app.command("check")
def check(
    path: Path | None = typer.Argument(
        None, help="Config YAML (default: $TRADEWIND_CONFIG or config/trading_config.yaml)."
    ),
    env_file: Path = typer.Option(Path(".env"), "--env-file", help="Dotenv file with secrets."),
    as_json: bool = JsonOption,
) -> None:
    """Validate PATH and print the resulting configuration; exit 2 with every problem if invalid.

    A valid file that names a data source or broker that does not exist yet is reported as
    valid with a warning saying so (the commands that need it refuse it). The broker's
    credentials are checked for presence (per broker and environment, from the environment or
    ``--env-file``): each missing or inconsistent variable is named with its fix (an error in
    paper/live mode, where ``trade`` refuses to start without them; the exit code stays 0).

    Example: ``tradewind config check config/paper.example.yaml``
    """
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
    unavailable = availability_warnings(cfg)
    creds = credential_problems(cfg, secrets)
    warnings = [*unavailable, *config_warnings(cfg, secrets)]
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
                "warnings": warnings,
            }
        )
        return
    if unavailable:
        console.print(
            f"[bold yellow]Configuration is valid, but {len(unavailable)} setting(s) are not "
            "available yet[/] (see the warnings below)"
        )
    else:
        console.print("[bold green]Configuration is valid[/]")
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


def _print_credentials(cfg: TradewindConfig, creds: list[CredentialProblem]) -> None:
    """One line for the broker's credentials: fine, or each problem with its fix."""
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
