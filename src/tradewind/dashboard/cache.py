"""What the page keeps between its reruns (Streamlit's resource cache), and for how long.

* the configuration, per file and modification time (an edited file is read again);
* one read-only :class:`~tradewind.store.Store` per database URL;
* a run's :class:`~tradewind.dashboard.view.RunView` per :func:`~tradewind.dashboard.source.
  store_version`: loaded once, recomputed only when the run gained a cycle, a fill, an event,
  a heartbeat or a halt changed;
* the benchmark per run, first cycle and New York date of the last one (it moves by sessions;
  a network source is not asked again at every heartbeat).

Objects are shared between the browser sessions and never changed after they are built.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pandas as pd
import streamlit as st

from tradewind.config import TradewindConfig
from tradewind.config.loader import OVERRIDE_PREFIX as OVERRIDES
from tradewind.dashboard.source import (
    Launch,
    config_for_mode,
    database_exists,
    load_launch_config,
    open_read_only,
    store_version,
)
from tradewind.dashboard.view import RunView, build_view
from tradewind.reports.rolling import NEW_YORK
from tradewind.review.benchmark import load_benchmark
from tradewind.service.records import RunRecords, load_records
from tradewind.store import Store


def config(launch: Launch) -> TradewindConfig:
    """The launch's configuration, read again when its file or a ``TRADEWIND__SECTION__KEY``
    override changed."""
    stamp = os.stat(launch.config).st_mtime_ns if launch.config and launch.config.exists() else 0
    overrides = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith(OVERRIDES)))
    return _config(str(launch.config) if launch.config else "", stamp, overrides)


@st.cache_resource(show_spinner=False, max_entries=4)
def _config(path: str, stamp: int, overrides: tuple[tuple[str, str], ...]) -> TradewindConfig:
    return load_launch_config(Launch(Path(path) if path else None))


def store(cfg: TradewindConfig) -> Store | None:
    """The mode's database opened read-only (None while nothing has run in that mode: asked
    again at every rerun, so a database created since is found)."""
    if not database_exists(cfg):
        return None
    return _store(cfg.database_url, cfg)


@st.cache_resource(show_spinner=False, max_entries=8)
def _store(url: str, _cfg: TradewindConfig) -> Store | None:
    return open_read_only(_cfg)


def view(db: Store, url: str, run_id: int, cfg: TradewindConfig) -> RunView:
    """The view of run ``run_id`` as the database has it now (cached per version)."""
    settings = hashlib.sha256(cfg.model_dump_json().encode()).hexdigest()
    return _view(url, run_id, store_version(db, run_id), settings, db, cfg)


@st.cache_resource(show_spinner="Reading the run from the database...", max_entries=8)
def _view(
    url: str,
    run_id: int,
    version: tuple[object, ...],
    settings: str,
    _db: Store,
    _cfg: TradewindConfig,
) -> RunView:
    # keyed on the database's version and the settings' digest (Streamlit leaves the
    # underscored arguments out of the key)
    records = load_records(_db, run_id)
    records = _with_benchmark(url, records, _cfg)
    paper = _paper_records(_cfg) if records.run.mode == "live" else None
    return build_view(_db, records, _cfg, paper)


def _with_benchmark(url: str, records: RunRecords, cfg: TradewindConfig) -> RunRecords:
    if records.start is None or records.end is None:
        return records.with_benchmark(None, "no benchmark: the run has no cycle yet")
    day = records.end.tz_convert(NEW_YORK).date().isoformat()
    series, note = _benchmark(
        url, records.run.id, records.start.isoformat(), day, records.config or cfg, records.end
    )
    return records.with_benchmark(series, note)


@st.cache_resource(show_spinner=False, max_entries=16)
def _benchmark(
    url: str, run_id: int, start: str, day: str, _cfg: TradewindConfig, _end: pd.Timestamp
) -> tuple[pd.Series | None, str]:
    return load_benchmark(_cfg, pd.Timestamp(start), _end)


def _paper_records(cfg: TradewindConfig) -> RunRecords | None:
    """The latest paper run, which a live run's costs are compared with (None without one)."""
    paper_cfg = config_for_mode(cfg, "paper")
    db = open_read_only(paper_cfg)
    if db is None:
        return None
    try:
        run = db.latest_run()
        if run is None:
            return None
        records = load_records(db, run.id)
        return _with_benchmark(paper_cfg.database_url, records, paper_cfg)
    finally:
        db.close()
