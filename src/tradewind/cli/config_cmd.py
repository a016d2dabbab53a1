"""``tradewind config check``: validate a configuration file and show it, secrets masked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from rich.tree import Tree

from tradewind.cli.common import JsonOption, console, err_console, friendly_errors, print_json
from tradewind.config import load_config, load_secrets
from tradewind.config.warnings import config_warnings

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

    Example: ``tradewind config check config/paper.example.yaml``
    """
    with friendly_errors():
        cfg = load_config(path)
    secrets = load_secrets(env_file)
    warnings = config_warnings(cfg, secrets)
    if as_json:
        print_json(
            {
                "valid": True,
                "config": cfg.model_dump(mode="json"),
                "secrets_present": secrets.present(),
                "warnings": warnings,
            }
        )
        return
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
    for w in warnings:
        err_console.print(f"[yellow]warning[/]: {w}", highlight=False)


def _add(node: Tree, value: Any) -> None:
    for key, item in value.items():
        if isinstance(item, dict):
            _add(node.add(f"[bold]{key}[/]"), item)
        else:
            node.add(f"{key}: [cyan]{item}[/]")
