"""Helpers shared by CLI commands: config loading, JSON output and friendly errors."""

from __future__ import annotations

import json
import logging
import shlex
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.markup import escape

from tradewind.cli.consoles import CommandConsole
from tradewind.domain.errors import (
    ConfigError,
    DataError,
    MissingDataError,
    TradewindError,
    UsageError,
)

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    from tradewind.config import (
        TradewindConfig,
    )

console = CommandConsole()
err_console = CommandConsole(stderr=True)
log = logging.getLogger("tradewind.cli")

T = TypeVar("T")

ConfigOption = typer.Option(
    None,
    "--config",
    "-c",
    help="Config YAML (default: $TRADEWIND_CONFIG or config/trading_config.yaml).",
)
JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON instead of tables.")
DataPathOption = typer.Option(
    None,
    "--data",
    help="Your own prices: a CSV/Parquet file or a folder of them (selects --source files).",
)


def load(path: Path | None) -> TradewindConfig:
    """Load the config or exit with code 2 and the list of problems; then start logging.

    Without ``--config``, when the default file does not exist (running outside the repository),
    the built-in defaults apply (simulated mode) and a warning says so.

    Every command that loads a configuration logs to the rotating ``logging.path`` file
    (warnings also to stderr, so stdout stays the command's result); the trading service
    replaces this with its own console logging (:func:`configure_logging`).
    """
    from tradewind.config import (
        TradewindConfig,
        default_config_path,
        load_config,
    )

    with friendly_errors():
        if path is None and not default_config_path().exists():
            err_console.print(
                f"[yellow]warning[/]: no {default_config_path()} here; using the built-in "
                "defaults (simulated mode). Pass --config to use a file.",
                highlight=False,
            )
            cfg = TradewindConfig()
        else:
            cfg = load_config(path)
        configure_logging(cfg, console_output=False, stderr_level="WARNING")
        log.info("%s (config %s)", invocation(), path or "default")
        return cfg
    raise AssertionError("unreachable")  # pragma: no cover - friendly_errors always exits


def invocation() -> str:
    """The command line as the user typed it, for the log: ``tradewind backtest --start ...``,
    or ``scripts/run_backtest.py (tradewind backtest) --walk-forward`` from a runbook script
    (:mod:`scripts._shim` puts the sub-command in ``TRADEWIND_SCRIPT_COMMAND``)."""
    import os

    args = shlex.join(sys.argv[1:])
    script = os.environ.get(SCRIPT_ENV)
    if script:
        return f"{Path(sys.argv[0]).name} (tradewind {script}) {args}".rstrip()
    return f"tradewind {args}".rstrip()


SCRIPT_ENV = "TRADEWIND_SCRIPT_COMMAND"
"""Set by the runbook's ``scripts/*.py`` shims to the sub-command they run."""


