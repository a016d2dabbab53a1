"""The notification settings: credential shapes (``config check`` names the variable, never its
value), switches that cannot silence halts and errors, and which channel gets which notice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from notifykit import notify_env
from servicekit import run_inprocess, write_config
from typer.testing import CliRunner

from tradewind.cli.app import app
from tradewind.config import NotificationsSection, Secrets
from tradewind.config.notify_secrets import (
    bot_token_problem,
    chat_id_problem,
    notification_secret_problems,
    parse_webhook,
    webhook_problem,
)
from tradewind.domain.errors import ConfigError
from tradewind.notify.events import event_notice
from tradewind.notify.notice import Notice
from tradewind.notify.routing import route, wants

ID = "112233445566778899"
TOKEN = "A" * 68


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        (f"https://discord.com/api/webhooks/{ID}/{TOKEN}", None),
        (f"https://discordapp.com/api/webhooks/{ID}/{TOKEN}", None),
        (f"https://canary.discord.com/api/v10/webhooks/{ID}/{TOKEN}/", None),
        ("notaurl", "is not a URL"),
        (f"http://discord.com/api/webhooks/{ID}/{TOKEN}", "must use https"),
        (f"https://example.com/api/webhooks/{ID}/{TOKEN}", "is not a Discord webhook URL"),
        (f"https://discord.com/api/webhooks/{ID}", "is incomplete"),
        (f"https://discord.com/api/webhooks/123/{TOKEN}", "is incomplete"),
    ],
)
def test_webhook_shapes(url: str, problem: str | None) -> None:
    found = webhook_problem(url)
    assert (found is None) if problem is None else (found is not None and problem in found)
    assert (parse_webhook(url) is not None) == (problem is None)


def test_an_incomplete_webhook_says_what_the_token_looks_like() -> None:
    """A right id with a short token (a placeholder) is refused naming both parts' shapes."""
    found = webhook_problem(f"https://discord.com/api/webhooks/{ID}/abcdefABCDEF_token")
    assert found is not None and "id: 17-20 digits" in found
    assert "token: 20 or more letters, digits, _ or -" in found


def test_a_webhook_parses_into_its_id_and_token() -> None:
    hook = parse_webhook(f"https://discord.com/api/webhooks/{ID}/{TOKEN}")
    assert hook is not None and (hook.id, hook.token) == (ID, TOKEN)


@pytest.mark.parametrize(
    ("token", "ok"),
    [
        ("123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw", True),
        ("123456789", False),
        ("https://api.telegram.org/bot123:abc", False),
        ("123456789:short", False),
    ],
)
def test_bot_token_shapes(token: str, ok: bool) -> None:
    assert (bot_token_problem(token) is None) is ok


@pytest.mark.parametrize(
    ("chat", "ok"),
    [
        ("123456789", True),
        ("-1001234567890", True),
        ("@mychannel", True),
        ("me", False),
        ("123:abc", False),
    ],
)
def test_chat_id_shapes(chat: str, ok: bool) -> None:
    assert (chat_id_problem(chat) is None) is ok


def test_a_malformed_variable_is_an_error_for_an_enabled_channel_a_warning_otherwise() -> None:
    secrets = Secrets(discord_webhook_url="notaurl", telegram_chat_id="me")
    on = NotificationsSection.model_validate({"discord": {"enabled": True}})
    problems, warnings = notification_secret_problems(on, secrets)
    assert [str(p) for p in problems] == [
        "DISCORD_WEBHOOK_URL is not a URL; copy the URL from Discord: Server Settings > "
        "Integrations > Webhooks > Copy Webhook URL (https://discord.com/api/webhooks/<id>/<token>)"
    ]
    assert len(warnings) == 1 and warnings[0].startswith("TELEGRAM_CHAT_ID is not a chat id")
    assert notification_secret_problems(NotificationsSection(), secrets)[0] == []


