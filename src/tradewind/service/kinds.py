"""What differs between a replay and a wall-clock run of the trading service, in one part each.

The trading service runs the same loop, recovery and cycle for every run; the composition root
(:meth:`TradingService.run <tradewind.service.runner.TradingService.run>`) injects a
:class:`ReplayRun` (``--replay``, ``demo``) or a :class:`WallClockRun` (simulated, paper and
live on the wall clock). What they decide:

* **clock**: a replay steps through the bar times of its period (paced or not); a wall-clock
  run follows NYSE sessions on the wall clock.
* **account**: a replay has its own simulated account, starting from the configured capital; a
  wall-clock run trades the mode's account as the broker holds it.
* **risk state**: a replay starts fresh; a wall-clock run carries on the previous run's.
* **halts that bind it**: a replay's own (:class:`ReplayHaltScope`); on the wall clock, every
  halt no replay latched.
* **simulated resume**: ``backtest_resume_sessions`` applies to a replay; a wall-clock halt
  clears only through a person.
* **a blocked or failed cycle** ends a replay (nobody resumes mid-replay); the wall clock waits
  for the next slot.
* **stale data** cannot happen in a replay (time is replayed); on the wall clock, prices older
  than ``data.stale_after_days`` block trading.
* **database writes** are durable on the wall clock, not fsynced in a replay (it can run again).
* **new bars**: a replay's data is loaded once; on the wall clock the market is reloaded before
  each cycle (broker and engine rebuilt on it) and a bar that is due but missing blocks trading.

A backtest (:func:`tradewind.backtest.runner.run_backtest`) composes the same engine with a
:class:`~tradewind.engine.clock.ReplayClock`, the simulator and in-memory halts, without the
service around it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from typing import Any, Protocol

import pandas as pd

from tradewind.config import TradewindConfig
from tradewind.config.secrets import Secrets
from tradewind.config.warnings import wall_clock_fill_warning
from tradewind.data.freshness import Freshness
from tradewind.domain.market import MarketData
from tradewind.engine.clock import ReplayClock, SessionClock, Tick, Waiter
from tradewind.engine.protocols import Broker
from tradewind.orders.account import Baseline
from tradewind.service.alerts import Alerter
from tradewind.service.carry import carry_risk_state
from tradewind.service.halts import HaltScope, ReplayHaltScope
from tradewind.service.market import RunMarket
from tradewind.service.market_refresh import MarketRefresher
from tradewind.service.notify_service import service_channels
from tradewind.store import Store


class RunClock(Protocol):
    """The clock a run is driven by (:mod:`tradewind.engine.clock`)."""

    def now(self) -> pd.Timestamp:
        """The run's current time."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait between order retries (replayed time does not pass)."""
        ...

    def start_after(self, last: pd.Timestamp | None) -> pd.Timestamp | None:
        """The first cycle still to run after ``last``, or None."""
        ...

    def schedule(self, waiter: Waiter) -> Iterator[Tick]:
        """The run's ticks, waiting through ``waiter`` in between."""
        ...


class RunKind(Protocol):
    """The parts of a service run that differ between a replay and the wall clock."""

    @property
    def clock(self) -> RunClock:
        """The clock the run is driven by."""
        ...

    @property
    def durable(self) -> bool:
        """Whether the database commits are fsynced."""
        ...

    @property
    def heartbeat(self) -> timedelta:
        """How often the service proves it is alive."""
        ...

    @property
    def max_data_age(self) -> timedelta | None:
        """Prices older than this block trading (None: never stale)."""
        ...

    def default_name(self, cfg: TradewindConfig) -> str:
        """The run's name when the command line gives none."""
        ...

    def account_key(self, database_id: str, run_id: int) -> str:
        """The simulated broker's account in its journal."""
        ...

    def order_scope(self, run_id: int) -> int | None:
        """Whose open orders reconciliation settles (None: the whole mode's)."""
        ...

    def halt_scope(self, store: Store, run_id: int) -> HaltScope:
        """Which halts bind the run."""
        ...

    def starting_baseline(self, cfg: TradewindConfig, store: Store, broker: Broker) -> Baseline:
        """The account a new run starts from."""
        ...

    def carry_risk_state(
        self, store: Store, run_id: int, baseline: Baseline, symbols: Sequence[str]
    ) -> tuple[int, dict[str, Any]] | None:
        """Seed a new run's risk state from the previous run on the same account, if any."""
        ...

    def auto_resume_sessions(self, cfg: TradewindConfig) -> int | None:
        """Sessions after which a simulated person resumes a breaker halt (None: never)."""
        ...

    def warnings(self, cfg: TradewindConfig) -> list[str]:
        """Settings that cannot work with this kind of run."""
        ...

    def schedule_text(self, interval: int, speed: float | None) -> str:
        """The schedule, for the start-up banner."""
        ...

    def banner_time(self, resumed_from: pd.Timestamp | None) -> pd.Timestamp:
        """The time the start-up banner marks the account at."""
        ...

    def ends_run(self, blocked: bool, failed: bool) -> str | None:
        """The run's final status after a blocked or failed cycle, or None to carry on."""
        ...

    def freshness(self, cfg: TradewindConfig) -> Freshness | None:
        """Which bar must be in the data at each cycle (None: whatever the replay has)."""
        ...

    def channels(self, cfg: TradewindConfig, secrets: Secrets) -> list[str]:
        """The notification channels the run sends to."""
        ...

    def label(self, cfg: TradewindConfig) -> str:
        """What kind of run this is, for people (``paper``, ``simulated replay``)."""
        ...

    def refresher(
        self,
        cfg: TradewindConfig,
        provider: MarketData,
        broker_on: Callable[[RunMarket], Broker],
        alerter: Alerter,
    ) -> MarketRefresher | None:
        """Reloads the market before each cycle (None: the data is fixed)."""
        ...


