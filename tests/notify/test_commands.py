"""Telegram commands against the loopback Bot API: only the configured chat is obeyed, ``/halt``
latches a halt that stops the next wall-clock run, the other commands answer from the store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from notifykit import (
    OTHER_CHAT,
    TELEGRAM_CHAT,
    TELEGRAM_TOKEN,
    FakeTelegram,
    notify_env,
    running,
    telegram_text,
    wait_for,
)
from servicekit import FakeClock, load, run_inprocess, run_wall, write_config

from tradewind.config import NotificationsSection, load_secrets
from tradewind.domain import Side
from tradewind.notify.commands import OFFSET_KEY, TelegramCommands
from tradewind.notify.runtime import Notifier
from tradewind.notify.telegram import TelegramApi
from tradewind.service.notify_backend import StoreCommands
from tradewind.store import Store


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with running(FakeTelegram(max_poll=0.2)) as fake:
        assert isinstance(fake, FakeTelegram)
        yield fake


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished replay: a store with cycles, fills, positions and a regime."""
    folder = tmp_path_factory.mktemp("replayed")
    _, result = run_inprocess(
        write_config(folder, execution={"fill_price": "close"}),
        replay=("2019-09-02", "2019-10-31"),
    )
    assert result.status == "finished"
    return folder


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'tw.db'}", mode="simulated", durable=False)
    yield s
    s.close()


def commands(
    fake: FakeTelegram, store: Store, cfg: Any = None, channels: tuple[str, ...] = ()
) -> TelegramCommands:
    backend = StoreCommands(store, cfg or load_default(), channels=channels)
    api = TelegramApi(TELEGRAM_TOKEN, fake.base, timeout=5)
    return TelegramCommands(api, TELEGRAM_CHAT, backend, store, wait=1)


def load_default() -> Any:
    from tradewind.config import TradewindConfig

    return TradewindConfig.model_validate(
        {"notifications": {"discord": {"enabled": True}, "telegram": {"enabled": True}}}
    )


def replies(fake: FakeTelegram) -> list[str]:
    out = []
    for body in fake.sent:
        visible, problem = telegram_text(body["text"], body.get("parse_mode"))
        assert problem is None
        out.append(visible)
    return out


def test_halt_from_another_chat_is_ignored(telegram: FakeTelegram, store: Store) -> None:
    telegram.push_command("/halt", chat_id=OTHER_CHAT, username="stranger")
    telegram.push_command("/status@tradewind_bot", chat_id=OTHER_CHAT, username="stranger")
    cmd = commands(telegram, store)
    cmd.poll_once()
    assert store.active_halts() == []
    assert telegram.sent == []  # not even a reply: a stranger learns nothing
    assert cmd.ignored == 2 and cmd.handled == []
    assert store.load_state(OFFSET_KEY) == {"offset": 103}  # confirmed, never handled again
    cmd.poll_once()
    assert cmd.ignored == 2


def test_halt_from_the_configured_chat_latches_once_and_alerts_every_channel(
    telegram: FakeTelegram, store: Store
) -> None:
    cmd = commands(telegram, store, channels=("discord", "telegram"))
    telegram.push_command("/halt gap on CPI, looking", username="owner")
    cmd.poll_once()
    (halt,) = store.active_halts()
    assert halt.kind == "emergency" and (halt.data or {}).get("clock") == "wall"
    assert halt.reason == "emergency stop by telegram:@owner: gap on CPI, looking"
    [reply] = replies(telegram)
    assert reply.startswith("🛑 Halt latched") and "tradewind resume --confirm" in reply
    alerts = store.pending_notifications()
    assert sorted(a.channel for a in alerts) == ["discord", "telegram"]
    assert {a.payload["kind"] for a in alerts} == {"manual_halt"}
    assert {a.payload["severity"] for a in alerts} == {"critical"}
    telegram.push_command("/halt again")
    cmd.poll_once()
    assert len(store.active_halts()) == 1
    assert replies(telegram)[-1].startswith("🛑 Already halted")


