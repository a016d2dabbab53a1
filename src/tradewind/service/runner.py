"""The trading service: the engine's cycle on a schedule, on a database, safe across crashes.

``tradewind trade`` builds one :class:`TradingService`. The engine is the backtest's engine
(same strategy parts, same cycle); only the composition differs: a wall clock and the NYSE
schedule (or a replay of bar times), the simulated broker with a durable account (or a real
broker), the order manager in front of it, and the store behind everything.

Per cycle at time ``t``:

1. heartbeat;
2. reconcile-before-trade: open orders settled with the broker, then positions and cash
   compared; an unexplained difference halts trading (:mod:`tradewind.service.reconcile`);
3. data check: NaN, non-positive, frozen or stale prices skip the cycle with an alert;
4. ``engine.step(t)``: orders go through the order manager (persisted before submission);
5. the cycle is recorded (one transaction), then the checkpoint (one transaction).

A cycle that raises (broker down mid-cycle, a bug) is abandoned: the engine is rebuilt from the
store exactly as after a crash, and the cycle is tried again after a growing wait; replays give
up on a tick after ``max_failures`` attempts, the wall clock moves on to the next slot. The
process itself never stops on an error inside a cycle.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from tradewind.brokers.registry import BrokerContext, check_ready, make_broker
from tradewind.config import TradewindConfig
from tradewind.config.secrets import load_secrets
from tradewind.config.warnings import wall_clock_fill_warning
from tradewind.data import get_market_data
from tradewind.data.protocol import MarketData
from tradewind.domain.errors import ConfigError, MissingDataError
from tradewind.domain.types import TradingMode
from tradewind.engine.cycle import Engine
from tradewind.engine.protocols import Broker
from tradewind.execution.order_manager import RetryPolicy
from tradewind.service.alerts import Alerter
from tradewind.service.carry import carry_risk_state, describe_seed
from tradewind.service.checkpoint import (
    load_baseline,
    load_checkpoint,
    save_baseline,
)
from tradewind.service.cycle_runner import CycleRunner
from tradewind.service.faults import FaultPlan
from tradewind.service.halts import HaltScope, describe_halt
from tradewind.service.heartbeat import Heartbeat, InstanceLock, wall_now
from tradewind.service.live_safety import Banner, check_live
from tradewind.service.market import (
    RunMarket,
    check_covers_now,
    load_market,
    no_current_prices,
    replay_ticks,
    warmup_start,
)
from tradewind.service.paths import journal_path, lock_path
from tradewind.service.recovery import RunContext
from tradewind.service.runs import (
    META_KEY,
    database_id,
    open_run,
    starting_baseline,
)
from tradewind.service.scheduler import SessionScheduler, Sleeper, StopFlag
from tradewind.store import RunInfo, Store

log = logging.getLogger("tradewind.service")


@dataclass
class TradeOptions:
    """How ``tradewind trade`` was asked to run.

    Attributes
    ----------
    interval
        Seconds between cycles (default ``trading.interval_seconds``).
    replay
        ``(start, end)``: replay the bars of this period instead of the wall clock.
    speed
        Replay pace: None runs as fast as possible, ``x`` waits ``interval / x`` seconds of
        real time between replayed cycles.
    live
        ``--live`` was given (one of the four consents for live trading).
    name
        Run name (default ``replay START:END`` or the mode).
    max_cycles
        Stop after this many cycles (tests and smoke runs).
    sim_options
        Simulated broker test settings (seeded partial fills, rejections).
    retry
        Submit retries after transient broker errors.
    error_backoff
        Waits (s) after successive failed attempts of a cycle.
    max_failures
        Attempts of one replayed cycle before the run is marked failed.
    """

    interval: int | None = None
    replay: tuple[pd.Timestamp, pd.Timestamp] | None = None
    speed: float | None = None
    live: bool = False
    name: str | None = None
    max_cycles: int | None = None
    sim_options: dict[str, Any] = field(default_factory=dict)
    retry: RetryPolicy | None = None
    error_backoff: tuple[float, ...] = (5.0, 15.0, 60.0, 300.0)
    max_failures: int = 5


@dataclass
class ServiceResult:
    """How a service run ended; ``halted`` when a latched halt binds the run at the end."""

    run_id: int
    name: str
    status: str
    cycles: int
    resumed_from: datetime | None
    last_cycle: datetime | None
    database: str
    journal: str | None
    halted: bool = False
    message: str = ""
    """Why the run is halted (every active halt that binds it), or why it failed."""


class TradingService:
    """One run of the trading service (see the module docstring).

    Parameters
    ----------
    cfg
        The configuration with the effective mode (after ``--mode``).
    options
        What the command line asked for.
    file_mode
        ``trading.mode`` as written in the config file (live trading needs it to say live).
    provider
        Market data (default: ``data.source``).
    env
        Environment for the live-trading consent (default ``os.environ``).
    now
        Wall clock (tests inject a fake one together with ``wait``).
    wait
        Real-time waits; returns True when interrupted (default: the stop flag's wait).
    stop
        Set by SIGINT/SIGTERM (the CLI installs the handlers).
    broker_wrapper
        Wraps the broker (fault-injection tests).
    announce
        Receives the start-up banner lines.
    faults
        Crash-test fault plan (default ``$TRADEWIND_FAULT``, simulated mode only).
    """

    def __init__(
        self,
        cfg: TradewindConfig,
        options: TradeOptions | None = None,
        *,
        file_mode: TradingMode | None = None,
        provider: MarketData | None = None,
        env: Mapping[str, str] | None = None,
        now: Callable[[], pd.Timestamp] | None = None,
        wait: Callable[[float], bool] | None = None,
        stop: StopFlag | None = None,
        broker_wrapper: Callable[[Broker], Broker] | None = None,
        announce: Callable[[list[str]], None] | None = None,
        faults: FaultPlan | None = None,
    ) -> None:
        self.cfg = cfg
        self.options = options or TradeOptions()
        self.file_mode = file_mode or cfg.trading.mode
        self.provider = provider
        self.env = os.environ if env is None else env
        self.now = now or (lambda: pd.Timestamp(wall_now()))
        self.stop = stop or StopFlag()
        self.sleeper = Sleeper(self.now, self.stop, wait)
        self.broker_wrapper = broker_wrapper
        self.announce = announce or _log_lines
        simulated = cfg.trading.mode is TradingMode.SIMULATED
        self.faults = faults or (FaultPlan.from_env() if simulated else FaultPlan())
        self.interval = self.options.interval or cfg.trading.interval_seconds
        self.market: RunMarket | None = None
        self.engine: Engine | None = None

    # --- entry point -----------------------------------------------------------------------
    def run(self) -> ServiceResult:
        """Check, compose, recover and run until the replay ends or a stop is requested."""
        cfg, opts = self.cfg, self.options
        check_live(cfg, file_mode=self.file_mode, live_flag=opts.live, env=self.env)
        check_ready(cfg)  # adapter present and its credentials set, before anything is written
        if cfg.trading.mode is TradingMode.BACKTEST:
            raise ConfigError("trading.mode: backtest runs with `tradewind backtest`, not trade")
        if opts.replay is not None and cfg.trading.mode is not TradingMode.SIMULATED:
            raise ConfigError("--replay runs the simulated broker only; use --mode simulated")
        provider = self.provider or get_market_data(cfg)
        ticks: list[pd.Timestamp] | None = None
        if opts.replay is not None:
            start, end = opts.replay
            market = load_market(cfg, provider, start, end)
            ticks = replay_ticks(market, start, end)
        else:
            try:
                market = load_market(cfg, provider, self.now(), None)
            except MissingDataError:
                since = warmup_start(cfg, self.now()).date()
                raise no_current_prices(
                    provider.name, self.now(), f"it has no bar since {since}"
                ) from None
            check_covers_now(cfg, market, self.now(), provider.name)
        replay = ticks is not None
        self.market = market
        store = Store(
            cfg.database_url,
            mode=cfg.trading.mode.value,
            secrets=load_secrets().values(),
            durable=not replay,
        )
        lock = InstanceLock(lock_path(cfg))
        try:
            lock.acquire({"mode": cfg.trading.mode.value, "database": store.database})
            return self._run(store, provider, market, ticks)
        finally:
            lock.release()
            store.close()

    # --- composition ----------------------------------------------------------------------
    def _run(
        self,
        store: Store,
        provider: MarketData,
        market: RunMarket,
        ticks: list[pd.Timestamp] | None,
    ) -> ServiceResult:
        cfg, opts = self.cfg, self.options
        replay = ticks is not None
        name = opts.name or (
            f"replay {ticks[0]:%Y-%m-%d}:{ticks[-1]:%Y-%m-%d}" if ticks else cfg.trading.mode.value
        )
        run, resumed = open_run(store, cfg, name, market.bars.symbols)
        journal = journal_path(cfg)
        account = f"{database_id(store)}:" + (f"run-{run.id}" if replay else "wall")
        broker = make_broker(
            BrokerContext(
                config=cfg,
                feed_factory=market.feed,
                journal_path=journal,
                account=account,
                durable=not replay,
                sim_options=dict(opts.sim_options),
                fault=self.faults.hit,
            )
        )
        if self.broker_wrapper is not None:
            broker = self.broker_wrapper(broker)
        baseline = load_baseline(store, run.id)
        carried: tuple[int, dict[str, Any]] | None = None
        if baseline is None:  # the run's first start (the seed is saved before the baseline)
            baseline = starting_baseline(cfg, store, broker, replay=replay)
            if not replay:  # same account as the previous wall-clock run: same risk state
                carried = carry_risk_state(store, run.id, baseline, market.bars.symbols)
            save_baseline(store, run.id, baseline)
        clock_tick: list[datetime] = []

        def clock() -> datetime:
            return clock_tick[-1] if (replay and clock_tick) else self.now().to_pydatetime()

        ctx = RunContext(
            cfg=cfg,
            store=store,
            run_id=run.id,
            run_tag=run.run_tag,
            baseline=baseline,
            market=market,
            provider=provider,
            broker=broker,
            now=clock,
            retry=opts.retry or RetryPolicy(),
            sleep=(lambda _s: None) if replay else time.sleep,
            fault=self.faults.hit,
            order_scope=run.id if replay else None,
            scope=HaltScope(store, run.id, replay=replay),
            replay=replay,
        )
        alerter = Alerter(store, run.id, cfg)
        if carried is not None:
            alerter.alert("risk_state_carried", describe_seed(run.id, *carried), "info")
        never_fills = None if replay else wall_clock_fill_warning(cfg)
        if never_fills is not None:
            alerter.alert("config_warning", never_fills, "warning")
        beat_period = timedelta(seconds=5 if replay else min(self.interval, 300))
        store.save_state(
            META_KEY.format(run_id=run.id),
            {
                "clock": "replay" if replay else "wall",
                "interval_seconds": self.interval,
                "heartbeat_seconds": beat_period.total_seconds(),
                "journal": str(journal),
                "pid": os.getpid(),
                "sim": dict(opts.sim_options),
            },
        )
        heartbeat = Heartbeat(store, run.id, beat_period, now=lambda: self.now().to_pydatetime())
        cycles = CycleRunner(
            ctx,
            alerter,
            heartbeat,
            self.sleeper,
            self.faults.hit,
            error_backoff=opts.error_backoff,
            max_failures=opts.max_failures,
            max_age=None if replay else timedelta(days=cfg.data.stale_after_days),
            clock_tick=clock_tick,
        )
        ckpt = load_checkpoint(store, run.id)
        resumed_from = ckpt.ts if ckpt is not None else None
        if resumed:
            alerter.alert(
                "service_restart",
                f"run {run.id} ({name}) resumed"
                + (f" after the cycle at {resumed_from.isoformat()}" if resumed_from else ""),
                "warning",
            )
        journal_text = str(journal) if broker.name == "simulated" else None
        result = ServiceResult(
            run.id, name, "running", 0, resumed_from, resumed_from, store.database, journal_text
        )
        try:
            if replay:
                assert ticks is not None  # noqa: S101 - narrowed above
                pending = [t for t in ticks if resumed_from is None or t > resumed_from]
                cycles.start(pending[0].to_pydatetime() if pending else None)
                pace = f"{self.options.speed:g}x real time" if self.options.speed else "max speed"
                schedule = f"replay {ticks[0]:%Y-%m-%d} to {ticks[-1]:%Y-%m-%d} at {pace}"
                when = pd.Timestamp(resumed_from) if resumed_from else ticks[0]
                self._banner(cycles, run, name, resumed, store, journal_text, schedule, when)
                self._replay(cycles, pending, result)
            else:
                self._wall(cycles, run, name, resumed, store, journal_text, result)
        except KeyboardInterrupt:  # a second signal abandoned the cycle: resumable as a crash
            store.end_run(run.id, ended_at=wall_now(), status="stopped")
            raise
        except BaseException:
            store.end_run(run.id, ended_at=wall_now(), status="failed")
            raise
        finally:
            self.engine = cycles.current.engine if cycles.current is not None else None
        status = result.status if result.status != "running" else "stopped"
        result.status = status
        active = ctx.scope.active()
        if active:  # a breaker or reconciliation halt binds the run: say so (exit code 4)
            result.halted = True
            result.message = "; ".join(describe_halt(h) for h in active)
        store.end_run(run.id, ended_at=wall_now(), status=status)
        heartbeat.beat(force=True)
        return result

    # --- loops ----------------------------------------------------------------------------
    def _replay(self, cycles: CycleRunner, ticks: list[pd.Timestamp], out: ServiceResult) -> None:
        opts = self.options
        pause = self.interval / opts.speed if opts.speed else 0.0
        for t in ticks:
            if self.stop.is_set or (opts.max_cycles is not None and out.cycles >= opts.max_cycles):
                out.status = "stopped"
                return
            outcome = cycles.run_cycle(t)
            out.cycles += outcome.ran
            out.last_cycle = t.to_pydatetime()
            if outcome.blocked:
                out.status, out.halted = "stopped", True
                out.message = outcome.message
                return
            if outcome.failed:
                out.status, out.message = "failed", outcome.message
                return
            beat = cycles.heartbeat
            target = self.now() + pd.Timedelta(seconds=pause)
            if pause and not self.sleeper.until(
                target, beat=beat.beat, beat_every=beat.period.total_seconds()
            ):
                out.status = "stopped"
                return
        out.status = "finished"

    def _wall(
        self,
        cycles: CycleRunner,
        run: RunInfo,
        name: str,
        resumed: bool,
        store: Store,
        journal: str | None,
        out: ServiceResult,
    ) -> None:
        scheduler = SessionScheduler(self.interval)
        last = out.last_cycle
        now = self.now()
        first = scheduler.startup_tick(now)
        if first is not None and last is not None and first <= pd.Timestamp(last):
            first = None
        cycles.start(first.to_pydatetime() if first is not None else None)
        schedule = f"every {self.interval}s while the NYSE is open"
        self._banner(cycles, run, name, resumed, store, journal, schedule, now)
        beat_every = cycles.heartbeat.period.total_seconds()
        t = first
        close: pd.Timestamp | None = None
        while not self.stop.is_set:
            if self.options.max_cycles is not None and out.cycles >= self.options.max_cycles:
                break
            if t is None:
                after = max(self.now(), pd.Timestamp(last)) if last else self.now()
                t = scheduler.next_slot(after)
                if close is not None and close < t:
                    if not self.sleeper.until(
                        close, beat=cycles.heartbeat.beat, beat_every=beat_every
                    ):
                        break
                    cycles.session_end(close)
                    close = None
                if not self.sleeper.until(t, beat=cycles.heartbeat.beat, beat_every=beat_every):
                    break
            outcome = cycles.run_cycle(t, next_slot=scheduler.next_slot(t))
            out.cycles += outcome.ran
            last = t.to_pydatetime()
            out.last_cycle = last
            if self.cfg.execution.cancel_open_orders_at_close:
                close = scheduler.session_close_after(t) or close
            t = None

    def _banner(
        self,
        cycles: CycleRunner,
        run: RunInfo,
        name: str,
        resumed: bool,
        store: Store,
        journal: str | None,
        schedule: str,
        when: pd.Timestamp,
    ) -> None:
        cfg = self.cfg
        state = cycles.rebuilt
        feed = cycles.ctx.market.feed()
        marked = feed.advance(when) >= 0
        equity = state.truth.equity(feed.last_close()) if marked else state.truth.cash
        broker = cycles.ctx.broker
        account = (
            f"simulated ({getattr(broker, 'account', '?')})"
            if broker.name == "simulated"
            else f"{broker.name} {'paper' if cfg.broker.paper_trading else 'LIVE'}"
        )
        banner = Banner(
            mode=cfg.trading.mode.value,
            broker=broker.name,
            account=account,
            cash=state.truth.cash,
            equity=equity,
            positions=int((state.truth.quantity != 0).sum()),
            run=f"{run.id} '{name}'" + (" (resumed)" if resumed else " (new)"),
            schedule=schedule,
            database=store.database,
            journal=journal,
        )
        self.announce(banner.lines(cfg))


def _log_lines(lines: list[str]) -> None:
    for line in lines:
        log.info("%s", line)


def resolve_paths(cfg: TradewindConfig) -> dict[str, Path | str]:
    """Where a run of ``cfg`` keeps its database, broker journal, lock and log."""
    return {
        "database": cfg.database_url,
        "journal": journal_path(cfg),
        "lock": lock_path(cfg),
        "log": Path(cfg.logging.path),
    }
