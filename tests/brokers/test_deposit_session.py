"""Scaling a live account up (the runbook's "Gradual Scaling") or taking money out of it: the
fake Alpaca credits a deposit (``CSD``) or debits a withdrawal (``CSW``) between two cycles of
the paper service, as https://docs.alpaca.markets/reference/getaccountactivities-1 lists them.
Reconciliation halts, a person resumes, the difference is adopted and measured as a capital
flow: a ``capital_flow`` event, no breaker halt (a withdrawal of 16% is no drawdown, across a
crash right after the adoption too), and the run's return, tracking and readiness figures as
in the same session without it."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from test_dividend_session import SECOND_CYCLE, _credit_during
from test_paper_service import (  # noqa: F401 - the fake broker and its service
    Rig,
    _store,
    dashboard_captions,
    make_rig,
    rig,
)
from typer.testing import CliRunner

from tradewind.cli.app import app
from tradewind.config import load_config
from tradewind.review.readiness import paper_readiness
from tradewind.service.checkpoint import load_baseline, load_checkpoint
from tradewind.service.daily_summary import daily_summary
from tradewind.service.records import RunRecords, load_records
from tradewind.store import Store

START = 100_000.0


def _events(folder: Path, kind: str) -> list[str]:
    db = sqlite3.connect(folder / "tw.db")
    try:
        rows = db.execute("SELECT message FROM events WHERE kind = ? ORDER BY id", (kind,))
        return [str(m) for (m,) in rows.fetchall()]
    finally:
        db.close()


def _records(rig: Rig) -> RunRecords:  # noqa: F811
    with Store(load_config(rig.config).database_url, mode=None) as db:
        return load_records(db, 1)


def _resume(rig: Rig) -> None:  # noqa: F811
    args = ["resume", "--confirm", "--reason", "moved money", "--config", str(rig.config)]
    resumed = CliRunner().invoke(app, args)
    assert resumed.exit_code == 0, resumed.output


def _halted_on_the_difference(rig: Rig, activity: str, amount: float) -> None:  # noqa: F811
    """The first session: one cycle, then the money moves and reconciliation halts."""
    _credit_during(rig, SECOND_CYCLE, activity, amount)
    code, out = rig.session(cycles=3, max_hours=3)
    assert code == 0 and "RESULT stopped 1 True" in out, out
    assert [k for k, _ in _store(rig.folder)["halts"]] == ["reconciliation"]


@pytest.mark.parametrize("rig", ["alpaca"], indirect=True)
def test_a_deposit_is_adopted_as_a_flow_and_the_return_is_not_inflated(
    rig: Rig,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (tmp_path / "plain").mkdir()
    with make_rig("alpaca", tmp_path / "plain") as plain:
        _halted_on_the_difference(rig, "CSD", 400_000.0)
        halted_until = (rig.folder / "clock.txt").read_text()
        _resume(rig)
        code, out = rig.session(cycles=4)
        assert code == 0 and "RESULT stopped 4 False" in out, out
        # the same session without the deposit, cycle for cycle at the same times
        code, out = plain.session(cycles=1, max_hours=3)
        assert code == 0 and "RESULT stopped 1 False" in out, out
        (plain.folder / "clock.txt").write_text(halted_until)
        code, out = plain.session(cycles=4)
        assert code == 0 and "RESULT stopped 4 False" in out, out

        moved, same = _records(rig), _records(plain)

    (flow_text,) = _events(rig.folder, "capital_flow")
    assert flow_text.startswith(
        "deposit of $400,000.00 adopted: measured as a flow, not as performance"
    )
    (flow,) = moved.flows
    assert flow.amount == pytest.approx(400_000.0, abs=0.01)
    assert [k for k, _ in _store(rig.folder)["halts"]] == ["reconciliation"]  # no breaker's
    equity = moved.recorder.equity
    assert equity[-1] > 4.5 * START  # the account holds the deposit ...
    ours, theirs = moved.summary().performance, same.summary().performance
    assert abs(ours.total_return) < 0.01  # ... the return does not (+400% as performance)
    assert ours.total_return == pytest.approx(theirs.total_return, abs=2e-3)
    assert ours.final_equity == pytest.approx(equity[-1])
    cfg = load_config(rig.config)
    ready = {c.key: c.value for c in paper_readiness(moved, cfg).criteria}
    ready_same = {c.key: c.value for c in paper_readiness(same, cfg).criteria}
    assert ready.keys() == ready_same.keys()
    for key in ("cumulative_return", "max_drawdown"):  # `tradewind readiness`'s figures
        value = ready[key]
        assert value is not None and abs(value) < 0.01, key
        assert value == pytest.approx(ready_same[key], abs=2e-3), key
    # the day's summary (Telegram, e-mail) and the dashboard
    with Store(cfg.database_url, mode=None) as db:
        day = daily_summary(db, 1, date(2020, 6, 1))
    assert day is not None and abs(day.pnl) < 0.01 * START and day.equity > 4.5 * START
    shown = dashboard_captions(rig.config, monkeypatch, "Performance")
    assert "1 deposit(s) or withdrawal(s) adopted, net $400,000" in shown
    status = CliRunner().invoke(app, ["status", "--config", str(rig.config)])
    assert status.exit_code == 0, status.output
    assert "deposits and withdrawals adopted: net $+400,000.00" in " ".join(status.output.split())
    # against its shadow backtest: the deposit is named, not left unexplained
    args = ["report", "divergence", "--json", "--config", str(rig.config)]
    shown = CliRunner().invoke(app, args)
    assert shown.exit_code == 0, shown.output
    attribution = json.loads(shown.stdout)
    assert attribution["totals"]["flows"] == pytest.approx(400_000.0, abs=0.01)
    assert abs(attribution["unexplained"]) < 1.0, attribution["unexplained"]


@pytest.mark.parametrize("rig", ["alpaca"], indirect=True)
def test_a_withdrawal_is_no_drawdown_even_across_a_crash_after_the_adoption(
    rig: Rig,  # noqa: F811
) -> None:
    """16% taken out (the drawdown limit is 15%, the daily loss limit 5%): the service is
    killed at its first order after adopting it, before the cycle's checkpoint; the restarted
    service still moves its breakers by the withdrawal."""
    _halted_on_the_difference(rig, "CSW", -16_000.0)
    _resume(rig)
    rig.kill_on_order(1)

    code, out = rig.session(cycles=3)
    assert code < 0, out  # SIGKILL after the adoption, before the first checkpoint of it
    with Store(load_config(rig.config).database_url, mode=None) as db:
        baseline, ckpt = load_baseline(db, 1), load_checkpoint(db, 1)
    assert baseline is not None and ckpt is not None
    assert [round(f.amount, 2) for f in baseline.flows] == [-16_000.0] and ckpt.flows == 0

    code, out = rig.session(cycles=3)

    assert code == 0 and "RESULT stopped 3 False" in out, out
    assert [k for k, _ in _store(rig.folder)["halts"]] == ["reconciliation"]  # no breaker's
    (text,) = _events(rig.folder, "capital_flow")
    assert text.startswith("withdrawal of $16,000.00 adopted")
    with Store(load_config(rig.config).database_url, mode=None) as db:
        ckpt = load_checkpoint(db, 1)
    assert ckpt is not None and ckpt.flows == 1
    tracker = ckpt.risk["tracker"]
    assert tracker["peak_equity"] < 0.9 * START  # the peak moved down with the withdrawal
    summary = _records(rig).summary().performance
    assert summary.max_drawdown > -0.02  # not the -16% the withdrawal would read as
