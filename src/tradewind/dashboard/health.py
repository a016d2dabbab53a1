"""The System Health tab's service figures: is it running, uptime, the last cycle and trade,
warnings and errors of the last 24 hours, and the halts with the distance to each breaker.

The same sources as ``tradewind status`` and ``tradewind risk status``: the database's lock
(:func:`tradewind.service.heartbeat.lock_holder`), the heartbeats
(:func:`tradewind.service.runs.run_uptime`, over the run or the last 7 days, whichever is
shorter), the stored events, and :mod:`tradewind.service.halts` (the halts that matter now and
the breakers of the latest run's last checkpoint). A backtest keeps its halts in memory: the
one its events latched and never resumed is shown
(:func:`tradewind.review.checklist.backtest_halts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from tradewind.config import TradewindConfig
from tradewind.dashboard.view import RunView
from tradewind.domain.orders import Fill
from tradewind.review.checklist import backtest_halts
from tradewind.risk import BreakerParams
from tradewind.service.halts import relevant_halts, risk_status
from tradewind.service.heartbeat import lock_holder
from tradewind.service.paths import lock_path
from tradewind.service.records import uptime_between
from tradewind.service.run_status import shown_liveness
from tradewind.service.runs import run_uptime
from tradewind.store import EventView, Store, Uptime

DAY = timedelta(hours=24)
UPTIME_WINDOW = timedelta(days=7)
"""``tradewind status``'s uptime window: the run or the last 7 days, whichever is shorter."""
PROBLEMS = ("warning", "error", "critical")


@dataclass(frozen=True)
class HaltLine:
    """A halt that matters now (what it binds, since when, why)."""

    kind: str
    reason: str
    binds: str
    latched_at: datetime | None


@dataclass(frozen=True)
class ServiceHealth:
    """The service side of System Health (see the module docstring)."""

    now: pd.Timestamp
    window_label: str
    running: bool
    pid: int | None
    last_heartbeat: datetime | None
    last_cycle: pd.Timestamp | None
    last_trade: Fill | None
    uptime_run: float | None
    uptime_recent: Uptime | None
    uptime_24h: float | None
    problems: tuple[EventView, ...]
    halts: tuple[HaltLine, ...]
    risk: dict[str, Any] | None
    latest_run: bool
    """Whether the shown run is the database's latest (the breakers are the latest run's)."""
    status: str
    """The run's status as ``tradewind status`` shows it (``interrupted``: the row says running,
    no process runs it)."""


def service_health(store: Store, view: RunView, cfg: TradewindConfig) -> ServiceHealth:
    """The service figures of ``view``'s run, read fresh from ``store`` (``cfg`` is the
    dashboard's configuration pointed at the run's mode)."""
    records = view.records
    run = records.run
    now = view.now()
    holder = lock_holder(lock_path(cfg)) if records.clock == "wall" else None
    latest = store.latest_run()
    is_latest = latest is not None and latest.id == run.id
    recent = None
    if records.clock == "wall":
        running = holder is not None and is_latest
        end = datetime.now(UTC) if running or run.ended_at is None else run.ended_at
        recent = run_uptime(store, run, max(run.started_at, end - UPTIME_WINDOW), end)
    start = (now - DAY).to_pydatetime()
    problems = tuple(
        e for e in records.events if e.severity in PROBLEMS and start <= e.ts <= now.to_pydatetime()
    )
    if records.clock == "backtest":
        halts = tuple(
            HaltLine(kind, reason, binds, None) for kind, reason, binds in backtest_halts(records)
        )
        risk = None
    else:
        halts = tuple(
            HaltLine(h.kind, h.reason, binds, h.latched_at)
            for h, binds in relevant_halts(store, run.id)
        )
        risk = risk_status(store, BreakerParams.from_config(view.strategy.risk_management))
    return ServiceHealth(
        now=now,
        window_label="the last 24 hours"
        if records.clock == "wall"
        else "the run's last 24 hours (history, up to its last cycle)",
        running=holder is not None,
        pid=holder.get("pid") if holder else None,
        last_heartbeat=store.last_heartbeat(run.id),
        last_cycle=records.end,
        last_trade=store.last_trade(run.id),
        uptime_run=records.uptime.fraction if records.uptime is not None else None,
        uptime_recent=recent,
        uptime_24h=uptime_between(records.uptime, start, now.to_pydatetime())
        if records.clock == "wall"
        else None,
        problems=problems,
        halts=halts,
        risk=risk,
        latest_run=is_latest,
        status=run.status
        if run.status != "running"
        else shown_liveness(cfg, store, run, lock_held=True if holder else None).status,
    )


def problems_frame(health: ServiceHealth) -> pd.DataFrame:
    """The warnings and errors of the window, newest first."""
    rows = [
        {"time": pd.Timestamp(e.ts), "severity": e.severity, "kind": e.kind, "message": e.message}
        for e in reversed(health.problems)
    ]
    return pd.DataFrame(rows, columns=["time", "severity", "kind", "message"])


def breakers_frame(risk: dict[str, Any] | None) -> pd.DataFrame:
    """Each breaker: its value now, the warning level, the limit and the room left."""
    breakers = (risk or {}).get("breakers")
    if not breakers:
        return pd.DataFrame(columns=["breaker", "now", "warning at", "halts at", "room"])
    rows = []
    for name in ("daily_loss", "drawdown"):
        b = breakers[name]
        rows.append(
            {
                "breaker": name.replace("_", " "),
                "now": f"{b['value']:.2%}",
                "warning at": f"{b['warning']:.2%}",
                "halts at": f"{b['limit']:.2%}",
                "room": f"{b['to_halt']:.2%}",
            }
        )
    c = breakers["consecutive_losses"]
    rows.append(
        {
            "breaker": "consecutive losses",
            "now": str(c["value"]),
            "warning at": "-",
            "halts at": str(c["limit"]),
            "room": f"{c['remaining']} loss(es)" + ("" if c["enabled"] else " (breaker disabled)"),
        }
    )
    return pd.DataFrame(rows)
