"""The notifications of one recorded cycle: fills, rebalances, regime changes and events.

Built by :meth:`CycleNotices.messages` from the cycle's facts and queued in the cycle's own
transaction (``Store.record_cycle(..., notify=...)``), so a cycle and its notifications are
stored together or not at all. Each message has a dedupe key, so a cycle run again after an
interruption never queues twice.

A rebalance is reported twice: *started* when its orders are sent (trades, turnover, estimated
cost) and *finished* at the first cycle where every one of its orders has reached a final state
(filled, canceled, rejected), with what was really traded and paid. After a restart the last
rebalance of the run is picked up again from the store, so its *finished* message still comes
(and, thanks to its key, only once).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from tradewind.config import TradewindConfig
from tradewind.domain.records import Decision, EngineEvent, OrderRecord
from tradewind.notify.compose import (
    RebalanceFacts,
    fill_notice,
    rebalance_finished_notice,
    rebalance_started_notice,
    regime_notice,
)
from tradewind.notify.events import event_notice
from tradewind.notify.notice import Notice
from tradewind.notify.routing import route
from tradewind.service.store_recorder import CycleFacts
from tradewind.store import OutboxMessage, Store

log = logging.getLogger("tradewind.service")

_REGIME_CHANGE = re.compile(r"^(?P<prev>[A-Z_]+) -> (?P<new>[A-Z_]+)")
"""The engine's regime_change message: ``BULL -> CHOPPY (confidence 0.82)``."""


RECOVER_WITHIN = timedelta(days=7)
"""How old a rebalance picked up again after a restart may be."""


def halt_key(run_id: int, latched_at: datetime) -> str:
    """The dedupe key of the alert for a halt latched by run ``run_id`` at ``latched_at``: the
    latch and the engine's ``halt`` event of the same cycle share it, so one alert goes out."""
    return f"halt-run{run_id}-{latched_at.isoformat()}"


class PolicyLike(Protocol):
    """A regime policy (the engine's :class:`Policy` or a resolved config policy)."""

    @property
    def method(self) -> str: ...  # noqa: D102
    @property
    def max_position_size(self) -> float: ...  # noqa: D102
    @property
    def cash_buffer(self) -> float: ...  # noqa: D102
    @property
    def invested_fraction(self) -> float: ...  # noqa: D102


def describe_policy(policy: PolicyLike) -> str:
    """``max_sharpe, at most 30% per position, at most 80% invested``."""
    text = (
        f"{policy.method}, at most {policy.max_position_size:.0%} per position, at most "
        f"{policy.invested_fraction:.0%} invested"
    )
    return text + (f" ({policy.cash_buffer:.0%} cash buffer)" if policy.cash_buffer else "")


def is_rebalance(decision: Decision) -> bool:
    """A decision that sent orders for a rebalance (not only risk exits)."""
    return bool(decision.orders) and tuple(decision.reasons) != ("risk",)


def rebalance_facts(
    ts: datetime,
    reasons: Sequence[str],
    orders: Sequence[OrderRecord],
    equity_before: float,
    regime: str,
    method: str,
) -> RebalanceFacts:
    """A rebalance's counts, traded value and estimated costs from its order records."""
    rebalance_orders = [o for o in orders if not o.reason.startswith(("stop:", "halt:"))]
    return RebalanceFacts(
        ts=ts,
        reasons=tuple(r for r in reasons if r != "risk"),
        buys=sum(o.side == "buy" for o in rebalance_orders),
        sells=sum(o.side == "sell" for o in rebalance_orders),
        traded_value=sum(abs(o.quantity) * (o.price or 0.0) for o in rebalance_orders),
        equity_before=equity_before,
        est_cost=sum(o.est_commission + o.est_slippage + o.est_impact for o in rebalance_orders),
        regime=regime,
        method=method,
    )


@dataclass
class _Open:
    """A rebalance whose orders are not all final yet."""

    facts: RebalanceFacts
    client_order_ids: tuple[str, ...]


