"""Data freshness per source and notification delivery, for the System Health tab.

**Freshness.** The run's prices: the last bar a cycle used, judged on the wall clock by the
data gate's own rule (:class:`tradewind.data.freshness.Freshness`: one interval plus
``data.publish_delay_minutes``); a source that holds history only (bundled, synthetic, your
files) is labelled historical, never live. The network providers: what the local cache holds
for the run's symbols (:class:`tradewind.data.cache.SeriesCache`: the last bar each file covers
and when it was written). The data events the run recorded (a provider that failed over, a
cached copy served, a cycle skipped on bad or stale prices), counted per kind.

**Delivery.** The notification outbox (:meth:`tradewind.store.Store.notifications`) per
channel: sent, waiting, given up, the oldest waiting message and the last error.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tradewind.config import TradewindConfig
from tradewind.dashboard.view import HISTORICAL_SOURCES, RunView
from tradewind.data.cache import SeriesCache
from tradewind.data.freshness import Freshness
from tradewind.domain.errors import DataError
from tradewind.domain.types import Interval
from tradewind.store import NotificationView

DATA_EVENTS = (
    "data_error",
    "data_warning",
    "data_refresh_failed",
    "provider_fallback",
    "served_from_cache",
)
"""Event kinds the data path records (``service/cycle_runner.py``, ``data/live.py``)."""


def prices_row(view: RunView) -> dict[str, object]:
    """The run's own prices: the last bar used and whether it is fresh (or historical)."""
    rec = view.records
    last = rec.end
    strategy = view.strategy
    source = strategy.data.source
    row: dict[str, object] = {"source": f"{source} (the run's prices)", "last bar": last}
    if source in HISTORICAL_SOURCES or rec.clock != "wall":
        row["status"] = "historical: not live"
        row["detail"] = (
            f"data.source {source} holds history only"
            if source in HISTORICAL_SOURCES
            else f"a {rec.clock}: prices replayed from history"
        )
        return row
    if last is None:
        return {**row, "status": "no cycle yet", "detail": ""}
    rule = Freshness(
        pd.Timedelta(minutes=strategy.data.publish_delay_minutes), Interval(strategy.data.interval)
    )
    now = view.now()
    problem = rule.problem(last, now, pd.DatetimeIndex(rec.recorder.ts))
    row["status"] = "fresh" if problem is None else "STALE"
    row["detail"] = (
        problem or f"the bar due by now ends {rule.due(now, rule.interval or Interval.DAILY)}"
    )
    return row


def cache_rows(view: RunView) -> list[dict[str, object]]:
    """What the provider cache holds for the run's symbols, one row per provider and interval
    (empty when the run reads no network provider)."""
    strategy = view.strategy
    if strategy.data.source in HISTORICAL_SOURCES:
        return []
    cache = SeriesCache(Path(strategy.data.cache.path))
    wanted = set(view.records.run.symbols)
    groups: dict[tuple[str, str], list[tuple[pd.Timestamp, pd.Timestamp]]] = {}
    unreadable: dict[tuple[str, str], int] = {}
    for provider, interval, symbol in cache.entries():
        if symbol not in wanted:
            continue
        try:
            entry = cache.read(provider, symbol, interval)
        except DataError:
            unreadable[(provider, interval)] = unreadable.get((provider, interval), 0) + 1
            continue
        if entry is not None:
            groups.setdefault((provider, interval), []).append((entry.through, entry.updated))
    rows: list[dict[str, object]] = []
    for (provider, interval), spans in sorted(groups.items()):
        oldest = min(t for t, _ in spans)
        bad = unreadable.get((provider, interval), 0)
        rows.append(
            {
                "source": f"{provider} cache ({interval})",
                "last bar": oldest,
                "status": f"{len(spans)} of {len(wanted)} symbols cached",
                "detail": f"oldest series ends {oldest}; last written {max(u for _, u in spans)}"
                + (f"; {bad} file(s) unreadable" if bad else ""),
            }
        )
    return rows


def freshness_frame(view: RunView) -> pd.DataFrame:
    """The run's prices and the provider cache, one row per source."""
    rows = [prices_row(view), *cache_rows(view)]
    return pd.DataFrame(rows, columns=["source", "last bar", "status", "detail"])


def data_events_frame(view: RunView) -> pd.DataFrame:
    """The data events of the run per kind: how many, the last one and what it said."""
    rows = []
    for kind in DATA_EVENTS:
        found = [e for e in view.records.events if e.kind == kind]
        if found:
            rows.append(
                {
                    "kind": kind,
                    "count": len(found),
                    "last": pd.Timestamp(found[-1].ts),
                    "message": found[-1].message,
                }
            )
    return pd.DataFrame(rows, columns=["kind", "count", "last", "message"])


def delivery_frame(
    notifications: list[NotificationView], cfg: TradewindConfig, now: pd.Timestamp
) -> pd.DataFrame:
    """Per channel: enabled or not, messages sent, waiting and given up, the oldest waiting
    and the last error."""
    channels = {
        "discord": cfg.notifications.discord.enabled,
        "telegram": cfg.notifications.telegram.enabled,
    }
    names = sorted(set(channels) | {n.channel for n in notifications})
    rows = []
    for name in names:
        mine = [n for n in notifications if n.channel == name]
        waiting = [n for n in mine if n.status == "pending"]
        errors = [n for n in mine if n.last_error]
        oldest = min((n.created_at for n in waiting), default=None)
        rows.append(
            {
                "channel": name,
                "enabled": channels.get(name, False),
                "sent": sum(1 for n in mine if n.status == "sent"),
                "waiting": len(waiting),
                "given up": sum(1 for n in mine if n.status == "failed"),
                "oldest waiting": pd.Timestamp(oldest) if oldest is not None else None,
                "waiting for": (now - pd.Timestamp(oldest)) if oldest is not None else None,
                "last error": errors[-1].last_error if errors else "",
            }
        )
    return pd.DataFrame(rows)
