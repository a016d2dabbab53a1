"""``tradewind notify test|status|run`` against the loopback Discord and Telegram servers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from notifykit import (
    DISCORD_TOKEN,
    TELEGRAM_TOKEN,
    FakeDiscord,
    FakeTelegram,
    discord_problems,
    notify_env,
    running,
)
from typer.testing import CliRunner, Result

from tradewind.cli.app import app
from tradewind.config import load_config
from tradewind.notify.events import event_notice
from tradewind.service.heartbeat import InstanceLock
from tradewind.service.paths import lock_path
from tradewind.store import Store


@pytest.fixture
def fakes() -> Iterator[tuple[FakeDiscord, FakeTelegram]]:
    with running(FakeDiscord()) as d, running(FakeTelegram()) as t:
        assert isinstance(d, FakeDiscord) and isinstance(t, FakeTelegram)
        yield d, t


def write(folder: Path, discord: FakeDiscord, telegram: FakeTelegram, **extra: Any) -> Path:
    data = {
        "database": {"url": f"sqlite:///{folder / 'tw.db'}"},
        "logging": {"path": str(folder / "trading.log")},
        "notifications": {
            "discord": {"enabled": True, "api_base": discord.api, "timeout_seconds": 3},
            "telegram": {"enabled": True, "api_base": telegram.base, "timeout_seconds": 3},
            **extra,
        },
    }
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def invoke(
    args: list[str], env: dict[str, str], folder: Path, monkeypatch: pytest.MonkeyPatch
) -> Result:
    monkeypatch.chdir(folder)  # no repository .env
    for name in ("DISCORD_WEBHOOK_URL", "TELEGRAM_BOT_TOKEN", "TELEGRAM_CHAT_ID"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner(env=env).invoke(app, args)


def test_notify_test_sends_to_each_enabled_channel(
    tmp_path: Path, fakes: tuple[FakeDiscord, FakeTelegram], monkeypatch: pytest.MonkeyPatch
) -> None:
    discord, telegram = fakes
    cfg = write(tmp_path, discord, telegram)
    result = invoke(["notify", "test", "-c", str(cfg)], notify_env(), tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    assert "discord: sent - accepted in" in result.stdout
    assert "telegram: sent - accepted in" in result.stdout
    (body,) = discord.accepted
    assert (
        discord_problems(body) == [] and body["embeds"][0]["title"] == "🔔 tradewind test message"
    )
    (msg,) = telegram.sent
    assert "tradewind test message" in msg["text"] and msg["disable_notification"] is False
    for secret in (DISCORD_TOKEN, TELEGRAM_TOKEN):
        assert secret not in json.dumps(body) + msg["text"] + result.output


def test_notify_test_reports_the_exact_failure(
    tmp_path: Path, fakes: tuple[FakeDiscord, FakeTelegram], monkeypatch: pytest.MonkeyPatch
) -> None:
    discord, telegram = fakes
    cfg = write(tmp_path, discord, telegram)
    env = {**notify_env(), "TELEGRAM_BOT_TOKEN": "999:" + "z" * 35}
    discord.script.steps.append(("429", 2.0))
    result = invoke(["notify", "test", "-c", str(cfg), "--json"], env, tmp_path, monkeypatch)
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    by = {c["channel"]: c for c in payload["channels"]}
    assert payload["ok"] is False
    assert by["discord"] == {
        "channel": "discord", "ok": False, "status": 429,
        "detail": "Discord rate limit (429): retry after 2.0 s",
    }  # fmt: skip
    assert by["telegram"]["status"] == 401
    assert by["telegram"]["detail"].startswith(
        "Telegram refused the bot token (401 (Unauthorized)): TELEGRAM_BOT_TOKEN is wrong"
    )
    assert "z" * 35 not in result.output


def test_notify_test_says_which_variable_is_missing(
    tmp_path: Path, fakes: tuple[FakeDiscord, FakeTelegram], monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = write(tmp_path, *fakes)
    env = notify_env(discord=True, telegram=False)
    result = invoke(["notify", "test", "-c", str(cfg)], env, tmp_path, monkeypatch)
    assert result.exit_code == 1
    assert "telegram: FAILED - TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID not set" in result.stdout
    assert "discord: sent" in result.stdout


def test_a_malformed_credential_is_refused_naming_the_variable(
    tmp_path: Path, fakes: tuple[FakeDiscord, FakeTelegram], monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = write(tmp_path, *fakes)
    env = {**notify_env(), "DISCORD_WEBHOOK_URL": "https://example.com/hooks/secretvalue123"}
    result = invoke(["notify", "test", "-c", str(cfg)], env, tmp_path, monkeypatch)
    assert result.exit_code == 2
    assert "DISCORD_WEBHOOK_URL is not a Discord webhook URL" in result.output
    assert "secretvalue123" not in result.output
    assert fakes[0].requests == [] and fakes[1].requests == []


def test_notify_test_without_an_enabled_channel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "c.yaml").write_text(
        yaml.safe_dump({"logging": {"path": str(tmp_path / "t.log")}}), encoding="utf-8"
    )
    result = invoke(["notify", "test", "-c", str(tmp_path / "c.yaml")], {}, tmp_path, monkeypatch)
    assert result.exit_code == 1
    assert "No channel is enabled" in result.stdout


def _queue(cfg_path: Path, n: int) -> None:
    cfg = load_config(cfg_path)
    with Store(cfg.database_url, mode=cfg.trading.mode.value) as store:
        for i in range(n):
            notice = event_notice("data_error", f"AAA stale #{i}", "warning")
            for ch in ("discord", "telegram"):
                store.enqueue_notification(ch, notice.to_payload())


def test_notify_status_and_run_once_deliver_the_outbox(
    tmp_path: Path, fakes: tuple[FakeDiscord, FakeTelegram], monkeypatch: pytest.MonkeyPatch
) -> None:
    discord, telegram = fakes
    cfg = write(tmp_path, discord, telegram)
    _queue(cfg, 12)
    env = notify_env()
    status = invoke(["notify", "status", "-c", str(cfg), "--json"], env, tmp_path, monkeypatch)
    assert status.exit_code == 0, status.output
    counts = {(c["channel"], c["status"]): c["count"] for c in json.loads(status.stdout)["counts"]}
    assert counts == {("discord", "pending"): 12, ("telegram", "pending"): 12}
    result = invoke(["notify", "run", "--once", "-c", str(cfg)], env, tmp_path, monkeypatch)
    assert result.exit_code == 0, result.output
    assert "sent 24 notification(s) in 2 message(s); 0 still queued" in result.stdout
    assert len(discord.accepted) == 1 and len(telegram.sent) == 1


def test_notify_run_is_refused_while_the_service_runs(
    tmp_path: Path, fakes: tuple[FakeDiscord, FakeTelegram], monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg_path = write(tmp_path, *fakes)
    _queue(cfg_path, 1)
    lock = InstanceLock(lock_path(load_config(cfg_path)))
    lock.acquire({"mode": "simulated"})
    try:
        result = invoke(
            ["notify", "run", "--once", "-c", str(cfg_path)], notify_env(), tmp_path, monkeypatch
        )
    finally:
        lock.release()
    assert result.exit_code == 1
    assert "another tradewind service is running" in result.output
    assert fakes[0].requests == []
