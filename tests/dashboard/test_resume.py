"""Halts on the dashboard: shown with what clears them; read-only by default; a resume only
through the confirmed form (with ``dashboard.allow_resume``), recorded with who and why."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from dashkit import StoredRun, app_test, copy_run, database_digest, texts

from tradewind.store import Store


def _latch(run: StoredRun) -> None:
    """A daily-loss halt as a wall-clock run latches it (it binds every wall-clock start)."""
    with Store(run.cfg.database_url, mode=None) as store:
        store.latch_halt(
            "daily_loss",
            "daily loss 5.20% reached the 5% limit",
            ts=datetime(2022, 12, 28, 20, tzinfo=UTC),
            run_id=run.run_id,
            data={"clock": "wall", "mode": "simulated", "details": {}},
        )


def _active(run: StoredRun) -> list[str]:
    with Store(run.cfg.database_url, mode=None) as store:
        return [h.kind for h in store.active_halts()]


def test_a_halt_shows_with_the_command_that_clears_it_and_no_form_by_default(
    demo: StoredRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = copy_run(demo, tmp_path)
    _latch(run)
    before = database_digest(run.database)
    at = app_test(run.config, monkeypatch, tab="System Health")
    assert not at.exception
    halted = [e.value for e in at.error if "HALTED" in e.value]
    assert len(halted) == 1 and "daily_loss" in halted[0] and "5.20%" in halted[0]
    assert 'tradewind resume --confirm --reason "..."' in texts(at)
    assert len(at.text_input) == 0 and len(at.checkbox) == 0  # no form: read-only
    assert database_digest(run.database) == before


def _form(at: Any, name: str, reason: str, confirm: bool) -> Any:
    at.text_input[0].input(name)
    at.text_area[0].input(reason)
    if confirm:
        at.checkbox[0].check()
    button = next(b for b in at.button if b.label == "Resume trading")
    return button.click().run()


def test_an_unconfirmed_resume_is_refused_and_changes_nothing(
    demo: StoredRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = copy_run(demo, tmp_path, dashboard={"allow_resume": True})
    _latch(run)
    at = app_test(run.config, monkeypatch, tab="System Health")
    assert not at.exception
    before = database_digest(run.database)
    at = _form(at, "Alice", "positions reviewed", confirm=False)
    refused = [e.value for e in at.error if e.value.startswith("Not resumed")]
    assert len(refused) == 1 and "reviewed all positions" in refused[0]
    at = _form(at, "Alice", "   ", confirm=True)
    refused = [e.value for e in at.error if e.value.startswith("Not resumed")]
    assert len(refused) == 1 and "reason" in refused[0]
    assert _active(run) == ["daily_loss"]
    assert database_digest(run.database) == before


def test_a_confirmed_resume_clears_the_halt_and_records_who_and_why(
    demo: StoredRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = copy_run(demo, tmp_path, dashboard={"allow_resume": True})
    _latch(run)
    at = app_test(run.config, monkeypatch, tab="System Health")
    at = _form(at, "Alice", "gap on CPI; positions and stops reviewed", confirm=True)
    assert not at.exception
    assert any("Trading resumed by Alice (dashboard)" in s.value for s in at.success)
    assert _active(run) == []
    with Store(run.cfg.database_url, mode=None) as store:
        (halt,) = store.halts()
    assert halt.cleared_by == "Alice (dashboard)"
    assert halt.clear_reason == "gap on CPI; positions and stops reviewed"
    again = app_test(run.config, monkeypatch, tab="System Health")
    assert "Not halted." in texts(again)