class ReplayRun:
    """A replay of history through the trading loop, on its own simulated account.

    Parameters
    ----------
    ticks
        The replayed bar times.
    pause
        Real seconds between replayed cycles (0: as fast as possible).
    """

    durable = False
    heartbeat = timedelta(seconds=5)
    max_data_age: timedelta | None = None

    def __init__(self, ticks: Sequence[pd.Timestamp], pause: float = 0.0) -> None:
        self.clock = ReplayClock(pd.DatetimeIndex(list(ticks)), pause)

    def default_name(self, cfg: TradewindConfig) -> str:
        """``replay START:END``."""
        return f"replay {self.clock.first:%Y-%m-%d}:{self.clock.last:%Y-%m-%d}"

    def account_key(self, database_id: str, run_id: int) -> str:
        """The run's own simulated account."""
        return f"{database_id}:run-{run_id}"

    def order_scope(self, run_id: int) -> int | None:
        """Only this run's orders."""
        return run_id

    def halt_scope(self, store: Store, run_id: int) -> HaltScope:
        """Only the halts the replay latched."""
        return ReplayHaltScope(store, run_id)

    def starting_baseline(self, cfg: TradewindConfig, store: Store, broker: Broker) -> Baseline:
        """The configured capital, all cash."""
        return Baseline(cfg.trading.initial_capital)

    def carry_risk_state(
        self, store: Store, run_id: int, baseline: Baseline, symbols: Sequence[str]
    ) -> tuple[int, dict[str, Any]] | None:
        """Nothing: a replay starts fresh."""
        return None

    def auto_resume_sessions(self, cfg: TradewindConfig) -> int | None:
        """``circuit_breaker.backtest_resume_sessions``, as in a backtest."""
        return cfg.risk_management.circuit_breaker.backtest_resume_sessions

    def warnings(self, cfg: TradewindConfig) -> list[str]:
        """None apply."""
        return []

    def schedule_text(self, interval: int, speed: float | None) -> str:
        """``replay FIRST to LAST at PACE``."""
        pace = f"{speed:g}x real time" if speed else "max speed"
        return f"replay {self.clock.first:%Y-%m-%d} to {self.clock.last:%Y-%m-%d} at {pace}"

    def banner_time(self, resumed_from: pd.Timestamp | None) -> pd.Timestamp:
        """Where the replay stands."""
        return resumed_from if resumed_from is not None else self.clock.first

    def ends_run(self, blocked: bool, failed: bool) -> str | None:
        """A blocked replay stops (halted), a failed one fails: nobody resumes mid-replay."""
        if blocked:
            return "stopped"
        return "failed" if failed else None

    def freshness(self, cfg: TradewindConfig) -> Freshness | None:
        """None: a replay trades on the bars of its period as they are."""
        return None

    def channels(self, cfg: TradewindConfig, secrets: Secrets) -> list[str]:
        """None unless ``notifications.include_replays``: a replay of two years of history
        must not send two years of fills to a real chat."""
        return service_channels(cfg, secrets, replayed=True)

    def label(self, cfg: TradewindConfig) -> str:
        """``simulated replay``."""
        return f"{cfg.trading.mode.value} replay"

    def refresher(
        self,
        cfg: TradewindConfig,
        provider: MarketData,
        broker_on: Callable[[RunMarket], Broker],
        alerter: Alerter,
    ) -> MarketRefresher | None:
        """None: a replay's data is loaded once."""
        return None


