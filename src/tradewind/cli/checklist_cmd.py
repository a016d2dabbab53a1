"""``tradewind checklist morning|during|evening|weekly``: the runbook's daily operations
checklist, answered by the system (:mod:`tradewind.review.checklist`,
:mod:`tradewind.review.checklist_more`).

The evening checklist also brings the run's tracking spreadsheet up to date (the runbook's
"Update tracking spreadsheet"): the tracking CSV, weekly reports, roll-up and lessons headings
in the run's report folder (``--no-write`` leaves them alone).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from tradewind.cli.common import (
    ConfigOption,
    JsonOption,
    console,
    friendly_errors,
    load,
    print_json,
)
from tradewind.cli.runs_common import (
    ModeOption,
    RunOption,
    config_for_mode,
    open_store,
    run_records,
)
from tradewind.domain.errors import UsageError

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    from tradewind.config import TradewindConfig

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    from tradewind.review.checklist import (
        Item,
        SystemState,
        Which,
    )
    from tradewind.service.records import RunRecords

_STYLE = {"ok": "green", "attention": "bold red", "info": "cyan", "n/a": "dim"}
_TITLE = {
    "morning": "Morning (pre-market)",
    "during": "During market hours",
    "evening": "Evening (post-market)",
    "weekly": "Weekly review",
}
_KINDS: dict[str, Which] = {"morning": "morning", "during": "during", "evening": "evening",
                            "weekly": "weekly"}  # fmt: skip


def checklist_command(
    which: str = typer.Argument(
        ...,
        help="morning (pre-market), during (market hours), evening (post-market) or weekly "
        "(the weekly review).",
    ),
    day: str | None = typer.Option(
        None,
        "--date",
        help="The session (YYYY-MM-DD; default: today on the wall clock, the "
        "run's last session for a replay); weekly: the week holding it.",
    ),  # fmt: skip
    write: bool = typer.Option(
        True, "--write/--no-write", help="Evening: update the run's tracking CSV and weekly files."
    ),
    run: int | None = RunOption,
    mode: str | None = ModeOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """The runbook's daily checklist, each item's status read from the system.

    Morning: running, overnight errors, regime, rebalance due today and why, halts. During:
    the day's executions, regime changes, system health, warnings and errors. Evening: the
    day's P&L, tracking spreadsheet, rebalancing, costs vs budget, next session. Weekly: the
    week's Sharpe, regime transitions, costs vs budget, performance vs SPY, lessons.

    Example: ``tradewind checklist morning`` or ``tradewind checklist weekly --mode paper``
    """
    from tradewind.cli.dates import read_day
    from tradewind.review.checklist import (
        SystemState,
        as_payload,
        backtest_halts,
        checklist,
    )
    from tradewind.review.checklist_more import during, weekly
    from tradewind.service.checkpoint import load_checkpoint
    from tradewind.service.halts import relevant_halts
    from tradewind.service.heartbeat import lock_holder
    from tradewind.service.paths import lock_path

    cfg = load(config)
    with friendly_errors():
        if which not in _TITLE:
            raise UsageError(f"checklist must be morning, during, evening or weekly, was {which!r}")
        kind: Which = _KINDS[which]
        cfg = config_for_mode(cfg, mode)
        with open_store(cfg) as store:
            records = run_records(cfg, store, run)
            halts = tuple(
                (h.kind, h.reason, binds) for h, binds in relevant_halts(store, records.run.id)
            )
            saved = load_checkpoint(store, records.run.id) if records.clock != "backtest" else None
        holder = lock_holder(lock_path(cfg))
        state = SystemState(
            holder is not None,
            holder.get("pid") if holder else None,
            halts,
            datetime.now(UTC),
            saved.engine if saved is not None else None,
        )
        when = read_day(day, "--date").date() if day else _default_day(records, kind, state)
        title = _TITLE[kind]
        if kind == "during":
            if records.clock == "backtest" and not state.halts:
                state = replace(state, halts=backtest_halts(records))
            items = during(records, state, when)
        elif kind == "weekly":
            week, items = weekly(records, cfg, when)
            title += f" (week {week})"
        else:
            items = checklist(kind, records, cfg, state, when)
        if kind == "evening":  # after the day's P&L
            pnl = next(i for i, item in enumerate(items) if item.item == "Review day's P&L")
            items.insert(pnl + 1, _tracking(records, cfg, write))
    if as_json:
        print_json(as_payload(kind, when, items))
        return
    console.print(
        f"[bold]{title} checklist[/] for {when}: {escape(records.label)}", highlight=False
    )
    for i in items:
        label = f"[{_STYLE[i.status]}]{i.status.upper():<9}[/]"
        console.print(f"  {label} {escape(i.item)}: {escape(i.detail)}", highlight=False)


def _default_day(records: RunRecords, which: Which, state: SystemState) -> date:
    import pandas as pd

    from tradewind.reports.rolling import NEW_YORK
    from tradewind.review.checklist import (
        next_session,
    )

    if records.clock == "wall" or records.end is None:
        return pd.Timestamp(state.now).tz_convert(NEW_YORK).date()
    last = records.end.tz_convert(NEW_YORK).date()
    if which == "morning":
        return next_session(last)
    return last


def _tracking(records: RunRecords, cfg: TradewindConfig, write: bool) -> Item:
    from tradewind.reports.rolling import NEW_YORK
    from tradewind.review.checklist import (
        Item,
    )
    from tradewind.service.run_reports import run_folder, write_folder

    text = "Update tracking spreadsheet"
    folder = run_folder(cfg, records.run)
    if not write:
        return Item(text, "info", f"not written (--no-write); {folder / 'tracking.csv'}")
    paths = write_folder(records, folder)
    last = records.end.tz_convert(NEW_YORK).date() if records.end is not None else None
    return Item(text, "ok", f"{paths['tracking']} updated to {last} (with the weekly reports, "
                "roll-up and lessons.md)")  # fmt: skip
