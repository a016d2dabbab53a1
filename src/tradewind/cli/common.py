"""Helpers shared by CLI commands: config loading, JSON output and friendly errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from tradewind.config import TradewindConfig, load_config
from tradewind.domain.errors import ConfigError, DataError, TradewindError

console = Console()
err_console = Console(stderr=True)

T = TypeVar("T")

ConfigOption = typer.Option(
    None,
    "--config",
    "-c",
    help="Config YAML (default: $TRADEWIND_CONFIG or config/trading_config.yaml).",
)
JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON instead of tables.")


def load(path: Path | None) -> TradewindConfig:
    """Load the config or exit with code 2 and the list of problems."""
    with friendly_errors():
        return load_config(path)
    raise AssertionError("unreachable")  # pragma: no cover - friendly_errors always exits


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Turn tradewind errors into a red message and a non-zero exit, without a traceback."""
    try:
        yield
    except ConfigError as exc:
        err_console.print(f"[bold red]Config error[/]: {escape(str(exc))}", highlight=False)
        raise typer.Exit(2) from None
    except DataError as exc:
        err_console.print(f"[bold red]Data error[/]: {escape(str(exc))}", highlight=False)
        raise typer.Exit(3) from None
    except TradewindError as exc:
        err_console.print(f"[bold red]Error[/]: {escape(str(exc))}", highlight=False)
        raise typer.Exit(1) from None


def print_json(payload: Any) -> None:
    """Write ``payload`` as JSON to stdout (dates and numpy scalars made serialisable)."""
    sys.stdout.write(json.dumps(payload, indent=2, default=_default) + "\n")


def _default(obj: Any) -> Any:
    for attr in ("isoformat", "item", "tolist"):
        fn: Callable[[], Any] | None = getattr(obj, attr, None)
        if fn is not None:
            return fn()
    return str(obj)