def test_config_check_refuses_notaurl_and_never_prints_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    cfg = tmp_path / "c.yaml"
    cfg.write_text("notifications:\n  discord:\n    enabled: true\n", encoding="utf-8")
    env = {"DISCORD_WEBHOOK_URL": "notaurl-but-secretish"}
    result = CliRunner(env=env).invoke(app, ["config", "check", str(cfg), "--json"])
    assert result.exit_code == 2
    problem = json.loads(result.stdout)["problems"][0]
    assert problem["path"] == "DISCORD_WEBHOOK_URL" and problem["message"] == "is not a URL"
    assert "notaurl-but-secretish" not in result.output


def test_the_service_refuses_to_start_on_a_malformed_credential(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "not-a-token")
    monkeypatch.setenv("TELEGRAM_CHAT_ID", "123")
    path = write_config(tmp_path, notifications={"telegram": {"enabled": True}})
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN has no ':'"):
        run_inprocess(path, replay=("2019-09-02", "2019-09-06"))
    assert not (tmp_path / "tw.db").exists()  # refused before anything was written


def test_halts_and_errors_cannot_be_switched_off() -> None:
    with pytest.raises(ValueError, match="notify_errors\n.*cannot be false while the channel"):
        NotificationsSection.model_validate({"discord": {"enabled": True, "notify_errors": False}})
    off = NotificationsSection.model_validate({"discord": {"notify_errors": False}})
    assert not off.discord.enabled  # a disabled channel may say so


def test_api_base_must_be_https_except_on_loopback() -> None:
    with pytest.raises(ValueError, match="must use https"):
        NotificationsSection.model_validate({"discord": {"api_base": "http://example.com/api"}})
    ok = NotificationsSection.model_validate({"telegram": {"api_base": "http://127.0.0.1:8081/"}})
    assert ok.telegram.api_base == "http://127.0.0.1:8081"


QUIET = NotificationsSection.model_validate(
    {
        "discord": {
            "enabled": True,
            "notify_trades": False,
            "notify_regime_changes": False,
            "notify_rebalancing": False,
            "notify_risk": False,
            "notify_service": False,
            "notify_daily_summary": False,
        },
        "telegram": {"enabled": False},
    }
)


@pytest.mark.parametrize(
    ("notice", "sent"),
    [
        (event_notice("halt", "trading HALTED", "critical"), True),
        (event_notice("resume", "trading resumed", "info"), True),
        (event_notice("order_rejected", "no buying power", "warning"), True),
        (event_notice("data_error", "AAA stale", "warning"), True),
        (event_notice("something_new", "boom", "critical"), True),
        (event_notice("stop", "AAA trailing stop", "warning"), False),
        (event_notice("regime_change", "BULL -> BEAR", "info"), False),
        (event_notice("service_start", "started", "info"), False),
        (event_notice("something_new", "fyi", "info"), False),
    ],
)
def test_every_switch_off_still_sends_halts_and_errors(notice: Notice, sent: bool) -> None:
    assert wants(QUIET.discord, notice) is sent
    assert route(notice, ["discord", "telegram"], QUIET) == (["discord"] if sent else [])


def test_switches_on_send_their_category_and_debug_never() -> None:
    loud = NotificationsSection.model_validate({"discord": {"enabled": True}})
    assert wants(loud.discord, event_notice("stop", "AAA", "warning"))
    assert wants(loud.discord, event_notice("regime_change", "x", "info"))
    assert not wants(loud.discord, event_notice("halt", "x", "debug"))
    assert not wants(loud.telegram, event_notice("halt", "x", "critical"))  # disabled channel


def test_notify_env_is_valid() -> None:
    secrets = Secrets(**{k.lower(): v for k, v in notify_env().items()})
    on = NotificationsSection.model_validate(
        {"discord": {"enabled": True}, "telegram": {"enabled": True}}
    )
    assert notification_secret_problems(on, secrets) == ([], [])
