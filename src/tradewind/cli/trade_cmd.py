"""``tradewind trade``: the trading service (simulated, paper or live) on the NYSE schedule.

The runbook's ``python scripts/start_trading.py --paper --interval 3600 --ensemble`` is
``tradewind trade --paper --interval 3600 --ensemble``. Paper and live trade through the broker
named by ``broker.name`` (``alpaca``, ``webull``, ``webull_app``), after the live-trading checks
(at a live run's first start also the paper phase, :mod:`tradewind.service.live_start`, which
``--accept-paper-gaps`` overrides) and the broker's credential checks; nothing ever falls back
to the simulator. ``--ensemble`` (``ml.enabled``) loads the deployed ML models from the
registry; it never trains.
``--mode simulated --replay START:END`` runs the same loop over history on the built-in
simulator (``tradewind demo`` does this).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape

from tradewind.cli.common import (
    ConfigOption,
    DataPathOption,
    JsonOption,
    config_with_source,
    configure_logging,
    console,
    err_console,
    friendly_errors,
    load,
    print_json,
    with_ensemble,
)
from tradewind.domain.errors import ConfigError, UsageError
from tradewind.domain.types import EXCHANGE_TZ, TradingMode

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    from tradewind.config import TradewindConfig

if TYPE_CHECKING:  # the service's stack is imported when a command runs (the CLI starts at once)
    import pandas as pd

    from tradewind.service.live_start import PaperPhase
    from tradewind.service.runner import ServiceResult

EXIT_HALTED = 4
EXIT_FAILED = 1


def effective_config(
    cfg: TradewindConfig, mode: str | None = None, interval: int | None = None
) -> TradewindConfig:
    """``cfg`` with ``--mode`` and ``--interval`` applied and validated again.

    Raises
    ------
    ConfigError
        The mode is unknown, or the settings do not hold together in that mode (e.g. paper
        trading with ``broker.name: simulated``).
    """
    from pydantic import ValidationError

    from tradewind.config import TradewindConfig
    from tradewind.config.errors import format_validation_error

    if mode is None and interval is None:
        return cfg
    data: dict[str, Any] = cfg.model_dump(mode="json")
    if mode is not None:
        allowed = [m.value for m in TradingMode if m is not TradingMode.BACKTEST]
        if mode not in allowed:
            raise UsageError(f"--mode must be one of {', '.join(allowed)}, was {mode!r}")
        data["trading"]["mode"] = mode
    if interval is not None:
        data["trading"]["interval_seconds"] = interval
    try:
        return TradewindConfig.model_validate(data)
    except ValidationError as exc:
        lines = format_validation_error(exc, TradewindConfig)
        where = f"--mode {mode}" if mode else "--interval"
        raise ConfigError(lines, source=f"the config with {where}") from None


def parse_replay(text: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``START:END`` (``YYYY-MM-DD``, END inclusive, optional) as New York day bounds."""
    import pandas as pd

    start_text, sep, end_text = text.partition(":")
    try:
        start = pd.Timestamp(start_text, tz=EXCHANGE_TZ)
        end = (
            pd.Timestamp(end_text, tz=EXCHANGE_TZ) + pd.Timedelta(days=1) - pd.Timedelta(1, "ns")
            if sep and end_text
            else pd.Timestamp("2262-01-01", tz="UTC")
        )
    except ValueError:
        raise UsageError(
            f"--replay must be START:END as YYYY-MM-DD:YYYY-MM-DD, was {text!r}"
        ) from None
    if end <= start:
        raise UsageError(f"--replay ends ({end_text}) before it starts ({start_text})")
    return start, end


def parse_speed(text: str) -> float | None:
    """``max`` (None: as fast as possible) or a positive multiple of real time."""
    if text.strip().lower() == "max":
        return None
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if value <= 0:
        raise UsageError(f"--speed must be 'max' or a positive number, was {text!r}")
    return value


