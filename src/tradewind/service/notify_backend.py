"""What the Telegram commands read and do, over the mode's store.

:class:`StoreCommands` answers ``/status``, ``/positions``, ``/regime`` and ``/daily`` from the
store (the same records ``tradewind status`` and ``positions`` read), and ``/halt`` latches an
emergency halt through :func:`tradewind.service.halts.emergency_halt` (halts live in one module).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import pandas as pd

from tradewind.config import TradewindConfig
from tradewind.domain.types import Regime
from tradewind.notify.compose import daily_notice, fields_notice, money, pct, qty
from tradewind.notify.events import event_notice
from tradewind.notify.notice import Notice
from tradewind.notify.routing import route
from tradewind.regime.policy import effective_policy
from tradewind.service.daily_summary import daily_summary, session_of
from tradewind.service.halts import HaltScope, emergency_halt, relevant_halts
from tradewind.service.notify_cycle import describe_policy
from tradewind.store import HaltView, OutboxMessage, RunInfo, Store

RESUME_HINT = 'tradewind resume --confirm --reason "..."'


class StoreCommands:
    """The Telegram commands' backend for one mode's store (see the module docstring).

    Parameters
    ----------
    store
        The mode's store.
    cfg
        The configuration.
    scope
        Which halts bind the service (its run's scope); None: wall-clock runs.
    run_id
        The running service's run; None: the latest run.
    benchmark
        The S&P 500 closes for /daily (None when unavailable).
    channels
        Channels the /halt alert goes to.
    context
        Shown with each answer.
    """

    def __init__(
        self,
        store: Store,
        cfg: TradewindConfig,
        *,
        scope: HaltScope | None = None,
        run_id: int | None = None,
        benchmark: Callable[[], pd.Series | None] = lambda: None,
        channels: Sequence[str] = (),
        context: str = "",
    ) -> None:
        self.store = store
        self.cfg = cfg
        self.scope = scope
        self.run_id = run_id
        self.benchmark = benchmark
        self.channels = tuple(channels)
        self.context = context or cfg.trading.mode.value

    def _run(self) -> RunInfo | None:
        return self.store.run(self.run_id) if self.run_id is not None else self.store.latest_run()

    def _notice(self, title: str, fields: Sequence[tuple[str, str]], text: str = "") -> Notice:
        return fields_notice(
            "command", title, fields, text, ts=datetime.now(UTC), context=self.context
        )

    def status(self) -> Notice:
        """Run, last cycle, equity, halts, open orders, last heartbeat."""
        run = self._run()
        if run is None:
            return self._notice("tradewind status", (), "No run in this mode's database yet.")
        last = self.store.last_cycle(run.id)
        halts = relevant_halts(self.store, run.id)
        beat = self.store.last_heartbeat(run.id)
        fields = [
            ("Mode", self.cfg.trading.mode.value),
            ("Run", f"{run.id} '{run.name}' ({run.status})"),
        ]
        if last is not None:
            fields += [
                ("Last cycle", f"{last.ts:%Y-%m-%d %H:%M} UTC"),
                ("Equity", money(last.equity)),
                ("Cash", money(last.cash)),
                ("Invested", pct(last.exposure, digits=0)),
            ]
        fields.append(
            (
                "Halted",
                "; ".join(f"YES ({h.kind} since {h.latched_at:%Y-%m-%d %H:%M})" for h, _ in halts)
                or "no",
            )
        )
        fields.append(("Open orders", str(len(self.store.open_orders(run.id)))))
        if beat is not None:
            fields.append(("Last heartbeat", f"{beat:%Y-%m-%d %H:%M:%S} UTC"))
        title = "🛑 tradewind: HALTED" if halts else "tradewind status"
        return self._notice(title, fields)

    def positions(self) -> Notice:
        """Positions at the last cycle, marked, with their weights."""
        run = self._run()
        if run is None:
            return self._notice("Positions", (), "No run yet.")
        last = self.store.last_cycle(run.id)
        equity = last.equity if last is not None else 0.0
        rows = []
        for p in self.store.latest_positions(run.id)[:20]:
            value = p.market_value
            weight = f" ({value / equity:.0%})" if value is not None and equity > 0 else ""
            price = f" @ {p.price:,.2f}" if p.price is not None else ""
            shown = f" = {money(value)}" if value is not None else ""
            rows.append((p.symbol, f"{qty(p.quantity)}{price}{shown}{weight}"))
        if last is not None:
            rows.append(("Cash", money(last.cash)))
        text = "" if rows else "No positions."
        when = f" at {last.ts:%Y-%m-%d %H:%M} UTC" if last is not None else ""
        return self._notice(f"Positions{when}", rows, text)

    def regime(self) -> Notice:
        """The current regime, since when, and the policy it applies."""
        run = self._run()
        now = self.store.current_regime(run.id if run is not None else None)
        if now is None:
            return self._notice("Regime", (), "No cycle recorded yet.")
        fields = [
            ("Regime", now.regime),
            ("Confidence", pct(now.confidence, digits=0) if now.confidence is not None else "n/a"),
            ("Since", f"{now.since:%Y-%m-%d}"),
        ]
        if now.regime in Regime.__members__:
            fields.append(
                ("Policy", describe_policy(effective_policy(Regime(now.regime), self.cfg)))
            )
        return self._notice(f"🧭 Regime: {now.regime}", fields)

    def daily(self) -> Notice:
        """Today's (or the last session's) summary."""
        run = self._run()
        last = self.store.last_cycle(run.id) if run is not None else None
        if run is None or last is None:
            return self._notice("Daily summary", (), "No cycle recorded yet.")
        halted = bool(relevant_halts(self.store, run.id))
        summary = daily_summary(
            self.store, run.id, session_of(last.ts), self.benchmark(), halted=halted
        )
        if summary is None:
            return self._notice("Daily summary", (), "No cycle in the last session.")
        return daily_notice(summary, self.context)

    def halt(self, who: str, reason: str) -> Notice:
        """Latch an emergency halt (see :func:`emergency_halt`); the answer says which."""
        halt, new = self.latch(who, reason)
        fields = [
            ("Kind", halt.kind),
            ("Since", f"{halt.latched_at:%Y-%m-%d %H:%M:%S} UTC"),
            ("Why", halt.reason),
            ("Resume", RESUME_HINT),
        ]
        title = "🛑 Halt latched" if new else "🛑 Already halted"
        text = "No new risk from the next cycle on." if new else "Nothing changed."
        return self._notice(title, fields, text)

    def latch(self, who: str, reason: str) -> tuple[HaltView, bool]:
        """Latch an emergency halt with its alert for :attr:`channels` (Telegram's ``/halt``,
        ``tradewind halt``); return the active halt and whether it is new."""
        run = self._run()
        scope = self.scope or HaltScope(self.store, run.id if run is not None else 0)

        def alert(message: str) -> list[OutboxMessage]:
            notice = event_notice(
                "manual_halt",
                f"{message}. No new risk until a person runs on the machine: {RESUME_HINT}",
                "critical",
                datetime.now(UTC),
                self.context,
            )
            key = f"emergency-halt-{datetime.now(UTC).isoformat()}"
            return [
                OutboxMessage(ch, notice.to_payload(), f"{ch}:{key}")
                for ch in route(notice, self.channels, self.cfg.notifications)
            ]

        return emergency_halt(
            self.store,
            scope,
            who=who,
            reason=reason,
            mode=self.cfg.trading.mode.value,
            run_id=run.id if run is not None and self.scope is not None else None,
            notify=alert,
        )
