"""Secrets never reach the database: a store filled by an engine run, plus every text field an
error message or a notification could smuggle a credential into, holds none of them."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import column, inspect, select, table

from tradewind.brokers.sim import SimulatedBroker
from tradewind.config import CommissionSection, TradewindConfig
from tradewind.domain import (
    ClientOrderId,
    Order,
    OrderEvent,
    OrderRequest,
    OrderStatus,
    Regime,
    Side,
    Symbol,
)
from tradewind.domain.arrays import FloatArray
from tradewind.domain.costs import CostBreakdown
from tradewind.domain.market import BarSet
from tradewind.domain.plans import PlannedTrade, Policy, RegimeReading, TargetDecision
from tradewind.domain.records import EngineEvent
from tradewind.engine.clock import ReplayClock
from tradewind.engine.cycle import Engine, EngineParts
from tradewind.engine.feed import MarketFeed
from tradewind.engine.protocols import SubmitOutcome, submit_each
from tradewind.execution.costs import CostModel
from tradewind.store import AccountSnapshot, OutboxMessage, Store, open_store

SECRETS = {
    "ALPACA_API_KEY": "PKTEST8675309JENNY",
    "ALPACA_SECRET_KEY": "sk-very-secret-0xDEADBEEF",
    "DISCORD_WEBHOOK_URL": "https://discord.com/api/webhooks/123456/TOKENabcdef987",
    "TELEGRAM_BOT_TOKEN": "123456:AAE-telegram-bot-token-XYZ",
    "WEBULL_TRADE_PIN": "Pin-424242",
    "TELEGRAM_CHAT_ID": "987",  # short secrets are masked too, as whole tokens
}
SHORT = {k: v for k, v in SECRETS.items() if len(v) < 8}
SYMBOLS = ("AAA", "BBB", "CCC")


# --- a small engine: the real cycle with simple hand-written parts --------------------------
def _bars(n: int = 40) -> BarSet:
    idx = pd.date_range("2024-01-02 21:00", periods=n, freq="D", tz="UTC", name="timestamp")
    rng = np.random.default_rng(3)
    frames = {}
    for k, sym in enumerate(SYMBOLS):
        close = (50.0 + 25 * k) * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
        frames[sym] = pd.DataFrame(
            {"open": close, "high": close * 1.01, "low": close * 0.99, "close": close,
             "volume": np.full(n, 1e6)},
            index=idx,
        )  # fmt: skip
    return BarSet(frames)


class _EqualWeight:
    history_rows = 1

    def targets(self, feed: MarketFeed, policy: Policy, *_: object) -> TargetDecision:
        n = len(feed.symbols)
        return TargetDecision(np.full(n, policy.invested_fraction / n), "equal_weight")


class _Drift:
    def reasons(self, t: pd.Timestamp, current: FloatArray, target: FloatArray | None,
                *_: object) -> list[str]:  # fmt: skip
        drift = float(np.abs(current - target).max()) if target is not None else 1.0
        return ["drift"] if drift > 0.02 else []


class _Planner:
    def plan(self, quantities: FloatArray, prices: FloatArray, cash: float,
             target: FloatArray, *_: object) -> list[PlannedTrade]:  # fmt: skip
        equity = cash + float(quantities @ prices)
        delta = target * equity / prices - quantities
        return [
            PlannedTrade(sym, Side.BUY if d > 0 else Side.SELL, float(abs(d)), float(p),
                         CostBreakdown())
            for sym, d, p in zip(SYMBOLS, delta, prices, strict=True)
            if abs(d) * p > 50.0
        ]  # fmt: skip

    def estimate(self, trades: list[PlannedTrade]) -> list[PlannedTrade]:
        return trades

    def skipped(self) -> list[str]:
        return []

    def capped(self) -> int:
        return 0  # no cap on trades per rebalance


class _Regime:
    def update(self, feed: MarketFeed, *_: object) -> RegimeReading:
        return RegimeReading(Regime.BULL if feed.row % 20 < 10 else Regime.BEAR, 0.8, {})


class _NoRisk:
    """Never halts; extra arguments of newer engine versions are ignored."""

    halted = False

    def on_bar(self, *_: object) -> list[PlannedTrade]:
        return []

    def drain_events(self) -> list[EngineEvent]:
        return []

    def blocked_buys(self) -> frozenset[str]:
        return frozenset()

    def allow(self, trades: list[PlannedTrade], *_: object) -> tuple[list[PlannedTrade], list[str]]:
        return trades, []


class PersistingBroker:
    """Persist-then-act around the simulated broker, as the order manager will do it."""

    name = "persisting-sim"

    def __init__(self, inner: SimulatedBroker, store: Store, run_id: int, witness: Store) -> None:
        self.inner, self.store, self.run_id, self.witness = inner, store, run_id, witness

    def submit(self, request: OrderRequest) -> list[OrderEvent]:
        self.store.add_order(self.run_id, request)
        # another connection sees the order before the broker does
        assert self.witness.order_by_client_id(request.client_order_id) is not None
        self.store.mark_submitted(request.client_order_id, request.created_at)
        events = self.inner.submit(request)
        for e in events:
            self.store.apply_order_event(request.client_order_id, e)
        return events

    def submit_all(self, requests: Sequence[OrderRequest]) -> list[SubmitOutcome]:
        return submit_each(self, requests)

    def process(self, now: pd.Timestamp) -> list[OrderEvent]:
        events = self.inner.process(now)
        for e in events:
            if e.fill is not None:
                self.store.apply_order_event(e.fill.client_order_id, e)
        return events

    def cancel(self, client_order_id: ClientOrderId) -> OrderEvent | None:
        return self.inner.cancel(client_order_id)

    def lookup(self, client_order_id: ClientOrderId) -> Order | None:
        return self.inner.lookup(client_order_id)

    def open_orders(self) -> list[Order]:
        return self.inner.open_orders()

    def positions(self) -> Mapping[str, float]:
        return self.inner.positions()

    def cash(self) -> float:
        return self.inner.cash()


def _run_engine(store: Store, witness: Store, cfg: TradewindConfig) -> tuple[int, Engine]:
    bars = _bars()
    feed = MarketFeed(bars)
    policy = Policy("equal_weight", 0.4, 0.95, 0.05)
    parts = EngineParts(
        _EqualWeight(), _Drift(), _Planner(), _Regime(), _NoRisk(), lambda _reading: policy
    )
    start = feed.index[0].to_pydatetime()
    run_id = store.start_run(
        name="secrets", started_at=start, symbols=SYMBOLS, initial_cash=1e5,
        run_tag="s3cr3t", config=cfg.model_dump(mode="json"),
    )  # fmt: skip
    broker = PersistingBroker(
        SimulatedBroker(
            feed, CostModel(commission=CommissionSection(per_order=1.0), slippage_pct=0.0005), 1e5
        ),
        store,
        run_id,
        witness,
    )
    engine = Engine(feed, broker, parts, 1e5, "s3cr3t")
    for t in ReplayClock(feed.index).ticks():
        engine.step(t)
        now = t.to_pydatetime()
        decisions = engine.recorder.decisions
        assert engine.regime is not None
        store.record_cycle(
            run_id,
            AccountSnapshot.from_ledger(now, engine.book, feed.last_close()),
            regime=engine.regime.regime.value,
            confidence=engine.regime.confidence,
            inputs_fingerprint=f"row-{feed.row}",
            decision=decisions[-1] if decisions and decisions[-1].ts == now else None,
            events=[e for e in engine.recorder.events if e.ts == now],
        )
        store.heartbeat(run_id, now)
    return run_id, engine


def _leak_attempts(store: Store, run_id: int) -> None:
    """What careless callers might pass: exception texts and payloads quoting credentials."""
    hook, key, token = (SECRETS[k] for k in ("DISCORD_WEBHOOK_URL", "ALPACA_API_KEY",
                                              "TELEGRAM_BOT_TOKEN"))  # fmt: skip
    store.record_event(run_id, "notify_error", f"POST {hook} failed: 404", "error",
                       data={"url": hook, "headers": {"APCA-API-KEY-ID": key}})  # fmt: skip
    note = store.enqueue_notification("telegram", {"text": f"bot{token} says hi", "key": key})
    store.mark_failed(note, f"401 Unauthorized for api_key={key}", retry_at=None)
    store.latch_halt("manual", f"operator pasted {SECRETS['ALPACA_SECRET_KEY']}",
                     details=f"pin {SECRETS['WEBULL_TRADE_PIN']}",
                     notify=[OutboxMessage("discord", {"webhook": hook})])  # fmt: skip
    req = OrderRequest(ClientOrderId("leak-1"), Symbol("AAA"), Side.BUY, 1.0,
                       pd.Timestamp("2024-03-01", tz="UTC").to_pydatetime(),
                       reason=f"token={token}")  # fmt: skip
    store.add_order(run_id, req)
    store.apply_order_event(
        "leak-1", OrderEvent(OrderStatus.REJECTED, req.created_at, message=f"bad key {key}")
    )
    store.clear_halt("alice", f"rotated {SECRETS['ALPACA_SECRET_KEY']}")
    store.record_event(run_id, "notify_error", f"chat {SECRETS['TELEGRAM_CHAT_ID']} not found")


def _every_text_value(store: Store) -> list[str]:
    values: list[str] = []
    insp = inspect(store.engine)
    with store.engine.connect() as conn:
        for name in insp.get_table_names():
            cols = [column(c["name"]) for c in insp.get_columns(name)]
            for row in conn.execute(select(*cols).select_from(table(name))):
                values.extend(str(v) for v in row if v is not None)
    return values


@pytest.mark.usefixtures("in_tmp_cwd")
def test_no_secret_reaches_the_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    db = tmp_path / "db" / "tradewind-{mode}.db"
    cfg = TradewindConfig.model_validate({"database": {"url": f"sqlite:///{db}"}})
    store = open_store(cfg)  # secrets read from the environment
    witness = Store(cfg.database_url)
    run_id, engine = _run_engine(store, witness, cfg)
    _leak_attempts(store, run_id)

    assert len(store.fills(run_id)) == len(engine.recorder.fills) > 10
    assert len(store.cycles(run_id)) == len(engine.recorder.ts)
    positions = store.positions_from_fills(run_id)
    for i, sym in enumerate(SYMBOLS):
        assert positions[sym].quantity == pytest.approx(engine.book.quantity[i])
    last = store.equity_curve(run_id)[-1]
    assert last.equity == engine.recorder.equity[-1]

    values = _every_text_value(store)
    assert any("***" in v for v in values)  # the leaks were written, masked
    for secret in SECRETS.values():
        if secret in SHORT.values():  # as a whole token, not inside prices or ids
            token = re.compile(rf"(?<![A-Za-z0-9_.]){re.escape(secret)}(?![A-Za-z0-9_.])")
            assert not [v for v in values if token.search(v)], secret
        else:
            assert not [v for v in values if secret in v], secret
    assert any("chat *** not found" in v for v in values)
    witness.close()
    store.close()
    files = list((tmp_path / "db").iterdir())
    raw = b"".join(p.read_bytes() for p in files)
    for secret in set(SECRETS.values()) - set(SHORT.values()):
        assert secret.encode() not in raw, secret
