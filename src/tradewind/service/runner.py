"""The trading service: the engine's cycle on a schedule, on a database, safe across crashes.

``tradewind trade`` builds one :class:`TradingService`. The engine is the backtest's engine
(same strategy parts, same cycle); only the composition differs: a wall clock and the NYSE
schedule (or a replay of bar times), the simulated broker with a durable account (or a real
broker), the order manager in front of it, and the store behind everything.

Per cycle at time ``t``:

1. heartbeat;
2. reconcile-before-trade: open orders settled with the broker, then positions and cash
   compared; an unexplained difference halts trading (:mod:`tradewind.orders.reconcile`);
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
import math
import os
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from tradewind.brokers.registry import BrokerContext, check_ready, make_broker
from tradewind.config import TradewindConfig
from tradewind.config.secrets import Secrets, load_secrets
from tradewind.data import get_market_data
from tradewind.data.live import LiveData
from tradewind.domain.errors import ConfigError, DataError, MissingDataError, UsageError
from tradewind.domain.market import MarketData
from tradewind.domain.types import TradingMode
from tradewind.engine.clock import SessionClock
from tradewind.engine.cycle import Engine
from tradewind.engine.protocols import Broker
from tradewind.orders.retry import RetryPolicy
from tradewind.regime.series_cache import series_cache
from tradewind.service.alerts import Alerter
from tradewind.service.capital import first_baseline, marked_equity
from tradewind.service.carry import describe_seed
from tradewind.service.checkpoint import load_baseline, load_checkpoint
from tradewind.service.cycle_runner import CycleRunner
from tradewind.service.faults import FaultPlan
from tradewind.service.halts import describe_halt
from tradewind.service.heartbeat import Heartbeat, InstanceLock, wall_now
from tradewind.service.kinds import ReplayRun, RunKind, WallClockRun
from tradewind.service.live_safety import (
    Banner,
    LiveTradingRefused,
    check_account_capital,
    check_live,
    check_paper_prices,
)
from tradewind.service.live_start import (
    ACCEPT_FLAG,
    ACCEPTED_EVENT,
    FirstStart,
    PaperPhaseCheck,
    first_live_start,
)
from tradewind.service.market import (
    RunMarket,
    check_covers_now,
    load_market,
    load_wall_market,
    no_current_prices,
    replay_ticks,
    warmup_start,
)
from tradewind.service.notify_service import (
    queue_daily,
    run_context,
    start_notifier,
    stop_notifier,
)
from tradewind.service.paths import database_file, journal_path, lock_path
from tradewind.service.recovery import RunContext
from tradewind.service.runs import (
    META_KEY,
    database_id,
    open_run,
    resumable_run,
)
from tradewind.service.stopping import Sleeper, StopFlag
from tradewind.service.weekly_reports import WeeklyReportWriter
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
    accept_paper_gaps
        ``--accept-paper-gaps`` was given: a live run's first start goes on despite the paper
        phase's gaps, recording what was accepted (:mod:`tradewind.service.live_start`).
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
    accept_paper_gaps: bool = False
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
    paper_check
        Looks up the paper phase at a live run's first start (the command line gives
        :func:`tradewind.review.paper_phase.paper_phase`); live mode refuses to start without.
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
        paper_check: PaperPhaseCheck | None = None,
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
        self.paper_check = paper_check
        self._paper_lines: tuple[str, ...] = ()
        self._checked_first: FirstStart | None = None
        self.market: RunMarket | None = None
        self.engine: Engine | None = None
        self._secrets: Secrets | None = None
        self._channels: list[str] = []

    # --- entry point -----------------------------------------------------------------------
    def run(self) -> ServiceResult:
        """Check, compose, recover and run until the replay ends or a stop is requested."""
        cfg = self.cfg
        check_live(cfg, file_mode=self.file_mode, live_flag=self.options.live, env=self.env)
        if self.options.accept_paper_gaps and cfg.trading.mode is not TradingMode.LIVE:
            raise UsageError(f"{ACCEPT_FLAG} concerns live trading only; drop it")
        check_ready(cfg)  # adapter present and its credentials set, before anything is written
        check_paper_prices(cfg, self.env)
        if cfg.trading.mode is TradingMode.BACKTEST:
            raise ConfigError("trading.mode: backtest runs with `tradewind backtest`, not trade")
        if self.options.replay is not None and cfg.trading.mode is not TradingMode.SIMULATED:
            raise UsageError("--replay runs the simulated broker only; use --mode simulated")
        provider = self.provider or get_market_data(cfg)
        market, kind = self._compose(provider)
        self.market = market
        self._secrets = load_secrets()
        self._channels = kind.channels(cfg, self._secrets)
        self._early_live_check()  # a refused first start writes no database file
        store = Store(
            cfg.database_url,
            mode=cfg.trading.mode.value,
            secrets=self._secrets.values(),
            durable=kind.durable,
        )
        lock = InstanceLock(lock_path(cfg))
        try:
            lock.acquire({"mode": cfg.trading.mode.value, "database": store.database})
            return self._run(store, provider, market, kind)
        finally:
            lock.release()
            store.close()

    def _compose(self, provider: MarketData) -> tuple[RunMarket, RunKind]:
        """The run's data and kind: a replay of ``--replay``'s period, or the wall clock.

        The one place a replay and a wall-clock run are told apart; everything after works with
        the :class:`~tradewind.service.kinds.RunKind` it returns.
        """
        cfg, opts = self.cfg, self.options
        if opts.replay is not None:
            start, end = opts.replay
            market = load_market(cfg, provider, start, end)
            pause = self.interval / opts.speed if opts.speed else 0.0
            return market, ReplayRun(replay_ticks(market, start, end), pause)
        now = self.now()
        try:
            market = load_wall_market(cfg, provider, now)
        except MissingDataError:
            since = warmup_start(cfg, now).date()
            latest = f"it has no bar since {since}"
            if not isinstance(provider, LiveData):  # history: say where it ends, offline
                with suppress(DataError):
                    latest = f"its latest bar is from {provider.benchmark().index[-1].date()}"
            raise no_current_prices(provider.name, now, latest) from None
        check_covers_now(cfg, market, now, provider.name)
        clock = SessionClock(self.interval, now=self.now)
        return market, WallClockRun(clock, cfg.data.stale_after_days)

    # --- composition ----------------------------------------------------------------------
    def _run(
        self, store: Store, provider: MarketData, market: RunMarket, kind: RunKind
    ) -> ServiceResult:
        cfg, opts = self.cfg, self.options
        name = opts.name or kind.default_name(cfg)
        first_live = self._first_live_start(store, name)  # before the run exists: may refuse
        run, resumed = open_run(store, cfg, name, market.bars.symbols)
        journal = journal_path(cfg)
        account = kind.account_key(database_id(store), run.id)

        def broker_on(run_market: RunMarket) -> Broker:
            built = make_broker(
                BrokerContext(
                    config=cfg,
                    feed_factory=run_market.feed,
                    traded_factory=run_market.traded_feed,
                    actions=run_market.actions,
                    journal_path=journal,
                    account=account,
                    durable=kind.durable,
                    sim_options=dict(opts.sim_options),
                    fault=self.faults.hit,
                )
            )
            return self.broker_wrapper(built) if self.broker_wrapper is not None else built

        broker = broker_on(market)
        context = run_context(kind.label(cfg), run.id)
        alerter = Alerter(store, run.id, cfg, self._channels, context)
        baseline = load_baseline(store, run.id)
        carried: tuple[int, dict[str, Any]] | None = None
        if baseline is None:  # the run's first start (the seed is saved before the baseline)
            baseline, carried = first_baseline(cfg, store, run.id, kind, broker, market, alerter)

        ctx = RunContext(
            cfg=cfg,
            store=store,
            run_id=run.id,
            run_tag=run.run_tag,
            baseline=baseline,
            market=market,
            provider=provider,
            broker=broker,
            now=lambda: kind.clock.now().to_pydatetime(),
            retry=opts.retry or RetryPolicy(),
            sleep=kind.clock.sleep,
            fault=self.faults.hit,
            order_scope=kind.order_scope(run.id),
            scope=kind.halt_scope(store, run.id),
            auto_resume_sessions=kind.auto_resume_sessions(cfg),
            halt_notify=alerter.halt_messages,
            regime_cache=series_cache(cfg),
        )
        if carried is not None:
            alerter.alert("risk_state_carried", describe_seed(run.id, *carried), "info")
        for warning in kind.warnings(cfg):
            alerter.alert("config_warning", warning, "warning")
        if first_live is not None and first_live.accepted is not None:
            alerter.alert(ACCEPTED_EVENT, first_live.accepted, "warning")
        store.save_state(
            META_KEY.format(run_id=run.id),
            {
                "clock": ctx.scope.clock,
                "interval_seconds": self.interval,
                "heartbeat_seconds": kind.heartbeat.total_seconds(),
                "journal": str(journal),
                "pid": os.getpid(),
                "sim": dict(opts.sim_options),
            },
        )
        heartbeat = Heartbeat(store, run.id, kind.heartbeat, now=lambda: self.now().to_pydatetime())
        reports = WeeklyReportWriter(cfg, store, run.id, market.benchmark)
        cycles = CycleRunner(
            ctx,
            alerter,
            heartbeat,
            self.sleeper,
            self.faults.hit,
            error_backoff=opts.error_backoff,
            max_failures=opts.max_failures,
            max_age=kind.max_data_age,
            fresh=kind.freshness(cfg),
            refresher=kind.refresher(cfg, provider, broker_on, alerter),
            on_recorded=reports.cycle_recorded,
        )
        ckpt = load_checkpoint(store, run.id)
        resumed_from = ckpt.ts if ckpt is not None else None
        if resumed:
            alerter.alert(
                "service_restart",
                f"run {run.id} ({name}) resumed"
                + (f" after the cycle at {resumed_from.isoformat()}" if resumed_from else ""),
                "warning",
                ts=self._now(),
            )
        journal_text = str(journal) if broker.name == "simulated" else None
        result = ServiceResult(
            run.id, name, "running", 0, resumed_from, resumed_from, store.database, journal_text
        )
        last = pd.Timestamp(resumed_from) if resumed_from is not None else None
        # deliver notifications beside the run (a thread; trading never waits on it)
        assert self._secrets is not None  # noqa: S101 - set by run()
        notifier = start_notifier(
            store, cfg, self._secrets, self._channels, ctx, market.benchmark, context
        )
        alerter.alert("service_start", f"run {run.id} ({name}) started", "info", ts=self._now())
        try:
            first = kind.clock.start_after(last)
            cycles.start(first.to_pydatetime() if first is not None else None)
            schedule = kind.schedule_text(self.interval, opts.speed)
            when = kind.banner_time(last)
            self._banner(cycles, run, name, resumed, store, journal_text, schedule, when)
            if ckpt is None:  # no cycle yet: the account as the run starts it
                self._starting_capital(store, run, cycles, when, alerter)
            self._loop(cycles, kind, heartbeat, result)
        except KeyboardInterrupt:  # a second signal abandoned the cycle: resumable as a crash
            store.end_run(run.id, ended_at=wall_now(), status="stopped")
            result.status = "interrupted"
            raise
        except BaseException as exc:
            store.end_run(run.id, ended_at=wall_now(), status="failed")
            result.status, result.message = "failed", f"{type(exc).__name__}: {exc}"
            raise
        finally:
            self.engine = cycles.current.engine if cycles.current is not None else None
            self._stopped(alerter, notifier, result)
        active = ctx.scope.active()
        if active:  # a breaker or reconciliation halt binds the run: say so (exit code 4)
            result.halted = True
            result.message = "; ".join(describe_halt(h) for h in active)
        store.end_run(run.id, ended_at=wall_now(), status=result.status)
        heartbeat.beat(force=True)
        reports.run_ended()  # issue 23: the week in progress too
        return result

    def _first_live_start(self, store: Store, name: str) -> FirstStart | None:
        """At a live run's first start, the paper phase checked and kept for the banner (None
        for any other start: a restart continues its run whatever the paper phase says).

        Raises
        ------
        PaperPhaseRefused
            The paper phase has gaps and ``--accept-paper-gaps`` was not given.
        """
        cfg = self.cfg
        if self._checked_first is not None:
            return self._checked_first
        if cfg.trading.mode is not TradingMode.LIVE or resumable_run(store, cfg, name):
            return None
        return self._check_paper_phase()

    def _early_live_check(self) -> None:
        """A live run whose SQLite database does not exist yet has no run to continue: its paper
        phase is checked before the store creates the file, so a refused start leaves none."""
        path = database_file(self.cfg)
        if self.cfg.trading.mode is TradingMode.LIVE and path is not None and not path.exists():
            self._checked_first = self._check_paper_phase()

    def _check_paper_phase(self) -> FirstStart:
        """The paper phase of a live first start, kept for the banner (may refuse)."""
        cfg = self.cfg
        if self.paper_check is None:  # the composition root forgot it: never go live unchecked
            raise LiveTradingRefused(["no paper-phase check was composed (a program error)"])
        first = first_live_start(self.paper_check(cfg), accept_gaps=self.options.accept_paper_gaps)
        self._paper_lines = first.banner
        return first

    # --- the loop ---------------------------------------------------------------------------
    def _loop(
        self, cycles: CycleRunner, kind: RunKind, heartbeat: Heartbeat, out: ServiceResult
    ) -> None:
        """One cycle per tick of the run's clock, until its schedule ends or a stop."""
        max_cycles = self.options.max_cycles
        cancel_at_close = self.cfg.execution.cancel_open_orders_at_close
        waiter = _BeatingWaiter(self.sleeper, heartbeat)
        traded_today = False
        if max_cycles is not None and out.cycles >= max_cycles:
            out.status = "stopped"
            return
        for tick in kind.clock.schedule(waiter):
            if self.stop.is_set:
                out.status = "stopped"
                return
            if tick.close:
                if cancel_at_close:
                    cycles.session_end(tick.t)
                if traded_today:  # the daily summary after the close
                    self._daily(cycles, tick.t)
                    traded_today = False
                continue
            outcome = cycles.run_cycle(tick.t, next_slot=tick.next)
            out.cycles += outcome.ran
            out.last_cycle = tick.t.to_pydatetime()
            traded_today = traded_today or bool(outcome.ran)
            if outcome.ran and tick.session_end:  # a replay: after the session's last bar
                self._daily(cycles, tick.t)
                traded_today = False
            ended = kind.ends_run(outcome.blocked, outcome.failed)
            if ended is not None:
                out.status, out.halted, out.message = ended, outcome.blocked, outcome.message
                return
            if max_cycles is not None and out.cycles >= max_cycles:  # before waiting again
                out.status = "stopped"
                return
        out.status = "stopped" if self.stop.is_set else "finished"

    # --- notifications ------------------------------------------------------------------
    def _now(self) -> datetime:
        """The service's clock (the wall clock, or the one a test or simulation injects): the
        time its start, restart and stop events are stamped with, as its cycles' events."""
        return self.now().to_pydatetime()

    def _daily(self, cycles: CycleRunner, when: pd.Timestamp) -> None:
        benchmark = self.market.benchmark if self.market is not None else None
        queue_daily(cycles.ctx, cycles.alerter, when, benchmark)

    def _stopped(self, alerter: Alerter, notifier: Any, result: ServiceResult) -> None:
        status = result.status if result.status != "running" else "stopped"
        severity = "error" if status == "failed" else "info"
        why = f": {result.message}" if status == "failed" and result.message else ""
        alerter.alert(
            "service_stop",
            f"run {result.run_id} ({result.name}) {status} after {result.cycles} cycle(s){why}",
            severity,
            ts=self._now(),
        )
        stop_notifier(notifier)

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
            paper=self._paper_lines,
            reserved=cycles.ctx.baseline.reserved_cash,
        )
        self.announce(banner.lines(cfg))

    def _starting_capital(
        self, store: Store, run: RunInfo, cycles: CycleRunner, when: pd.Timestamp, alerter: Alerter
    ) -> None:
        """Before a run's first cycle, record the run's equity (its baseline, marked at
        ``when``: the account less any cash set aside) as the run's starting capital when it is
        not ``trading.initial_capital`` (a broker's account, or a simulated account carried on
        from an earlier run): every report measures returns from it. An account larger than
        the capital may be refused before any order, as ``trading.larger_account`` says
        (:func:`~tradewind.service.live_safety.check_account_capital`)."""
        capital = self.cfg.trading.initial_capital
        baseline = cycles.ctx.baseline
        equity = marked_equity(baseline, cycles.ctx.market, when)
        check_account_capital(self.cfg, equity, baseline.reserved_cash)
        if not math.isfinite(equity) or abs(equity - run.initial_cash) < 0.005:
            return
        store.set_initial_cash(run.id, equity)
        reserved = baseline.reserved_cash
        part = f"the account less the ${reserved:,.2f} set aside" if reserved else "the account"
        message = (
            f"run {run.id} starts from {'its part of ' if reserved else ''}the account's equity "
            f"${equity:,.2f}, not trading.initial_capital ${capital:,.2f}: its returns are "
            f"measured from {part}"
        )
        alerter.alert("starting_capital", message, "info")


class _BeatingWaiter:
    """The clock's waits, writing heartbeats and ending on a stop request."""

    def __init__(self, sleeper: Sleeper, heartbeat: Heartbeat) -> None:
        self.sleeper = sleeper
        self.heartbeat = heartbeat

    def until(self, target: pd.Timestamp) -> bool:
        """Wait until ``target``; False when stopped first."""
        every = self.heartbeat.period.total_seconds()
        return self.sleeper.until(target, beat=self.heartbeat.beat, beat_every=every)

    def seconds(self, seconds: float) -> bool:
        """Wait ``seconds`` of real time; False when stopped first."""
        return self.until(self.sleeper.now() + pd.Timedelta(seconds=seconds))


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
