"""Golden files: the weekly report and the weekly roll-up a ``trade`` run writes as its weeks
close, pinned.

A simulated trading run on the wall clock (a fake clock, so three and a half weeks pass in
seconds) on the seeded synthetic market, with its weekly files written by the trading service
itself. Any change to what the reports say about a trading run shows here as a diff against
``tests/golden/trade_*``; rewrite them with ``.venv/bin/pytest tests/reports/test_trade_golden.py
--update-golden`` and review the diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import servicekit

GOLDEN = Path(__file__).resolve().parent.parent / "golden"


def _check(name: str, text: str, update: bool) -> None:
    path = GOLDEN / name
    if update:
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"{path} is missing: run pytest {__file__} --update-golden"
    if text != path.read_text(encoding="utf-8"):
        got = path.with_suffix(path.suffix + ".new")
        got.write_text(text, encoding="utf-8")
        pytest.fail(f"{name} differs from its golden file; compare {got} with {path}")


def test_a_trade_run_writes_its_weekly_report_and_roll_up(
    fast_folder: Path, update_golden: bool
) -> None:
    config = servicekit.write_config(
        fast_folder,
        execution={"fill_price": "close"},
        reports={"folder": str(fast_folder / "runs"), "write_during_run": True},
    )
    clock = servicekit.FakeClock("2019-09-02 08:00", stop_at="2019-09-25 12:00")
    result = servicekit.run_wall(config, clock, None, interval=86400)
    assert result.cycles == 17  # one a session, at the open, 2019-09-03 to 2019-09-25
    folder = fast_folder / "runs" / "tw-run-1"  # <reports.folder>/<database>-run-<id>
    weekly = sorted(p.name for p in (folder / "weekly").iterdir())
    assert weekly == [f"week-000{k}.md" for k in range(1, 5)]
    assert (folder / "tracking.csv").read_text("utf-8").count("\n") == 18  # header + sessions
    _check("trade_week_report.md", (folder / "weekly" / "week-0002.md").read_text("utf-8"),
           update_golden)  # fmt: skip
    _check("trade_rollup.md", (folder / "rollup.md").read_text("utf-8"), update_golden)
