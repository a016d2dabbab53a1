"""Options and helpers shared by the commands that read a stored run (report, readiness,
checklist): which mode's database, which run, and the run's records with its benchmark."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

from tradewind.cli.ops_cmd import open_database
from tradewind.domain.errors import UsageError
from tradewind.domain.types import TradingMode

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    from tradewind.config import TradewindConfig

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    from tradewind.service.records import RunRecords
    from tradewind.store import Store

ModeOption = typer.Option(
    None,
    "--mode",
    "-m",
    help="Read this mode's database: simulated, paper, live or backtest (default: trading.mode).",
)
RunOption = typer.Option(None, "--run", help="A run id (default: the latest run).")


def config_for_mode(cfg: TradewindConfig, mode: str | None) -> TradewindConfig:
    """``cfg`` pointing at ``mode``'s database (``database.url`` with ``{mode}`` filled in).

    Only the database changes: reading a paper run needs no broker settings.

    Raises
    ------
    UsageError
        ``mode`` is not a trading mode.
    """
    if mode is None:
        return cfg
    try:
        value = TradingMode(mode)
    except ValueError:
        allowed = ", ".join(m.value for m in TradingMode)
        raise UsageError(f"--mode must be one of {allowed}, was {mode!r}") from None
    return cfg.model_copy(update={"trading": cfg.trading.model_copy(update={"mode": value})})


@contextmanager
def open_store(cfg: TradewindConfig) -> Iterator[Store]:
    """The mode's database, read only.

    Raises
    ------
    StoreError
        Nothing has run in this mode yet (no database).
    """
    from tradewind.store import StoreError

    with open_database(cfg) as store:
        if store is None:
            mode = cfg.trading.mode.value
            raise StoreError(
                f"nothing has run in mode {mode} yet: no database at {cfg.database_url}; "
                "pick another with --mode (simulated, paper, live, backtest) or --config"
            )
        yield store


def run_records(cfg: TradewindConfig, store: Store, run_id: int | None) -> RunRecords:
    """The records of run ``run_id`` (the latest when None), with its benchmark.

    Raises
    ------
    StoreError
        The database has no such run (or no run at all).
    """
    from tradewind.review.benchmark import with_benchmark
    from tradewind.service.records import load_records, pick_run
    from tradewind.store import StoreError

    run = pick_run(store, run_id)
    if run is None:
        raise StoreError(f"no run recorded in {store.database} yet")
    return with_benchmark(load_records(store, run.id), fallback=cfg)