class WallClockRun:
    """A run on the wall clock during NYSE sessions, on the mode's account at the broker.

    Parameters
    ----------
    clock
        The session clock.
    stale_after_days
        Prices older than this many days block trading.
    """

    durable = True

    def __init__(self, clock: SessionClock, stale_after_days: int) -> None:
        self.clock = clock
        self.interval = int(clock.interval.total_seconds())
        self.heartbeat = timedelta(seconds=min(self.interval, 300))
        self.max_data_age: timedelta | None = timedelta(days=stale_after_days)

    def default_name(self, cfg: TradewindConfig) -> str:
        """The mode's name."""
        return cfg.trading.mode.value

    def account_key(self, database_id: str, run_id: int) -> str:
        """The mode's one simulated account, shared by its wall-clock runs."""
        return f"{database_id}:wall"

    def order_scope(self, run_id: int) -> int | None:
        """Every order of the mode (the account is shared)."""
        return None

    def halt_scope(self, store: Store, run_id: int) -> HaltScope:
        """Every halt no replay latched."""
        return HaltScope(store, run_id)

    def starting_baseline(self, cfg: TradewindConfig, store: Store, broker: Broker) -> Baseline:
        """The account as the broker has it (average costs from the recorded fills).

        Against a real broker with ``broker.on_start_difference: halt`` (the default), the run
        starts instead from the positions tradewind's recorded fills explain (and the broker's
        cash): any other position the account holds is then a difference the first
        reconciliation lists and halts on, before any cycle trades; a person's ``tradewind
        resume`` adopts it. With ``adopt`` the account is taken as it is.
        """
        recorded = store.positions_from_fills()
        costs = {p.symbol: p.average_cost for p in recorded.values()}
        if broker.name != "simulated" and cfg.broker.on_start_difference == "halt":
            expected = {
                s: (float(p.quantity), float(p.average_cost))
                for s, p in recorded.items()
                if s in cfg.trading.symbols
            }
            return Baseline(float(broker.cash()), expected, {})
        held = broker.positions()
        traded = set(cfg.trading.symbols)
        positions = {
            s: (float(q), float(costs.get(s, 0.0))) for s, q in held.items() if s in traded
        }
        external = {s: float(q) for s, q in held.items() if s not in positions}
        return Baseline(float(broker.cash()), positions, external)

    def carry_risk_state(
        self, store: Store, run_id: int, baseline: Baseline, symbols: Sequence[str]
    ) -> tuple[int, dict[str, Any]] | None:
        """The previous wall-clock run's breaker and stop state (:mod:`tradewind.service.carry`)."""
        return carry_risk_state(store, run_id, baseline, symbols)

    def auto_resume_sessions(self, cfg: TradewindConfig) -> int | None:
        """Never: only a person resumes a wall-clock halt."""
        return None

    def warnings(self, cfg: TradewindConfig) -> list[str]:
        """Simulated settings under which no wall-clock order can fill."""
        warning = wall_clock_fill_warning(cfg)
        return [warning] if warning is not None else []

    def schedule_text(self, interval: int, speed: float | None) -> str:
        """``every Ns while the NYSE is open``."""
        return f"every {interval}s while the NYSE is open"

    def banner_time(self, resumed_from: pd.Timestamp | None) -> pd.Timestamp:
        """Now."""
        return self.clock.now()

    def ends_run(self, blocked: bool, failed: bool) -> str | None:
        """Never: a blocked or failed slot waits for the next one."""
        return None

    def freshness(self, cfg: TradewindConfig) -> Freshness | None:
        """The bar due by now, allowing the provider's publication delay (data/freshness.py)."""
        return Freshness(pd.Timedelta(minutes=cfg.data.publish_delay_minutes))

    def channels(self, cfg: TradewindConfig, secrets: Secrets) -> list[str]:
        """Every enabled channel with its credentials."""
        return service_channels(cfg, secrets, replayed=False)

    def label(self, cfg: TradewindConfig) -> str:
        """The mode (``paper``)."""
        return cfg.trading.mode.value

    def refresher(
        self,
        cfg: TradewindConfig,
        provider: MarketData,
        broker_on: Callable[[RunMarket], Broker],
        alerter: Alerter,
    ) -> MarketRefresher | None:
        """New bars are loaded before each cycle; broker and engine are rebuilt on them."""
        return MarketRefresher(cfg, provider, broker_on, alerter)


__all__ = ["ReplayRun", "RunClock", "RunKind", "WallClockRun"]
