"""Delivery from the persisted outbox (a real SQLite store) to the loopback Discord and Telegram
servers: bursts batched, halts first and alone, 429s honoured, retries, nothing marked sent
before the service accepted it, no secret in any payload."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

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
)

from tradewind.config.notify_secrets import Webhook
from tradewind.domain.orders import ClientOrderId, Fill, Side
from tradewind.domain.types import Symbol
from tradewind.notify.channel import Channel
from tradewind.notify.compose import fill_notice
from tradewind.notify.discord import DiscordChannel
from tradewind.notify.dispatcher import DeliveryPolicy, Dispatcher
from tradewind.notify.events import event_notice
from tradewind.notify.notice import Notice
from tradewind.notify.telegram import TelegramApi, TelegramChannel
from tradewind.store import Store

T0 = datetime(2024, 5, 3, 14, 30, tzinfo=UTC)


class Clock:
    """Monotonic and wall time that move only when told."""

    def __init__(self) -> None:
        self.t = 1000.0

    def mono(self) -> float:
        return self.t

    def wall(self) -> datetime:
        return T0 + timedelta(seconds=self.t - 1000.0)

    def advance(self, seconds: float) -> None:
        self.t += seconds


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"sqlite:///{tmp_path / 'tw.db'}", mode="simulated", durable=False)  # no fsync
    yield s
    s.close()


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


def dispatcher(
    store: Store,
    clock: Clock,
    channels: dict[str, Channel],
    policy: DeliveryPolicy | None = None,
    secrets: tuple[str, ...] = (),
) -> Dispatcher:
    pol = policy or DeliveryPolicy(min_interval=1.0, batch_seconds=5.0)
    return Dispatcher(
        store,
        {name: (ch, pol) for name, ch in channels.items()},
        secrets=secrets,
        clock=clock.mono,
        wall=clock.wall,
    )


def dch(fake: FakeDiscord, timeout: float = 5.0) -> DiscordChannel:
    return DiscordChannel(Webhook(DISCORD_ID, DISCORD_TOKEN), fake.api, timeout=timeout)


def tch(fake: FakeTelegram) -> TelegramChannel:
    return TelegramChannel(TelegramApi(TELEGRAM_TOKEN, fake.base, timeout=5), TELEGRAM_CHAT)


def queue(store: Store, channel: str, notice: Notice, key: str | None = None) -> int:
    return store.enqueue_notification(channel, notice.to_payload(), ts=T0, dedupe_key=key)


def fill(i: int) -> Notice:
    f = Fill(ClientOrderId(f"tw-r1-{i:03d}"), Symbol(f"S{i:02d}"), Side.BUY, 5 + i, 50.0, T0)
    return fill_notice(f, "paper, run 1")


HALT = event_notice("halt", "trading HALTED: drawdown 15.3% >= 15%", "critical", T0)


def pump_until_idle(d: Dispatcher, clock: Clock, *, limit: int = 200) -> None:
    """Pump, jumping the fake clock over every wait, until nothing is pending."""
    for _ in range(limit):
        wait = d.pump()
        if (
            not d.has_due()
            and wait >= 1.0
            and not any(
                True for _ in d.outbox.pending_notifications(now=clock.wall() + timedelta(days=1))
            )
        ):
            return
        clock.advance(max(wait, 0.01))
    raise AssertionError("the outbox never emptied")


def test_a_burst_of_50_fills_becomes_one_message_per_channel(
    store: Store, discord: FakeDiscord, telegram: FakeTelegram
) -> None:
    clock = Clock()
    d = dispatcher(store, clock, {"discord": dch(discord), "telegram": tch(telegram)})
    for i in range(50):
        queue(store, "discord", fill(i))
        queue(store, "telegram", fill(i))
    assert d.pump() == pytest.approx(5.0)  # routine: waits for the rest of the burst
    assert discord.requests == [] and telegram.requests == []
    clock.advance(5.0)
    pump_until_idle(d, clock)
    assert len(discord.accepted) == 1 and len(telegram.sent) == 1
    assert discord_problems(discord.accepted[0]) == []
    assert len(store.notifications(status="sent")) == 100
    text = json.dumps(discord.accepted[0]) + telegram.sent[0]["text"]
    assert text.count("S49") == 2  # the last fill is in both messages


def test_a_larger_burst_is_a_bounded_number_of_messages(store: Store, discord: FakeDiscord) -> None:
    clock = Clock()
    d = dispatcher(store, clock, {"discord": dch(discord)})
    for i in range(500):
        queue(store, "discord", fill(i % 100))
    pump_until_idle(d, clock)
    assert len(store.notifications(status="sent")) == 500
    assert 0 < len(discord.accepted) <= 10  # 500 fills, at most ~60 lines per message
    assert all(discord_problems(b) == [] for b in discord.accepted)


def test_a_halt_goes_first_and_alone_without_waiting(store: Store, discord: FakeDiscord) -> None:
    clock = Clock()
    d = dispatcher(store, clock, {"discord": dch(discord)})
    for i in range(30):
        queue(store, "discord", fill(i))
    halt_id = queue(store, "discord", HALT)
    d.pump()
    (first,) = discord.accepted
    assert [e["title"] for e in first["embeds"]] == ["🛑 Trading HALTED"]
    assert [n.id for n in store.notifications(status="sent")] == [halt_id]
    clock.advance(5.0)
    pump_until_idle(d, clock)
    assert len(discord.accepted) == 2
    assert discord.accepted[1]["content"] == "30 updates: 30 fills"


def test_a_429_pauses_the_channel_for_retry_after_then_delivers_once(
    store: Store, discord: FakeDiscord
) -> None:
    clock = Clock()
    d = dispatcher(store, clock, {"discord": dch(discord)})
    discord.script.steps.append(("429", 2.5))
    nid = queue(store, "discord", HALT)
    assert d.pump() == pytest.approx(0.0)
    assert len(discord.requests) == 1 and discord.accepted == []
    row = store.notifications()[0]
    assert (row.status, row.attempts, row.next_attempt_at) == (
        "pending", 1, T0 + timedelta(seconds=2.5),
    )  # fmt: skip
    assert "429" in (row.last_error or "")
    clock.advance(2.4)
    assert d.pump() == pytest.approx(0.1)  # still paused: no request
    assert len(discord.requests) == 1
    clock.advance(0.1)
    d.pump()
    assert len(discord.requests) == 2 and len(discord.accepted) == 1
    assert [n.id for n in store.notifications(status="sent")] == [nid]


def test_telegram_429_is_honoured_too(store: Store, telegram: FakeTelegram) -> None:
    clock = Clock()
    d = dispatcher(store, clock, {"telegram": tch(telegram)})
    telegram.script.steps.append(("429", 4.0))
    queue(store, "telegram", HALT)
    d.pump()
    clock.advance(3.9)
    d.pump()
    assert len(telegram.requests) == 1
    clock.advance(0.1)
    d.pump()
    assert len(telegram.sent) == 1


def test_transient_failures_retry_with_backoff(store: Store, discord: FakeDiscord) -> None:
    clock = Clock()
    policy = DeliveryPolicy(min_interval=0.0, batch_seconds=0.0, backoff_base=2.0)
    d = dispatcher(store, clock, {"discord": dch(discord)}, policy)
    discord.script.steps.extend([("500", None), ("500", None)])
    queue(store, "discord", event_notice("data_error", "AAPL stale", "warning", T0))
    d.pump()
    assert store.notifications()[0].next_attempt_at == T0 + timedelta(seconds=2)
    clock.advance(2)
    d.pump()
    assert store.notifications()[0].next_attempt_at == T0 + timedelta(seconds=2 + 4)
    clock.advance(4)
    d.pump()
    (row,) = store.notifications()
    assert (row.status, row.attempts, len(discord.requests)) == ("sent", 3, 3)


def test_a_refused_routine_message_is_given_up_but_a_halt_never_is(
    store: Store, discord: FakeDiscord
) -> None:
    clock = Clock()
    wrong = DiscordChannel(Webhook(DISCORD_ID, "deleted-" + "d" * 40), discord.api, timeout=5)
    d = dispatcher(
        store, clock, {"discord": wrong}, DeliveryPolicy(min_interval=0, batch_seconds=0)
    )
    routine = queue(store, "discord", fill(1))
    halt = queue(store, "discord", HALT)
    for _ in range(60):  # one hour in one-minute steps
        d.pump()
        clock.advance(60)
    rows = {n.id: n for n in store.notifications()}
    assert rows[routine].status == "failed" and rows[routine].attempts == 1
    assert "DISCORD_WEBHOOK_URL" in (rows[routine].last_error or "")
    assert rows[halt].status == "pending" and rows[halt].attempts >= 15  # kept, retried
    assert rows[halt].next_attempt_at <= clock.wall() + timedelta(seconds=300)  # capped
    assert d.stats.given_up == 1


def test_a_message_is_marked_sent_only_after_the_service_accepted_it(
    store: Store, discord: FakeDiscord
) -> None:
    clock = Clock()
    d = dispatcher(store, clock, {"discord": dch(discord, timeout=0.3)})
    discord.script.steps.append(("hang", 60.0))
    queue(store, "discord", HALT)
    d.pump()  # the request times out after 0.3 s
    (row,) = store.notifications()
    assert (row.status, row.sent_at) == ("pending", None)
    assert "did not answer in time" in (row.last_error or "")
    clock.advance(60)
    d.pump()
    assert store.notifications()[0].status == "sent" and len(discord.accepted) == 1


def test_min_interval_spaces_messages(store: Store, discord: FakeDiscord) -> None:
    clock = Clock()
    d = dispatcher(store, clock, {"discord": dch(discord)}, DeliveryPolicy(min_interval=3.0))
    queue(store, "discord", HALT)
    queue(store, "discord", event_notice("halt", "second halt", "critical", T0))
    d.pump()
    assert d.pump() == pytest.approx(3.0)
    assert len(discord.requests) == 1
    clock.advance(3.0)
    d.pump()
    assert len(discord.requests) == 2


def test_no_configured_secret_appears_in_any_payload(
    store: Store, discord: FakeDiscord, telegram: FakeTelegram
) -> None:
    secrets = (
        DISCORD_TOKEN,
        f"https://discord.com/api/webhooks/{DISCORD_ID}/{DISCORD_TOKEN}",
        TELEGRAM_TOKEN,
        "PKALPACAKEY123456",
        "alpaca-secret-value-xyz",
        "hunter2-webull-pw",
    )
    clock = Clock()
    channels: dict[str, Channel] = {
        "discord": DiscordChannel(
            Webhook(DISCORD_ID, DISCORD_TOKEN), discord.api, timeout=5, secrets=secrets
        ),
        "telegram": TelegramChannel(
            TelegramApi(TELEGRAM_TOKEN, telegram.base, timeout=5), TELEGRAM_CHAT, secrets=secrets
        ),
    }
    d = dispatcher(store, clock, channels, secrets=secrets)
    leaky = [
        event_notice(
            "order_rejected", f"broker said: bad key {secrets[3]} / {secrets[4]}", "warning", T0
        ),
        event_notice(
            "cycle_failed", f"POST {secrets[1]} failed; password={secrets[5]}", "error", T0
        ),
        event_notice("halt", f"token {TELEGRAM_TOKEN} rejected", "critical", T0),
    ]
    for n in leaky:
        queue(store, "discord", n)
        queue(store, "telegram", n)
    pump_until_idle(d, clock)
    assert len(discord.requests) >= 2 and len(telegram.requests) >= 2
    for req in discord.requests + telegram.requests:
        body = dict(req.body)
        if req.path.endswith("/sendMessage"):
            assert body.pop("chat_id") == TELEGRAM_CHAT  # the address itself, nothing else
        text = json.dumps(body, ensure_ascii=False)
        for s in (*secrets, TELEGRAM_CHAT):
            assert s not in text, f"{s[:6]}... leaked into a payload"
