"""The trading service with notifications on, against the loopback Discord and Telegram servers:
what a replay reports arrives (fills, rebalances, regime changes, halts, daily summaries),
batched, once, within every limit and without a secret; a webhook that hangs for 60 s does not
hold up the cycles; a halt queued before a SIGKILL is delivered after the restart."""

from __future__ import annotations

import json
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from notifykit import (
    DISCORD_TOKEN,
    TELEGRAM_CHAT,
    TELEGRAM_TOKEN,
    FakeDiscord,
    FakeTelegram,
    discord_problems,
    notify_env,
    running,
    telegram_text,
)
from servicekit import FakeClock, load, run_inprocess, run_session, run_wall, write_config

from tradewind.config import load_secrets
from tradewind.notify.dispatcher import Dispatcher
from tradewind.notify.runtime import build_channels
from tradewind.store import Store

FAST = {"batch_seconds": 0.2, "min_interval_seconds": 0.0, "timeout_seconds": 5.0}
HALTING: dict[
    str, Any
] = {  # a tight daily loss limit latches within two weeks (test_service_halts)
    "daily_loss_limit": 0.012,
    "daily_loss_warning": 0.006,
    "stop_loss": {"enabled": True, "type": "trailing", "trailing_pct": 0.05},
    "circuit_breaker": {
        "enabled": True,
        "consecutive_losses": 4,
        "max_drawdown": 0.15,
        "backtest_resume_sessions": 3,
    },
}


@pytest.fixture
def discord() -> Iterator[FakeDiscord]:
    with running(FakeDiscord()) as fake:
        assert isinstance(fake, FakeDiscord)
        yield fake


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with running(FakeTelegram()) as fake:
        assert isinstance(fake, FakeTelegram)
        yield fake


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no repository .env
    for k, v in notify_env().items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("ALPACA_API_KEY", "PKLEAKCHECK0001")  # configured, must never be sent


def config(
    folder: Path, discord: FakeDiscord, telegram: FakeTelegram | None = None, **channel: Any
) -> Path:
    notifications: dict[str, Any] = {
        "include_replays": True,
        "discord": {"enabled": True, "api_base": discord.api, **FAST, **channel},
        "telegram": {"enabled": False},
    }
    if telegram is not None:
        notifications["telegram"] = {
            "enabled": True,
            "api_base": telegram.base,
            "commands": False,
            **FAST,
            "notify_trades": False,
        }
    return write_config(
        folder,
        execution={"fill_price": "close"},
        risk_management=HALTING,
        notifications=notifications,
    )


def outbox(folder: Path) -> list[tuple[int, str, dict[str, Any], str]]:
    db = sqlite3.connect(folder / "tw.db")
    try:
        rows = db.execute("SELECT id, channel, payload, status FROM notifications ORDER BY id")
        return [(i, c, json.loads(p), s) for i, c, p, s in rows]
    finally:
        db.close()


def finish_sending(folder: Path) -> None:
    """What a next start would do: deliver what the stopping service left queued."""
    cfg = load(folder / "config.yaml")
    with Store(cfg.database_url, mode=None) as store:
        d = Dispatcher(store, build_channels(cfg.notifications, load_secrets()))
        d.flushing = True
        assert d.drain(30.0) == 0
        d.close()


def test_a_replay_reports_everything_once_batched_and_within_limits(
    tmp_path: Path, env: None, discord: FakeDiscord, telegram: FakeTelegram
) -> None:
    _, result = run_inprocess(config(tmp_path, discord, telegram))
    assert result.status == "finished"
    finish_sending(tmp_path)
    rows = outbox(tmp_path)
    assert rows and all(status == "sent" for *_, status in rows)
    kinds = Counter((ch, p["kind"]) for _, ch, p, _ in rows)
    for kind in (
        "trade_filled",
        "rebalance_started",
        "rebalance_finished",
        "halt",
        "daily_summary",
        "service_start",
        "service_stop",
    ):
        assert kinds["discord", kind] > 0, kind
    assert kinds["telegram", "trade_filled"] == 0  # notify_trades: false there
    assert kinds["telegram", "halt"] == kinds["discord", "halt"] > 0  # halts cannot be switched off
    with Store(load(tmp_path / "config.yaml").database_url, mode=None) as store:
        latched = [h for h in store.halts() if h.kind != "reconciliation"]
        rebalances = [
            c
            for c in store.cycles(1, decisions_only=True)
            if any(not o.reason.startswith(("stop:", "halt:")) for o in c.orders)
        ]
        fills = store.fills(1)
    assert kinds["discord", "rebalance_started"] == len(rebalances) > 0
    assert kinds["discord", "rebalance_finished"] == len(rebalances)  # fills at the close
    assert kinds["discord", "trade_filled"] == len(fills)
    assert kinds["discord", "halt"] == len(latched)  # the latch and its event: one alert
    discord_rows = sum(1 for _, ch, _, _ in rows if ch == "discord")
    assert len(discord.accepted) < discord_rows / 3  # bursts shared messages
    assert all(discord_problems(b) == [] for b in discord.accepted)
    for body in telegram.sent:
        assert telegram_text(body["text"], body.get("parse_mode"))[1] is None
    sent = json.dumps(discord.accepted) + json.dumps([dict(b, chat_id=None) for b in telegram.sent])
    for secret in (DISCORD_TOKEN, TELEGRAM_TOKEN, TELEGRAM_CHAT, "PKLEAKCHECK0001"):
        assert secret not in sent


