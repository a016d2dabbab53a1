"""A run's weekly files: the tracking CSV, one report per week, the roll-up and the lessons.

Written the same way for a backtest (``tradewind backtest``), the demo, ``tradewind report``
and a trading run as its weeks close (:mod:`tradewind.service.weekly_reports`):

``tracking.csv``
    The runbook's daily tracking spreadsheet (:mod:`tradewind.reports.tracking`).
``weekly/week-NNNN.md``
    The runbook's weekly report template, filled (:mod:`tradewind.reports.weekly`).
``rollup.md``
    The runbook's "Example Weekly Tracking" table (:mod:`tradewind.reports.rollup`).
``lessons.md``
    The user's lessons learned, only ever added to (:mod:`tradewind.reports.lessons`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tradewind.reports.lessons import ensure_lessons, lessons_by_week
from tradewind.reports.rolling import TWO_WEEKS
from tradewind.reports.rollup import render_rollup
from tradewind.reports.run import RunSummary
from tradewind.reports.tracking import write_tracking_csv
from tradewind.reports.weekly import (
    RUNBOOK_DRIFT_THRESHOLD,
    UptimeOf,
    WeekFigures,
    models_by_week,
    render_week,
    week_figures,
)


@dataclass(frozen=True)
class WeeklyOptions:
    """How a run's weeks are measured: uptime per window (a wall-clock run) or the run's,
    the rolling Sharpe window, and the title of the roll-up and lessons."""

    uptime_of: UptimeOf | None = None
    sharpe_window: int = TWO_WEEKS
    title: str = "tradewind run"
    finished: bool = False
    """The run is over: its last week is complete, not "to date"."""
    drift_threshold: float = RUNBOOK_DRIFT_THRESHOLD
    """The run's ``rebalancing.drift_threshold`` (the action items compare the drift with it)."""

    @property
    def uptime_scope(self) -> str:
        """What window the weekly report's uptime covers."""
        return "this week" if self.uptime_of is not None else "whole run"


def weeks_of(summary: RunSummary, options: WeeklyOptions) -> list[WeekFigures]:
    """Every week's figures of ``summary`` under ``options``."""
    return week_figures(
        summary,
        uptime_of=options.uptime_of,
        sharpe_window=options.sharpe_window,
        finished=options.finished,
    )


def write_weekly_files(
    summary: RunSummary, folder: str | Path, options: WeeklyOptions | None = None
) -> dict[str, Path]:
    """Write the tracking CSV, the weekly reports, the roll-up and the lessons file into
    ``folder`` (see the module docstring); return them by kind (``weekly`` is the folder)."""
    options = options or WeeklyOptions()
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    weeks = weeks_of(summary, options)
    paths = {"tracking": write_tracking_csv(summary, out / "tracking.csv", options.uptime_of)}
    weekly = out / "weekly"
    fresh = not weekly.exists()  # nothing to compare with: every file is new
    weekly.mkdir(exist_ok=True)
    lessons = lessons_by_week(out)
    models = models_by_week(summary.recorder.events, weeks)
    for f in weeks:
        text = render_week(
            f,
            models[f.week],
            uptime_scope=options.uptime_scope,
            lessons=lessons.get(f.week, []),
            drift_threshold=options.drift_threshold,
        )
        path = weekly / f"week-{f.week:04d}.md"
        if fresh:
            path.write_text(text, encoding="utf-8")
        else:
            write_if_changed(path, text)
    paths["weekly"] = weekly
    paths["rollup"] = out / "rollup.md"
    paths["rollup"].write_text(
        render_rollup(weeks, f"Weekly Tracking: {options.title}"), encoding="utf-8"
    )
    paths["lessons"] = ensure_lessons(out, weeks, options.title)
    return paths


def write_if_changed(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` unless the file already holds exactly it.

    A run folder written again (``runs/<name>`` of a rerun) keeps most of its hundreds of
    weekly files unchanged; rewriting a file costs far more than reading it on a busy disk.
    """
    try:
        held = path.read_bytes()
    except FileNotFoundError:
        held = None
    if held is not None and (held == text.encode("utf-8") or _as_read(held) == text):
        return
    path.write_text(text, encoding="utf-8")


def _as_read(held: bytes) -> str | None:
    """``held`` as ``read_text`` reads it (UTF-8, any line ends as ``\\n``); None if it is not
    UTF-8."""
    try:
        return held.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError:
        return None