class CycleNotices:
    """Turns each recorded cycle into outbox messages (module docstring).

    Parameters
    ----------
    store
        The run's store (orders and fills of an open rebalance are read from it).
    run_id
        The run.
    cfg
        The configuration (channel switches).
    channels
        Channels that get messages (enabled and configured).
    context
        Shown with each message (``paper, run 3``).
    """

    def __init__(
        self,
        store: Store,
        run_id: int,
        cfg: TradewindConfig,
        channels: Sequence[str],
        context: str,
    ) -> None:
        self.store = store
        self.run_id = run_id
        self.cfg = cfg
        self.channels = tuple(channels)
        self.context = context
        self._open: _Open | None = None
        self._recovered = False

    def messages(self, facts: CycleFacts) -> list[OutboxMessage]:
        """The outbox messages reporting ``facts`` (none when no channel is on)."""
        if not self.channels:
            return []
        key = f"run{self.run_id}-{facts.ts.isoformat()}"
        out: list[tuple[Notice, str]] = []
        for i, e in enumerate(facts.events):
            notice = self._event(e, facts)
            out.append((notice, halt_key(self.run_id, e.ts) if e.kind == "halt" else f"{key}-{i}"))
        for j, fill in enumerate(facts.fills):
            out.append((fill_notice(fill, self.context), f"{key}-fill{j}"))
        out.extend(self._rebalances(facts))
        return [
            OutboxMessage(ch, notice.to_payload(), f"{ch}:{k}")
            for notice, k in out
            for ch in route(notice, self.channels, self.cfg.notifications)
        ]

    def notice_messages(self, notice: Notice, key: str | None) -> list[OutboxMessage]:
        """``notice`` for every channel that wants it (``key`` makes it once-only)."""
        return [
            OutboxMessage(ch, notice.to_payload(), f"{ch}:{key}" if key else None)
            for ch in route(notice, self.channels, self.cfg.notifications)
        ]

    # --- pieces ---------------------------------------------------------------------------
    def _event(self, e: EngineEvent, facts: CycleFacts) -> Notice:
        m = _REGIME_CHANGE.match(e.message) if e.kind == "regime_change" else None
        if m is not None and facts.regime is not None:
            policy = describe_policy(facts.policy) if facts.policy is not None else "unchanged"
            return regime_notice(
                m["prev"],
                facts.regime.regime.value,
                facts.regime.confidence,
                policy,
                e.ts,
                self.context,
            )
        return event_notice(e.kind, e.message, e.severity, e.ts, self.context)

    def _rebalances(self, facts: CycleFacts) -> list[tuple[Notice, str]]:
        if not self._recovered:
            self._recover(facts.ts)
        out: list[tuple[Notice, str]] = []
        for d in facts.decisions:
            if not is_rebalance(d):
                continue
            r = rebalance_facts(d.ts, d.reasons, d.orders, d.equity_before, d.regime, d.method)
            if r.trades == 0:
                continue
            if self._open is not None:
                out.extend(self._finish(self._open, facts.ts, force=True))
            cids = tuple(
                o.client_order_id for o in d.orders if not o.reason.startswith(("stop:", "halt:"))
            )
            self._open = _Open(r, cids)
            out.append((rebalance_started_notice(r, self.context), self._key(r, "started")))
        if self._open is not None:
            out.extend(self._finish(self._open, facts.ts))
        return out

    def _finish(
        self, open_: _Open, ts: datetime, *, force: bool = False
    ) -> list[tuple[Notice, str]]:
        """The *finished* notice when every order is final (or ``force``: a new rebalance
        replaced it)."""
        filled = 0
        traded = cost = 0.0
        for cid in open_.client_order_ids:
            order = self.store.order_by_client_id(cid)
            if order is None:
                continue
            if order.is_open and not force:
                return []
            fills = self.store.fills(self.run_id, client_order_id=cid)
            filled += bool(fills)
            traded += sum(f.notional for f in fills)
            cost += sum(f.cost for f in fills)
        self._open = None
        notice = rebalance_finished_notice(
            open_.facts,
            filled=filled,
            traded_value=traded,
            realized_cost=cost,
            ts=ts,
            context=self.context,
        )
        return [(notice, self._key(open_.facts, "finished"))]

    def _recover(self, now: datetime) -> None:
        """After a (re)start: the run's last rebalance, if it may still be open."""
        self._recovered = True
        try:
            cycles = self.store.cycles(self.run_id, decisions_only=True)
        except Exception:  # notifications never stop a cycle
            log.exception("could not look up the last rebalance for its notification")
            return
        for c in reversed(cycles):
            if c.ts >= now or not c.orders or tuple(c.reasons) == ("risk",):
                continue
            if now - c.ts > RECOVER_WITHIN:
                return  # long over: its message went out then (or notifications were off)
            r = rebalance_facts(
                c.ts, c.reasons, c.orders, c.equity_before or c.equity, c.regime, c.method or ""
            )
            cids = tuple(
                o.client_order_id for o in c.orders if not o.reason.startswith(("stop:", "halt:"))
            )
            if r.trades:
                self._open = _Open(r, cids)
            return

    def _key(self, r: RebalanceFacts, stage: str) -> str:
        return f"run{self.run_id}-rebalance-{r.ts.isoformat()}-{stage}"
