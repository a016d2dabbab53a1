"""A live run's first start shows and checks the paper phase (the runbook's Phase 22.3,
"Prerequisites for Live Trading", "Same Configuration"): without a paper run, with a paper
verdict other than READY, or with a strategy setting changed from the paper run, it is refused
before the run exists and before any broker call, naming what failed and the fixes;
``--accept-paper-gaps`` starts it anyway and records what was accepted; a restart of a live run
already started is never checked again.

The service runs paper, then live with every consent, against the loopback fake Alpaca broker on
price files exported from the synthetic market, each mode in its own database (``{mode}``)."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
import yaml
from test_paper_service import Rig, rig  # noqa: F401 - the fake broker and its service
from typer.testing import CliRunner

from tradewind.cli.app import app
from tradewind.service.live_safety import ALLOW_ENV

DRIFT = "portfolio_optimization.rebalancing.drift_threshold"
pytestmark = pytest.mark.parametrize("rig", ["alpaca"], indirect=True)


def _edit(rig: Rig, change: dict[str, dict[str, Any]]) -> None:  # noqa: F811
    data = yaml.safe_load(rig.config.read_text("utf-8"))
    for section, values in change.items():
        data[section] = data.get(section, {}) | values
    rig.config.write_text(yaml.safe_dump(data), encoding="utf-8")


def _on_files(rig: Rig) -> None:  # noqa: F811
    """The rig's config on exported price files, each mode in its own database."""
    prices = rig.folder / "prices"
    args = ["data", "export", "--source", "synthetic", "--to", str(prices), "-c", str(rig.config)]
    done = CliRunner().invoke(app, [*args, "--end", "2020-06-01"])
    assert done.exit_code == 0, done.output
    _edit(
        rig,
        {
            "data": {"source": "files", "path": str(prices), "benchmark": "SP500"},
            "database": {"url": f"sqlite:///{rig.folder / 'tw-{mode}.db'}"},
        },
    )


@pytest.fixture
def paper_rig(rig: Rig) -> Rig:  # noqa: F811
    """The rig on price files after two paper cycles: a paper run far from READY (one session
    of evidence)."""
    _on_files(rig)
    code, out = rig.session(cycles=2)
    assert code == 0 and "RESULT stopped 2 False" in out, out
    return rig


def _go_live(rig: Rig, monkeypatch: pytest.MonkeyPatch, drift: float = 0.05) -> None:  # noqa: F811
    """Live with every consent on a fresh $10,000 account; ``drift``: the live drift threshold
    (the paper run's is 0.05)."""
    data = yaml.safe_load(rig.config.read_text("utf-8"))
    data["trading"] |= {"mode": "live", "initial_capital": 10_000.0}
    data["broker"]["paper_trading"] = False
    data["portfolio_optimization"]["rebalancing"]["drift_threshold"] = drift
    rig.config.write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.setenv(ALLOW_ENV, "yes")
    ex = rig.exchange
    ex.cash, ex.positions, ex.orders, ex.requests = 10_000.0, {}, {}, []
    ex.order_posts, ex.posts_by_cid = 0, {}
    (rig.folder / "clock.txt").unlink(missing_ok=True)


def _live_runs(rig: Rig) -> list[tuple[int, str]]:  # noqa: F811
    path = rig.folder / "tw-live.db"
    if not path.exists():
        return []
    db = sqlite3.connect(path)
    try:
        return list(db.execute("SELECT id, status FROM runs"))
    except sqlite3.OperationalError:  # no schema yet
        return []
    finally:
        db.close()


def _events(rig: Rig, kind: str) -> list[str]:  # noqa: F811
    db = sqlite3.connect(rig.folder / "tw-live.db")
    try:
        return [m for (m,) in db.execute("SELECT message FROM events WHERE kind = ?", (kind,))]
    finally:
        db.close()


def _refused(rig: Rig) -> str:  # noqa: F811
    """A live start that must be refused before the run exists and before any broker call."""
    code, out = rig.session(cycles=2, live=True)
    text = " ".join(out.split())
    assert code == 2 and "REFUSED live trading refused; nothing was started" in text, out
    assert "To go live with these gaps anyway, your own decision: add --accept-paper-gaps" in text
    assert rig.exchange.requests == [] and rig.exchange.order_posts == 0
    assert _live_runs(rig) == []
    assert not (rig.folder / "tw-live.db").exists()  # refused before the store creates it
    return text


def test_a_live_start_without_a_paper_run_is_refused(
    rig: Rig,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _on_files(rig)
    _go_live(rig, monkeypatch)

    text = _refused(rig)

    paper_db = rig.folder / "tw-paper.db"
    assert f"no paper run in sqlite:///{paper_db}" in text
    assert "paper trade first (tradewind trade --paper) until `tradewind readiness --phase " in text


def test_a_live_start_after_a_paper_run_that_is_not_ready_is_refused_naming_the_criteria(
    paper_rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    _go_live(paper_rig, monkeypatch)

    text = _refused(paper_rig)

    assert "the paper run is NOT READY: " in text
    assert "Evidence period (runbook: 2-4 weeks of paper trading): fail (1 sessions)" in text
    assert "keep paper trading with this configuration until `tradewind readiness --phase " in text
    assert "differs from the paper run" not in text  # the same settings: only the verdict


def test_a_live_start_with_a_strategy_setting_changed_from_paper_is_refused_naming_it(
    paper_rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    _go_live(paper_rig, monkeypatch, drift=0.08)

    text = _refused(paper_rig)

    assert f"{DRIFT}: 0.05 (paper) -> 0.08 (live) differs from the paper run" in text
    assert f"set {DRIFT}: 0.05 as the paper run had it" in text
    for expected in ("trading.mode", "trading.initial_capital", "broker.paper_trading", "database"):
        assert f"{expected}:" not in text  # live is expected to change these


def test_accepted_gaps_start_live_with_an_event_and_a_restart_is_not_checked_again(
    paper_rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    _go_live(paper_rig, monkeypatch, drift=0.08)

    code, out = paper_rig.session(cycles=1, live=True, accept_gaps=True)

    assert code == 0 and "RESULT stopped 1 False" in out, out
    lines = out.splitlines()
    live_at = lines.index("LIVE TRADING: REAL MONEY. Orders go to your live brokerage account.")
    assert lines[live_at + 1].startswith("paper phase: run 1 'paper' (paper, wall clock), ")
    assert lines[live_at + 1].endswith(": NOT READY")
    assert lines[live_at + 2] == f"settings that differ from the paper run: {DRIFT}: 0.05 " + (
        "(paper) -> 0.08 (live)"
    )
    accepted = lines[live_at + 3]
    assert accepted.startswith("ACCEPTED with --accept-paper-gaps: the paper run is NOT READY")
    assert accepted.endswith(f"; {DRIFT}: 0.05 (paper) -> 0.08 (live) differs from the paper run")
    [event] = _events(paper_rig, "paper_gaps_accepted")
    assert event == "live run started with --accept-paper-gaps: " + accepted.split(": ", 1)[1]
    assert _live_runs(paper_rig) == [(1, "stopped")]

    code, out = paper_rig.session(cycles=1, live=True)  # a restart: no flag, no check

    assert code == 0 and "RESULT stopped 1 False" in out, out
    assert "run 1 'live' (resumed)" in out and "paper phase" not in out
    assert (
        _live_runs(paper_rig) == [(1, "stopped")]
        and len(_events(paper_rig, "paper_gaps_accepted")) == 1
    )
