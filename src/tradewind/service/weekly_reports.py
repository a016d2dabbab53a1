"""A trading run writes its weekly files as its weeks close.

The trading service calls :meth:`WeeklyReportWriter.cycle_recorded` after each cycle it
records. When that cycle is the first of a new ISO week (New York time), the week before has
closed: the run's tracking CSV, weekly reports, roll-up and lessons headings are written again
from the store (:func:`tradewind.service.run_reports.write_folder`), into
``<reports.folder>/<database>-run-<id>/``. :meth:`WeeklyReportWriter.run_ended` writes them
once more when the run stops, so the week in progress is there too. With
``reports.write_during_run: false`` both do nothing.

A replay writes them only when it stops: it runs through history as fast as it can, and
rewriting every earlier week at each week's close costs time that grows with the square of
the replay's length, for files nobody reads before the end, where they are the same.

Reports never stop trading: a failure to write is logged as a warning and the cycle goes on.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

import pandas as pd

from tradewind.config import TradewindConfig
from tradewind.reports.rolling import NEW_YORK
from tradewind.store import Store

log = logging.getLogger("tradewind.reports")


def week_of(ts: datetime | pd.Timestamp) -> pd.Period:
    """The ISO week (Monday to Sunday, New York time) ``ts`` falls in."""
    local = pd.Timestamp(ts).tz_convert(NEW_YORK).tz_localize(None)
    return local.to_period("W-SUN")


class WeeklyReportWriter:
    """Writes a run's weekly files whenever one of its weeks closes (module docstring).

    Parameters
    ----------
    cfg
        The run's configuration (``reports.folder``, ``database.url``).
    store
        The run's store.
    run_id
        The run.
    benchmark
        The benchmark closes the run loaded (None: the reports say there is none).
    folder
        Where to write (default :func:`~tradewind.service.run_reports.run_folder`).
    """

    def __init__(
        self,
        cfg: TradewindConfig,
        store: Store,
        run_id: int,
        benchmark: pd.Series | None = None,
        folder: Path | None = None,
    ) -> None:
        self.cfg = cfg
        self.store = store
        self.run_id = run_id
        self.benchmark = benchmark
        # imported when used: they read the store views of the run (kept off the import path)

        from tradewind.service.run_reports import run_folder
        from tradewind.service.runs import META_KEY

        self.enabled = cfg.reports.write_during_run
        self.folder = folder or run_folder(cfg, store.run(run_id))
        meta = store.load_state(META_KEY.format(run_id=run_id)) or {}
        self.weekly = meta.get("clock") != "replay"
        """Write as weeks close (the wall clock), or only when the run stops (a replay)."""
        last = store.last_cycle(run_id) if self.enabled else None
        self.week: pd.Period | None = week_of(last.ts) if last is not None else None
        """The week of the last cycle seen (None before any): the next week's first cycle
        closes it."""
        self.writes = 0

    def cycle_recorded(self, ts: datetime) -> bool:
        """Note the cycle at ``ts``; write the files if it opened a new week (True then)."""
        week = week_of(ts)
        closed = self.week is not None and week > self.week
        self.week = week if self.week is None or week > self.week else self.week
        return self.write() if closed and self.weekly else False

    def run_ended(self) -> bool:
        """Write the files once more at the end of the run (the week in progress included)."""
        return self.write()

    def write(self) -> bool:
        """Write every file now; False (and a warning in the log) if it failed."""
        if not self.enabled:
            return False
        from tradewind.service.records import load_records
        from tradewind.service.run_reports import write_folder

        try:
            records = load_records(self.store, self.run_id)
            if not records.recorder.ts:
                return False
            name = self.cfg.data.benchmark
            note = (
                f"{name} as the run loaded it"
                if self.benchmark is not None
                else f"no benchmark: the run has no {name} data"
            )
            bench = self.benchmark.rename(name) if self.benchmark is not None else None
            write_folder(records.with_benchmark(bench, note), self.folder)
        except Exception:  # reports never stop trading
            log.warning(
                "could not write the run's weekly reports to %s", self.folder, exc_info=True
            )
            return False
        self.writes += 1
        log.info("weekly reports of run %d written to %s", self.run_id, self.folder)
        return True
