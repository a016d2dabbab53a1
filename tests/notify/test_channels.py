"""Discord and Telegram channels against loopback servers speaking the services' wire formats
(``notifykit``): payload shapes, limits, escaping, 429s, refusals and timeouts."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from notifykit import (
    DISCORD_ID,
    DISCORD_TOKEN,
    TELEGRAM_CHAT,
    TELEGRAM_TOKEN,
    FakeDiscord,
    FakeTelegram,
    discord_problems,
    running,
    telegram_text,
)

from tradewind.config.notify_secrets import Webhook
from tradewind.domain.orders import ClientOrderId, Fill, Side
from tradewind.domain.types import Symbol
from tradewind.notify.channel import RateLimited, RejectedDelivery, TransientDeliveryError
from tradewind.notify.compose import fill_notice
from tradewind.notify.discord import COLOURS, DiscordChannel
from tradewind.notify.events import event_notice
from tradewind.notify.notice import Notice
from tradewind.notify.telegram import TelegramApi, TelegramChannel

T0 = datetime(2024, 5, 3, 14, 30, tzinfo=UTC)


def fills(n: int) -> list[Notice]:
    return [
        fill_notice(
            Fill(
                ClientOrderId(f"tw-abc-{i:03d}"),
                Symbol(f"S{i:02d}"),
                Side.BUY,
                10 + i,
                101.25,
                T0,
                commission=0.35,
                slippage=0.10,
            ),
            "paper, run 1",
        )
        for i in range(n)
    ]


HALT = event_notice(
    "halt", "trading HALTED: daily loss 5.20% >= limit 5.00%; tradewind resume ...", "critical", T0
)


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


def discord_channel(fake: FakeDiscord, timeout: float = 5.0) -> DiscordChannel:
    return DiscordChannel(Webhook(DISCORD_ID, DISCORD_TOKEN), fake.api, timeout=timeout)


def telegram_channel(fake: FakeTelegram, timeout: float = 5.0) -> TelegramChannel:
    return TelegramChannel(TelegramApi(TELEGRAM_TOKEN, fake.base, timeout=timeout), TELEGRAM_CHAT)


# --- Discord ------------------------------------------------------------------------------
def test_a_single_notice_is_one_embed_in_the_documented_shape(discord: FakeDiscord) -> None:
    channel = discord_channel(discord)
    channel.send([HALT])
    (req,) = discord.requests
    assert req.path == f"/api/webhooks/{DISCORD_ID}/{DISCORD_TOKEN}"
    assert req.query == {"wait": ["true"]}  # answered only once Discord saved the message
    body = req.body
    assert discord_problems(body) == []
    assert body["allowed_mentions"] == {"parse": []}  # a reason never pings anyone
    assert body["content"].startswith("Trading HALTED: trading HALTED: daily loss")
    (embed,) = body["embeds"]
    assert embed["title"] == "🛑 Trading HALTED"
    assert embed["color"] == COLOURS["critical"] == 0xE74C3C
    assert embed["timestamp"] == T0.isoformat()
    assert "daily loss 5.20%" in embed["description"]


def test_colour_follows_severity(discord: FakeDiscord) -> None:
    channel = discord_channel(discord)
    for severity in ("info", "warning", "error", "critical"):
        channel.send([event_notice("x", "y", severity, T0)])
    assert [r.body["embeds"][0]["color"] for r in discord.requests] == [
        0x3498DB,
        0xF1C40F,
        0xE67E22,
        0xE74C3C,
    ]


def test_a_fill_is_an_embed_with_fields(discord: FakeDiscord) -> None:
    discord_channel(discord).send(fills(1))
    embed = discord.requests[0].body["embeds"][0]
    assert embed["title"] == "✅ Filled: BUY 10 S00"
    assert {f["name"]: f["value"] for f in embed["fields"]} == {
        "Price": "101.25",
        "Value": "$1,012.50",
        "Costs": "$0.45",
        "Order": "tw-abc-000",
    }


def test_fifty_fills_fit_one_digest_message_within_every_limit(discord: FakeDiscord) -> None:
    channel = discord_channel(discord)
    burst = fills(50)
    assert channel.fit(burst) == 50
    channel.send(burst)
    (req,) = discord.requests
    assert discord_problems(req.body) == []
    assert req.body["content"] == "50 updates: 50 fills"
    text = "\n".join(e["description"] for e in req.body["embeds"])
    assert all(f"BUY {10 + i} S{i:02d} @ 101.25" in text for i in range(50))


def test_a_digest_never_breaks_the_6000_character_limit(discord: FakeDiscord) -> None:
    channel = discord_channel(discord)
    long = [event_notice("stop", f"{i:03d} " + "x" * 250, "warning", T0) for i in range(60)]
    sent = 0
    while sent < len(long):
        k = channel.fit(long[sent:])
        channel.send(long[sent : sent + k])
        sent += k
    assert len(discord.requests) >= 3  # 60 x 260 characters need several messages
    assert all(discord_problems(r.body) == [] for r in discord.requests)


def test_an_oversized_notice_is_cut_to_fit(discord: FakeDiscord) -> None:
    discord_channel(discord).send([event_notice("data_error", "z" * 20_000, "warning", T0)])
    assert discord_problems(discord.requests[0].body) == []
    assert discord.requests[0].body["embeds"][0]["description"].endswith("…")


def test_a_429_reports_discords_retry_after(discord: FakeDiscord) -> None:
    discord.script.steps.append(("429", 0.75))
    with pytest.raises(RateLimited) as err:
        discord_channel(discord).send([HALT])
    assert err.value.retry_after == 0.75  # the body's float, not the rounded header


def test_a_deleted_webhook_names_the_variable_without_its_value(discord: FakeDiscord) -> None:
    channel = DiscordChannel(Webhook(DISCORD_ID, "wrong-token-" + "b" * 40), discord.api, timeout=5)
    with pytest.raises(RejectedDelivery) as err:
        channel.send([HALT])
    assert err.value.status == 404
    assert "DISCORD_WEBHOOK_URL" in str(err.value) and "Unknown Webhook" in str(err.value)
    assert "wrong-token" not in str(err.value)


def test_a_hanging_webhook_times_out(discord: FakeDiscord) -> None:
    discord.script.steps.append(("hang", 60.0))
    started = time.monotonic()
    with pytest.raises(TransientDeliveryError, match="did not answer in time"):
        discord_channel(discord, timeout=0.5).send([HALT])
    assert time.monotonic() - started < 5


def test_an_outage_is_transient(discord: FakeDiscord) -> None:
    discord.script.steps.append(("500", None))
    with pytest.raises(TransientDeliveryError, match="Discord answered 500"):
        discord_channel(discord).send([HALT])


def test_nothing_listening_is_transient() -> None:
    channel = DiscordChannel(
        Webhook(DISCORD_ID, DISCORD_TOKEN), "http://127.0.0.1:9/api", timeout=2
    )
    with pytest.raises(TransientDeliveryError, match="could not reach Discord") as err:
        channel.send([HALT])
    assert DISCORD_TOKEN not in str(err.value)


# --- Telegram -----------------------------------------------------------------------------
def test_telegram_message_is_html_to_the_configured_chat(telegram: FakeTelegram) -> None:
    telegram_channel(telegram).send([HALT])
    (req,) = telegram.requests
    assert req.path == f"/bot{TELEGRAM_TOKEN}/sendMessage"
    body = req.body
    assert body["chat_id"] == TELEGRAM_CHAT and body["parse_mode"] == "HTML"
    assert body["disable_notification"] is False  # a halt rings
    visible, problem = telegram_text(body["text"], "HTML")
    assert problem is None
    assert visible.startswith("🛑 Trading HALTED\ntrading HALTED: daily loss 5.20%")


def test_routine_telegram_messages_arrive_silently(telegram: FakeTelegram) -> None:
    telegram_channel(telegram).send(fills(2))
    assert telegram.requests[0].body["disable_notification"] is True


def test_telegram_text_is_escaped(telegram: FakeTelegram) -> None:
    notice = event_notice("order_rejected", "AT&T <b>qty</b> > cap & <script>", "warning", T0)
    telegram_channel(telegram).send([notice])
    visible, problem = telegram_text(telegram.requests[0].body["text"], "HTML")
    assert problem is None
    assert "AT&T <b>qty</b> > cap & <script>" in visible


def test_telegram_digest_is_split_below_4096_characters(telegram: FakeTelegram) -> None:
    channel = telegram_channel(telegram)
    long = [event_notice("stop", f"{i:03d} " + "y" * 200, "warning", T0) for i in range(80)]
    sent = 0
    while sent < len(long):
        k = channel.fit(long[sent:])
        channel.send(long[sent : sent + k])
        sent += k
    assert len(telegram.sent) >= 4 and len(telegram.sent) == len(telegram.requests)
    assert all(len(b["text"]) <= 4096 for b in telegram.sent)


def test_telegram_429_reports_parameters_retry_after(telegram: FakeTelegram) -> None:
    telegram.script.steps.append(("429", 3.0))
    with pytest.raises(RateLimited) as err:
        telegram_channel(telegram).send([HALT])
    assert err.value.retry_after == 3.0


def test_a_wrong_bot_token_names_the_variable(telegram: FakeTelegram) -> None:
    api = TelegramApi("123:" + "c" * 35, telegram.base, timeout=5)
    with pytest.raises(RejectedDelivery, match="TELEGRAM_BOT_TOKEN is wrong or was revoked"):
        TelegramChannel(api, TELEGRAM_CHAT).send([HALT])


def test_an_unknown_chat_names_the_variable(telegram: FakeTelegram) -> None:
    api = TelegramApi(TELEGRAM_TOKEN, telegram.base, timeout=5)
    with pytest.raises(RejectedDelivery, match="TELEGRAM_CHAT_ID is not a chat the bot knows"):
        TelegramChannel(api, "424242").send([HALT])
