"""Build the engine of a run from the store: at start-up, after a crash, after an abandoned cycle.

There is one way to get an engine in the trading service, and it is recovery: a fresh run is
simply a run with an empty store. The strategy parts come from
:func:`~tradewind.engine.strategy.build_parts` (as in a backtest), the risk manager keeps its
halts in the database, the order manager stands in front of the broker, the book is the run's
baseline plus the fills booked at the last checkpoint, and the strategy's memory is restored
from that checkpoint (:mod:`tradewind.service.checkpoint`), its breakers moved by the deposits
and withdrawals adopted since (:meth:`~tradewind.risk.breakers.BreakerState.shift`) and its
stops by the stock splits booked since (:meth:`~tradewind.risk.manager.RiskManager.take_split`);
before its first checkpoint, a new wall-clock run's risk tracker is the one it carried on from the
previous wall-clock run (:mod:`tradewind.service.carry`). Fills recorded after the checkpoint
are handed to the order manager, which delivers them when the cycle asks for them again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from tradewind.config import TradewindConfig
from tradewind.domain.ledger import Ledger
from tradewind.domain.market import MarketData
from tradewind.domain.orders import Fill
from tradewind.engine import regime_series
from tradewind.engine.cycle import Engine
from tradewind.engine.ml_views import views_for
from tradewind.engine.protocols import Broker
from tradewind.engine.strategy import build_parts
from tradewind.orders.account import Baseline, rebuild_book
from tradewind.orders.manager import OrderManager
from tradewind.orders.retry import RetryPolicy
from tradewind.regime.series_cache import RegimeSeriesCache
from tradewind.risk import HaltState, RiskManager
from tradewind.service.carry import load_seed
from tradewind.service.checkpoint import Checkpoint, book_matches, load_checkpoint, restore
from tradewind.service.halts import HaltScope, RunHalts
from tradewind.service.market import RunMarket
from tradewind.service.store_recorder import StoreRecorder
from tradewind.store import OutboxMessage, Store


@dataclass(frozen=True)
class RunContext:
    """Everything fixed for the life of a service run.

    ``scope`` says which halts bind the run and ``auto_resume_sessions`` whether a simulated
    person resumes its breaker halts (a replay, as a backtest does; never on the wall clock):
    both come from the run's kind (:mod:`tradewind.service.kinds`).
    """

    cfg: TradewindConfig
    store: Store
    run_id: int
    run_tag: str
    baseline: Baseline
    market: RunMarket
    provider: MarketData
    broker: Broker
    now: Callable[[], datetime]
    retry: RetryPolicy
    sleep: Callable[[float], None]
    fault: Callable[[str], None]
    order_scope: int | None
    scope: HaltScope
    auto_resume_sessions: int | None = None
    halt_notify: Callable[[HaltState], Sequence[OutboxMessage]] | None = None
    """The alert queued with a halt the risk manager latches (in the latch's transaction)."""
    regime_cache: RegimeSeriesCache | None = None
    """Where the detector's series is kept between starts (None: computed at every build)."""


@dataclass
class Rebuilt:
    """A run's engine and what surrounds it, as recovered from the store."""

    engine: Engine
    om: OrderManager
    recorder: StoreRecorder
    truth: Ledger
    checkpoint: Checkpoint | None
    book_ok: bool


def rebuild(ctx: RunContext, rerun_tick: datetime | None, *, check_book: bool = True) -> Rebuilt:
    """The run's engine as of its last checkpoint; ``rerun_tick`` is the cycle that runs next.

    ``check_book`` compares the rebuilt book with the one the checkpoint saw (off after an
    adopted reconciliation difference moved the baseline; skipped too when the baseline is not
    the one the checkpoint followed: tradewind moved it, then the service stopped before the
    next checkpoint).
    """
    cfg, store = ctx.cfg, ctx.store
    ckpt = load_checkpoint(store, ctx.run_id)
    feed = ctx.market.feed()
    tracker = ckpt.risk.get("tracker") if ckpt else load_seed(store, ctx.run_id)
    halts = RunHalts(ctx.scope, tracker, ctx.fault, ctx.halt_notify)
    risk = RiskManager.from_config(
        cfg,
        feed.symbols,
        store=halts,
        tracker_store=halts,
        auto_resume_sessions=ctx.auto_resume_sessions,
    )
    views = views_for(cfg, feed, ctx.provider, walk_forward=False)  # deployed, never trained
    regime = None
    if ctx.regime_cache is not None:  # the series read back when the data has not changed
        regime = regime_series.regime_hook(cfg, feed, ctx.provider, cache=ctx.regime_cache)
    parts = build_parts(cfg, feed, ctx.provider, risk, views=views, regime=regime)
    fills = store.fills_by_id(ctx.run_id)
    truth = rebuild_book(feed.symbols, ctx.baseline, [f for _, f in fills])

    def on_fill(fill: Fill) -> None:
        truth.apply(fill)

    om = OrderManager(
        ctx.broker,
        store,
        ctx.run_id,
        now=ctx.now,
        retry=ctx.retry,
        sleep=ctx.sleep,
        fault=ctx.fault,
        on_fill=on_fill,
        order_scope=ctx.order_scope,
        halted=lambda: _reason(halts.load()),
    )
    engine = Engine(feed, om, parts, ctx.baseline.cash, ctx.run_tag)
    cursor = ckpt.fill_cursor if ckpt is not None else 0
    engine.book = rebuild_book(feed.symbols, ctx.baseline, [f for i, f in fills if i <= cursor])
    book_ok = True
    if ckpt is not None:
        restore(engine, ckpt)
        # a baseline tradewind moved after the checkpoint (saved first, then a crash) explains
        # a book that differs from the checkpoint's
        moved = bool(ckpt.baseline) and ckpt.baseline != ctx.baseline.key()
        book_ok = book_matches(engine.book, ckpt) or not check_book or moved
    # deposits and withdrawals adopted since the checkpoint: neither gains nor losses
    for flow in ctx.baseline.flows[ckpt.flows if ckpt is not None else 0 :]:
        risk.breakers.state.shift(flow.amount)
    # stock splits booked since the checkpoint: the stops follow the new shares' prices, once
    for split in ctx.baseline.splits[ckpt.splits if ckpt is not None else 0 :]:
        risk.take_split(split.symbol, split.split)
    om.load_pending([f for i, f in fills if i > cursor], rerun_tick)
    return Rebuilt(engine, om, StoreRecorder(store, ctx.run_id, engine), truth, ckpt, book_ok)


def _reason(halt: HaltState | None) -> str | None:
    return f"{halt.breaker}: {halt.message}" if halt is not None else None