def configure_logging(
    cfg: TradewindConfig, *, console_output: bool = True, stderr_level: str | None = None
) -> Path:
    """Log to ``logging.path`` (``logs/trading.log``, rotating), secrets masked; also to the
    console (rich, at ``logging.level``) and/or to stderr (plain, ``stderr_level`` and up)."""
    from tradewind.config import (
        load_secrets,
    )
    from tradewind.logsetup import setup_logging

    log_path = setup_logging(
        cfg.logging.path,
        cfg.logging.level,
        secrets=load_secrets().values(),
        max_bytes=cfg.logging.max_bytes,
        backup_count=cfg.logging.backup_count,
        console=console_output,
        stderr_level=stderr_level,
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return log_path


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Turn tradewind errors into a red message and a non-zero exit, without a traceback.

    Every refusal is also written to the log file (not again to the console): a paper or live
    start that was refused leaves its reason in ``logs/trading.log``.
    """
    try:
        yield
    except UsageError as exc:
        _log_refusal("invalid option", exc)
        err_console.print(f"[bold red]Invalid option[/]: {escape(str(exc))}", highlight=False)
        raise typer.Exit(2) from None
    except ConfigError as exc:
        _log_refusal("config error", exc)
        err_console.print(f"[bold red]Config error[/]: {escape(str(exc))}", highlight=False)
        raise typer.Exit(2) from None
    except DataError as exc:
        _log_refusal("data error", exc)
        err_console.print(f"[bold red]Data error[/]: {escape(str(exc))}", highlight=False)
        raise typer.Exit(3) from None
    except TradewindError as exc:
        _log_refusal("error", exc)
        err_console.print(f"[bold red]Error[/]: {escape(str(exc))}", highlight=False)
        raise typer.Exit(1) from None


def _log_refusal(kind: str, exc: Exception) -> None:
    """Log why a command stopped, to the log file only (the console shows it in red)."""
    from tradewind.logsetup import FILE_ONLY

    if not any(getattr(h, "_tradewind", False) for h in logging.getLogger().handlers):
        return  # logging is not set up yet (the configuration itself was refused)
    log.error("%s (%s): %s", kind, type(exc).__name__, exc, extra={FILE_ONLY: True})


def print_json(payload: Any) -> None:
    """Write ``payload`` as JSON to stdout (dates and numpy scalars made serialisable)."""
    sys.stdout.write(json.dumps(payload, indent=2, default=_default) + "\n")


def _default(obj: Any) -> Any:
    for attr in ("isoformat", "item", "tolist"):
        fn: Callable[[], Any] | None = getattr(obj, attr, None)
        if fn is not None:
            return fn()
    return str(obj)


def config_with_source(
    cfg: TradewindConfig, source: str | None, data_path: Path | str | None = None
) -> TradewindConfig:
    """``cfg`` with ``data.source`` / ``data.path`` taken from ``--source`` / ``--data``.

    ``--data PATH`` alone selects ``--source files``; ``--source files`` alone uses
    ``data.path`` from the config. Use it inside :func:`friendly_errors`, then build the
    provider with ``get_market_data(cfg)``.

    Raises
    ------
    ConfigError
        ``--data`` with another source, or the files source without a path.
    """
    if data_path is not None:
        if source not in (None, "files"):
            raise UsageError(
                f"--data is only for --source files, not --source {source}; "
                "drop --data or use --source files"
            )
        source = "files"
    if source is None:
        return cfg
    path = str(data_path) if data_path is not None else cfg.data.path
    if source == "files" and not path:
        raise UsageError("--source files needs --data PATH (or data.path in the config)")
    data = cfg.data.model_copy(update={"source": source, "path": path})
    return cfg.model_copy(update={"data": data})


def show_warnings(warnings: object) -> None:
    """Print each warning of a command's result prominently on stderr (stdout stays for data)."""
    for text in warnings if isinstance(warnings, list) else []:
        err_console.print(f"[bold yellow]warning[/]: {escape(str(text))}", highlight=False)


def show_data_notes(provider: object) -> None:
    """Print a provider's notes (adjustments applied, file warnings) to stderr, if it has any."""
    for note in getattr(provider, "notes", None) or []:
        err_console.print(f"[yellow]note[/]: {escape(str(note))}", highlight=False)


def with_universe(cfg: TradewindConfig, symbols: list[str]) -> TradewindConfig:
    """``cfg`` with ``symbols`` as its trading universe (commands that inspect or optimize a
    chosen set need no other symbol's data); a malformed ticker is a data error naming it."""
    from tradewind.config import (
        check_symbol,
    )

    for symbol in symbols:
        try:
            check_symbol(symbol)
        except ValueError as exc:
            raise MissingDataError(str(exc), symbol=symbol) from None
    trading = cfg.trading.model_copy(update={"symbols": symbols})
    return cfg.model_copy(update={"trading": trading})


def with_ensemble(cfg: TradewindConfig) -> TradewindConfig:
    """``cfg`` with the ML ensemble on (``--ensemble``: ``ml.enabled: true``)."""
    return cfg.model_copy(update={"ml": cfg.ml.model_copy(update={"enabled": True})})
