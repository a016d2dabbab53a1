"""The weekly report's parts: the week's own optimization methods, the lessons file (only ever
added to), and the weekly files a trading run writes when one of its weeks closes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
from runkit import StoredRun

from tradewind.domain.records import Decision, OrderRecord
from tradewind.reports.lessons import (
    PLACEHOLDER,
    add_lesson,
    ensure_lessons,
    lessons_by_week,
    lessons_for_week,
    lessons_path,
)
from tradewind.reports.weekly import render_week, week_methods
from tradewind.service.records import load_records
from tradewind.service.run_reports import weeks
from tradewind.service.weekly_reports import WeeklyReportWriter
from tradewind.store import Store


def _decision(day: str, method: str, regime: str, targets: bool = True) -> Decision:
    ts = datetime.fromisoformat(f"{day}T21:00:00").replace(tzinfo=UTC)
    order = OrderRecord(f"x-{day}", "AAA", "buy", 1.0, "rebalance" if targets else "stop:fixed")
    return Decision(ts, regime, 0.9, method, ("drift",), (0.5,) if targets else (), (order,),
                    1.0, 1.0)  # fmt: skip


WEEK2 = (pd.Timestamp("2024-03-11", tz="UTC"), pd.Timestamp("2024-03-15 23:00", tz="UTC"))


def test_a_week_without_a_rebalance_names_what_it_held_not_the_last_method() -> None:
    earlier = [_decision("2024-03-05", "risk_parity", "CHOPPY")]
    # a BULL week with only a stop exit (the engine records the policy's method on it)
    stop = _decision("2024-03-12", "max_sharpe", "BULL", targets=False)
    text = week_methods([*earlier, stop], *WEEK2)
    assert text == "none this week (holding Risk Parity targets of 2024-03-05)"
    assert week_methods([], *WEEK2) == "none yet"


def test_a_week_with_rebalances_lists_their_methods_in_order() -> None:
    decisions = [
        _decision("2024-03-05", "risk_parity", "CHOPPY"),
        _decision("2024-03-11", "min_variance", "BEAR"),
        _decision("2024-03-13", "max_sharpe", "BULL"),
        _decision("2024-03-14", "min_variance", "BEAR"),
    ]
    assert week_methods(decisions, *WEEK2) == "Min Variance, Max Sharpe"


def test_lessons_are_only_ever_added_to(tmp_path: Path, replay: StoredRun) -> None:
    with Store(replay.cfg.database_url, mode=None) as store:
        figures = weeks(load_records(store, replay.run_id))
    path = ensure_lessons(tmp_path, figures[:2], "run 1")
    assert path == lessons_path(tmp_path)
    text = path.read_text("utf-8")
    assert text.count(PLACEHOLDER) == 2 and "### Week 2 (week of " in text
    # the user writes in the file with an editor, then tradewind adds week 3 and a lesson
    edited = text.replace("### Week 1", "My own preface.\n\n### Week 1")
    path.write_text(edited, encoding="utf-8")
    ensure_lessons(tmp_path, figures[:3], "run 1")
    add_lesson(tmp_path, 1, "stops clustered at the open")
    add_lesson(tmp_path, 1, "  second   lesson ")
    add_lesson(tmp_path, 7, "a week with no heading yet")
    after = path.read_text("utf-8")
    assert after.startswith(edited.split("### Week 2")[0].split("- [Observation")[0])
    assert "My own preface." in after and after.count("### Week 3") == 1
    assert lessons_for_week(tmp_path, 1) == ["stops clustered at the open", "second lesson"]
    assert lessons_for_week(tmp_path, 2) == []  # the placeholder is not a lesson
    assert lessons_for_week(tmp_path, 7) == ["a week with no heading yet"]
    assert lessons_by_week(tmp_path) == {  # read once for a whole folder's reports
        1: ["stops clustered at the open", "second lesson"],
        7: ["a week with no heading yet"],
    }
    week1 = after.split("### Week 1")[1].split("###")[0]
    assert week1.index("stops clustered") < week1.index("second lesson")
    assert "- Lesson: stops clustered at the open" in render_week(
        figures[0], lessons=lessons_for_week(tmp_path, 1)
    )
    with pytest.raises(ValueError, match="needs some text"):
        add_lesson(tmp_path, 1, "   ")


def test_the_writer_writes_when_a_week_closes_not_before(tmp_path: Path, replay: StoredRun) -> None:
    cfg = replay.cfg.model_copy(
        update={"reports": replay.cfg.reports.model_copy(update={"write_during_run": True})}
    )
    with Store(cfg.database_url, mode=None) as store:
        cycles = [c.ts for c in store.cycles(replay.run_id)]
        writer = WeeklyReportWriter(cfg, store, replay.run_id, folder=tmp_path / "run")
        assert not writer.weekly  # a replay writes its files when it stops, not weekly
        # as on the wall clock: feed it the run's cycles from the start, as the service does
        writer.weekly, writer.week = True, None
        wrote = [writer.cycle_recorded(t) for t in cycles]
    week_of_cycle = [pd.Timestamp(t).tz_convert("America/New_York").isocalendar()[1]
                     for t in cycles]  # fmt: skip
    new_week = [False] + [a != b for a, b in zip(week_of_cycle, week_of_cycle[1:], strict=False)]
    assert wrote == new_week and sum(wrote) >= 10  # exactly at each first cycle of a week
    folder = tmp_path / "run"
    files = sorted(p.name for p in (folder / "weekly").iterdir())
    assert files[0] == "week-0001.md" and len(files) == sum(wrote) + 1
    assert {"tracking.csv", "rollup.md", "lessons.md", "summary.json"} <= {
        p.name for p in folder.iterdir()
    }
    assert "| Week |" in (folder / "rollup.md").read_text("utf-8")


def test_the_writer_never_raises_and_does_nothing_when_disabled(
    tmp_path: Path, replay: StoredRun
) -> None:
    with Store(replay.cfg.database_url, mode=None) as store:
        off = WeeklyReportWriter(replay.cfg, store, replay.run_id, folder=tmp_path / "off")
        assert not off.enabled and not off.run_ended() and not (tmp_path / "off").exists()
        cfg = replay.cfg.model_copy(
            update={"reports": replay.cfg.reports.model_copy(update={"write_during_run": True})}
        )
        blocked = tmp_path / "file"
        blocked.write_text("not a folder", encoding="utf-8")
        writer = WeeklyReportWriter(cfg, store, replay.run_id, folder=blocked)
        assert writer.run_ended() is False  # logged as a warning, the run goes on
