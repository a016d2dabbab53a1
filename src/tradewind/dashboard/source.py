"""Where the dashboard's figures come from: the configuration it was started with and the mode's
database, opened read-only.

The configuration is chosen at launch (``tradewind dashboard --config``, or ``streamlit run
src/dashboard/app.py -- --config FILE``, else ``$TRADEWIND_CONFIG``, else
``config/trading_config.yaml``, else the built-in defaults); the page's address then picks the
mode and the run (``?mode=paper&run=3``), never a file. Nothing here writes: the database is
opened without migrating or creating it, and a mode that never ran shows an empty state.

:func:`store_version` is what the page's caches are keyed on: it changes when the run gains a
cycle, a fill, an event, a heartbeat or a halt, so an unchanged database is never read twice.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tradewind.config import TradewindConfig, default_config_path, load_config
from tradewind.domain.types import TradingMode
from tradewind.service.paths import database_file
from tradewind.store import Store
from tradewind.store.schema import EventRow, HaltRow, HeartbeatRow, NotificationRow

MODES = ("simulated", "paper", "live", "backtest")
"""Every mode's database, in the runbook's order (``TradingMode``'s values)."""


@dataclass(frozen=True)
class Launch:
    """What the dashboard was started with.

    Attributes
    ----------
    config
        The configuration file (None: the built-in defaults, simulated mode).
    mode
        The mode whose database to show first (None: ``trading.mode``).
    run
        The run to show first (None: the latest).
    """

    config: Path | None
    mode: str | None = None
    run: int | None = None


def launch_options(argv: Sequence[str], env: Mapping[str, str]) -> Launch:
    """The launch options: the script's own arguments (``--config``, ``--mode``, ``--run``)
    when it was started as a dashboard script, else ``$TRADEWIND_CONFIG`` or the default file.

    ``argv`` is ``sys.argv``: Streamlit puts the script's path first and the arguments after
    ``--`` behind it. Any other program's arguments (a test runner's) are ignored.
    """
    mine = (
        len(argv) > 0
        and Path(argv[0]).name == "app.py"
        and Path(argv[0]).parent.name == ("dashboard")
    )
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--config")
    parser.add_argument("--mode", choices=MODES)
    parser.add_argument("--run", type=int)
    args, _unknown = parser.parse_known_args(list(argv[1:]) if mine else [])
    if args.config:
        return Launch(Path(args.config), args.mode, args.run)
    path = Path(env["TRADEWIND_CONFIG"]) if env.get("TRADEWIND_CONFIG") else None
    if path is None and default_config_path().exists():
        path = default_config_path()
    return Launch(path, args.mode, args.run)


def load_launch_config(launch: Launch) -> TradewindConfig:
    """The launch's configuration (``ConfigError`` names the problem and the fix)."""
    return load_config(launch.config) if launch.config is not None else TradewindConfig()


def config_for_mode(cfg: TradewindConfig, mode: str) -> TradewindConfig:
    """``cfg`` pointing at ``mode``'s database (``database.url`` with ``{mode}`` filled in).

    Only the database changes (as ``tradewind report --mode``): showing a paper run needs no
    broker settings.
    """
    value = TradingMode(mode)
    return cfg.model_copy(update={"trading": cfg.trading.model_copy(update={"mode": value})})


def mode_choices(cfg: TradewindConfig) -> list[str]:
    """The modes the page can switch between: those whose database exists, ``trading.mode``
    always first. A ``database.url`` without ``{mode}`` names one database: one choice."""
    own = cfg.trading.mode.value
    if "{mode}" not in cfg.database.url:
        return [own]
    others = [m for m in MODES if m != own and database_exists(config_for_mode(cfg, m))]
    return [own, *others]


def database_exists(cfg: TradewindConfig) -> bool:
    """Whether ``cfg``'s database exists (always true for a server database)."""
    path = database_file(cfg)
    return path is None or path.exists()


def open_read_only(cfg: TradewindConfig) -> Store | None:
    """The mode's database, opened without creating or migrating it (None: nothing ran yet)."""
    if not database_exists(cfg):
        return None
    return Store(cfg.database_url, mode=None, migrate=False, create=False)


def store_version(store: Store, run_id: int) -> tuple[object, ...]:
    """A fingerprint of what the page shows of run ``run_id`` (see the module docstring)."""
    last = store.last_cycle(run_id)
    run = store.run(run_id)
    with Session(store.engine) as s:
        events = s.scalar(select(func.max(EventRow.id)))
        beat = s.scalar(select(func.max(HeartbeatRow.id)))
        halts = s.execute(select(func.count(HaltRow.id), func.max(HaltRow.cleared_at))).one()
        sent = s.execute(
            select(func.count(NotificationRow.id), func.sum(NotificationRow.attempts))
        ).one()
    return (
        run.status,
        run.ended_at,
        last.id if last is not None else None,
        store.max_fill_id(run_id),
        events,
        beat,
        tuple(halts),
        tuple(sent),
    )