def test_resume_stays_local_and_unknown_commands_get_help(
    telegram: FakeTelegram, store: Store
) -> None:
    cmd = commands(telegram, store)
    telegram.push_command("/resume")
    telegram.push_command("/frobnicate")
    cmd.poll_once()
    first, second = replies(telegram)
    assert "tradewind resume --confirm" in first
    assert "/halt [reason]" in second and "/daily" in second


def test_read_commands_answer_from_the_store(telegram: FakeTelegram, replayed: Path) -> None:
    cfg = load(replayed / "config.yaml")
    with Store(cfg.database_url, mode=None) as store:
        cmd = commands(telegram, store, cfg)
        for text in ("/status", "/positions", "/regime", "/daily"):
            telegram.push_command(text)
        cmd.poll_once()
        status, positions, regime, daily = replies(telegram)
        last = store.last_cycle(1)
        held = [p.symbol for p in store.latest_positions(1)]
    assert last is not None and held
    assert "Equity: $" in status and "Halted: no" in status
    assert f"{last.equity:,.2f}" in status
    assert all(symbol in positions for symbol in held)
    assert "Policy:" in regime and "Confidence:" in regime
    assert "P&L:" in daily and "S&P 500:" in daily and "Trades:" in daily
    assert cmd.handled == ["status", "positions", "regime", "daily"]


def test_the_offset_survives_a_restart(telegram: FakeTelegram, store: Store) -> None:
    telegram.push_command("/status")
    commands(telegram, store).poll_once()
    again = commands(telegram, store)  # a new process, the same store
    again.poll_once()
    assert again.handled == [] and len(telegram.sent) == 1


def test_an_emergency_halt_from_telegram_stops_the_next_wall_clock_run(
    tmp_path: Path, telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for k, v in notify_env(discord=False).items():
        monkeypatch.setenv(k, v)
    cfg_path = write_config(
        tmp_path,
        execution={"fill_price": "close"},
        notifications={
            "telegram": {
                "enabled": True,
                "api_base": telegram.base,
                "poll_seconds": 1,
                "batch_seconds": 0.1,
                "min_interval_seconds": 0.0,
            },
        },
    )
    clock = FakeClock("2020-02-03 09:31")
    first = run_wall(cfg_path, clock, 4)
    assert first.cycles == 4 and not first.halted
    cfg = load(cfg_path)
    with Store(cfg.database_url, mode=None) as store:
        backend = StoreCommands(store, cfg, channels=["telegram"])
        notifier = Notifier(store, cfg.notifications, load_secrets(), state=store, backend=backend)
        notifier.start()  # what `tradewind notify run` does between service runs
        try:
            telegram.push_command("/halt stepping out, no new risk")
            assert wait_for(lambda: bool(store.active_halts()), timeout=15)
            assert wait_for(lambda: any("Trading HALTED" in r for r in replies(telegram)), 15)
        finally:
            notifier.stop(2.0)
        buys_before = sum(o.request.side is Side.BUY for o in store.orders())
    second = run_wall(cfg_path, clock, 4)
    assert second.halted and "emergency" in second.message
    with Store(cfg.database_url, mode=None) as store:
        assert sum(o.request.side is Side.BUY for o in store.orders()) == buys_before


def test_commands_are_off_without_telegram_or_with_commands_false(store: Store) -> None:
    n = NotificationsSection.model_validate({"telegram": {"enabled": True, "commands": False}})
    env = notify_env()
    from tradewind.config import Secrets

    secrets = Secrets(
        telegram_bot_token=env["TELEGRAM_BOT_TOKEN"], telegram_chat_id=env["TELEGRAM_CHAT_ID"]
    )
    backend = StoreCommands(store, load_default())
    assert Notifier(store, n, secrets, state=store, backend=backend).commands is None