def test_a_webhook_that_hangs_60_s_does_not_delay_the_cycles(
    tmp_path: Path, env: None, discord: FakeDiscord
) -> None:
    replay = ("2019-09-02", "2019-10-31")
    plain = tmp_path / "plain"
    plain.mkdir()
    started = time.monotonic()
    _, baseline = run_inprocess(
        write_config(plain, execution={"fill_price": "close"}), replay=replay
    )
    without = time.monotonic() - started
    discord.script.steps.extend([("hang", 60.0)] * 50)
    hung = tmp_path / "hung"
    hung.mkdir()
    cfg = config(hung, discord, timeout_seconds=60.0)  # even a 60 s request limit
    started = time.monotonic()
    _, result = run_inprocess(cfg, replay=replay)
    elapsed = time.monotonic() - started
    assert result.status == "finished" and result.cycles == baseline.cycles > 30
    assert discord.requests, "the dispatcher was sending while the cycles ran"
    assert discord.accepted == []  # every request hung
    print(f"replay {without:.1f}s without notifications, {elapsed:.1f}s with a hanging webhook")
    assert elapsed < 45, elapsed  # the first hang alone would have taken 60 s
    assert elapsed < without + 20, (elapsed, without)  # the stop waits 3 s at most
    assert {status for *_, status in outbox(hung)} == {"pending"}  # kept for the next start


def test_a_halt_queued_before_a_sigkill_is_delivered_after_the_restart(
    tmp_path: Path, env: None, discord: FakeDiscord
) -> None:
    cfg = config(tmp_path, discord)
    discord.down = True  # nothing can be delivered before the kill
    first = run_session(cfg, replay=("2019-09-02", "2019-11-29"), fault="after_latch:1")
    assert first.killed, first.stderr[-2000:]
    pending = [(i, p) for i, ch, p, s in outbox(tmp_path) if p["kind"] == "halt" and s == "pending"]
    assert len(pending) == 1, "the halt's alert was committed with the latch"
    halt_id, payload = pending[0]
    assert discord.accepted == []
    discord.down = False
    second = run_session(cfg, replay=("2019-09-02", "2019-11-29"))
    assert second.finished, second.stderr[-3000:]
    finish_sending(tmp_path)
    status = {i: s for i, _, _, s in outbox(tmp_path)}
    assert status[halt_id] == "sent"
    text = payload["message"]
    delivered = [b for b in discord.accepted if text in json.dumps(b, ensure_ascii=False)]
    assert len(delivered) == 1  # once: the rerun cycle's halt event shared the latch's key
    assert [e["title"] for e in delivered[0]["embeds"]] == ["🛑 Trading HALTED"]  # alone


def test_a_wall_clock_run_sends_a_daily_summary_after_each_close(
    tmp_path: Path, env: None, discord: FakeDiscord
) -> None:
    cfg = config(tmp_path, discord)
    clock = FakeClock("2020-02-03 09:31")
    result = run_wall(cfg, clock, 9, interval=3600)  # 7 hourly slots on 02-03, 2 on 02-04
    assert result.cycles == 9
    finish_sending(tmp_path)
    daily = [p for _, ch, p, s in outbox(tmp_path) if p["kind"] == "daily_summary"]
    assert [p["title"] for p in daily] == ["📊 Daily summary 2020-02-03"]  # closed once so far
    fields = dict(daily[0]["fields"])
    assert fields["S&P 500"] != "n/a" and fields["vs S&P 500"].endswith(" pts")
    assert fields["P&L"].startswith(("+$", "-$"))
    ts = datetime.fromisoformat(daily[0]["ts"])
    assert ts.astimezone(ZoneInfo("America/New_York")).hour < 16  # the session's last cycle
    assert any(
        "Daily summary 2020-02-03" in json.dumps(b, ensure_ascii=False) for b in discord.accepted
    )
