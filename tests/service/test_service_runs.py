"""Run identity and its row: a continued run is marked running again while it trades."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from servicekit import SHORT, load, run_inprocess, write_config

from tradewind.service import TradeOptions
from tradewind.service.heartbeat import lock_holder
from tradewind.service.paths import lock_path
from tradewind.store import Store


def _options(max_cycles: int | None = None) -> TradeOptions:
    start = pd.Timestamp(SHORT[0], tz="America/New_York")
    end = pd.Timestamp(SHORT[1], tz="America/New_York") + pd.Timedelta(hours=23)
    return TradeOptions(replay=(start, end), max_cycles=max_cycles, error_backoff=(0.0,))


def test_a_resumed_run_is_running_again_while_it_trades(tmp_path: Path) -> None:
    config = write_config(tmp_path, execution={"fill_price": "close"})
    cfg = load(config)
    _, first = run_inprocess(config, options=_options(max_cycles=5))
    assert first.status == "stopped"
    seen: list[tuple[str, bool]] = []

    def announce(_lines: list[str]) -> None:  # called once the run is open, before it trades
        with Store(cfg.database_url, mode=None) as store:
            seen.append((store.run(first.run_id).status, store.run(first.run_id).ended_at is None))
        seen.append(("lock", lock_holder(lock_path(cfg)) is not None))

    _, second = run_inprocess(config, options=_options(max_cycles=3), announce=announce)
    assert second.run_id == first.run_id
    assert seen == [("running", True), ("lock", True)]  # not "RUNNING (pid)" and "stopped"
    with Store(cfg.database_url, mode=None) as store:
        assert store.run(first.run_id).status == "stopped"  # and stopped again afterwards