def trade(
    mode: str | None = typer.Option(
        None, "--mode", "-m", help="simulated | paper | live (default: trading.mode)."
    ),
    paper: bool = typer.Option(False, "--paper", help="Same as --mode paper (the runbook's flag)."),
    interval: int | None = typer.Option(
        None, "--interval", help="Seconds between cycles (default trading.interval_seconds)."
    ),
    ensemble: bool = typer.Option(
        False,
        "--ensemble",
        help="Blend the deployed ML ensemble's views into the optimizer (ml.enabled: true); "
        "deploy models first with tradewind retrain --models all --deploy.",
    ),
    replay: str | None = typer.Option(
        None,
        "--replay",
        help="START:END (YYYY-MM-DD): replay these days of history through the trading loop "
        "(simulated mode).",
    ),
    speed: str = typer.Option(
        "max", "--speed", help="Replay pace: max, or a multiple of real time (3600: 1 h per s)."
    ),
    live: bool = typer.Option(
        False,
        "--live",
        help="Consent to live trading (also needs trading.mode: live, broker.paper_trading: "
        "false and TRADEWIND_ALLOW_LIVE=yes).",
    ),
    accept_paper_gaps: bool = typer.Option(
        False,
        "--accept-paper-gaps",
        help="Live only, your own decision: start a new live run although the paper phase "
        "falls short (no paper run, `tradewind readiness --phase paper` not READY, or strategy "
        "settings that differ from the paper run's). Without it such a start is refused; with "
        "it the start goes on and a paper_gaps_accepted event records what was accepted. A "
        "restart of a live run is never checked again.",
    ),
    paper_since: str | None = typer.Option(
        None,
        "--paper-since",
        help="Live only: judge the paper phase from this session on (YYYY-MM-DD), as "
        "`tradewind readiness --phase paper --since` does (e.g. after a first paper week spent "
        "fixing the setup). Default: the whole paper run.",
    ),
    source: str | None = typer.Option(None, "--source", "-s", help="Data source override."),
    data_path: Path | None = DataPathOption,
    max_cycles: int | None = typer.Option(
        None, "--max-cycles", help="Stop after this many cycles (smoke tests)."
    ),
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Run the trading service: a cycle every interval while the NYSE is open.

    Examples: ``tradewind trade --paper --interval 3600 --ensemble`` (runbook; the broker's
    credentials in .env, check them first with ``tradewind test-broker --paper``),
    ``tradewind trade --mode simulated --replay 2022-01-01:2022-06-30 --speed max``.
    """
    from tradewind.data.arrowless import import_pandas_without_arrow

    import_pandas_without_arrow()  # ~45 MiB less for the whole run (see that module)

    from tradewind.config.loader import mode_in_file
    from tradewind.service.runner import TradeOptions, TradingService
    from tradewind.service.stopping import StopFlag

    if paper and mode not in (None, "paper"):
        err_console.print(f"[bold red]Error[/]: --paper contradicts --mode {mode}")
        raise typer.Exit(2)
    file_cfg = load(config)
    with friendly_errors():
        file_mode = mode_in_file(config)  # the file's own word: TRADEWIND__ overrides don't count
        cfg = config_with_source(file_cfg, source, data_path)
        cfg = effective_config(cfg, "paper" if paper else mode, interval)
        paper_check = _paper_phase_from(paper_since, cfg)
        options = TradeOptions(
            replay=parse_replay(replay) if replay else None,
            speed=parse_speed(speed),
            live=live,
            accept_paper_gaps=accept_paper_gaps,
            max_cycles=max_cycles,
        )
    if ensemble:
        cfg = with_ensemble(cfg)
    log_path = configure_logging(cfg, console_output=not as_json)
    stop = StopFlag()
    restore = stop.install()
    try:
        with friendly_errors():
            service = TradingService(
                cfg,
                options,
                file_mode=file_mode,
                stop=stop,
                announce=None if as_json else _announce,
                paper_check=paper_check,
            )
            result = service.run()
    finally:
        restore()
    report(result, cfg, log_path, as_json=as_json)
    if result.halted:
        raise typer.Exit(EXIT_HALTED)
    if result.status == "failed":
        raise typer.Exit(EXIT_FAILED)


def _announce(lines: list[str]) -> None:
    for line in lines:
        style = "bold red" if line.startswith(("LIVE", "ACCEPTED")) else "cyan"
        console.print(f"[{style}]{escape(line)}[/]", highlight=False)


def _paper_phase_from(
    since_text: str | None, cfg: TradewindConfig
) -> Callable[[TradewindConfig], PaperPhase]:
    """The paper-phase check of a live first start, judged from ``--paper-since`` (None: the
    whole paper run); review's stack is loaded only when it runs."""
    from tradewind.cli.dates import read_day

    if since_text is not None and cfg.trading.mode is not TradingMode.LIVE:
        raise UsageError("--paper-since concerns a live run's first start only; drop it")
    since = read_day(since_text, "--paper-since").date() if since_text else None

    def check(live_cfg: TradewindConfig) -> PaperPhase:
        from tradewind.review.paper_phase import paper_phase

        return paper_phase(live_cfg, since)

    return check


def report(result: ServiceResult, cfg: TradewindConfig, log_path: Path, *, as_json: bool) -> None:
    """Print how the run ended and where its files are."""
    from tradewind.service.runner import resolve_paths

    paths = resolve_paths(cfg)
    payload = {
        "run_id": result.run_id,
        "name": result.name,
        "status": result.status,
        "halted": result.halted,
        "cycles": result.cycles,
        "resumed_from": result.resumed_from,
        "last_cycle": result.last_cycle,
        "message": result.message,
        "database": result.database,
        "broker_journal": result.journal,
        "log": str(log_path),
        "lock": str(paths["lock"]),
    }
    if as_json:
        print_json(payload)
        return
    color = {"finished": "green", "stopped": "yellow"}.get(result.status, "red")
    console.print(
        f"Run {result.run_id} '{result.name}': [{color}]{result.status}[/] after "
        f"{result.cycles} cycle(s) this session"
        + (f", last cycle {result.last_cycle.isoformat()}" if result.last_cycle else "")
        + (f" (resumed after {result.resumed_from.isoformat()})" if result.resumed_from else "")
    )
    if result.halted:
        console.print(
            f"[bold red]HALTED[/]: {escape(result.message)}\n"
            "  Trading stays halted (across restarts) until a person resumes it. Review the "
            "positions (tradewind status, tradewind risk status), then:\n"
            '  tradewind resume --confirm --reason "..."',
            highlight=False,
        )
    console.print(f"  database       {result.database}")
    if result.journal:
        console.print(f"  broker journal {result.journal}")
    console.print(f"  log            {log_path}")
