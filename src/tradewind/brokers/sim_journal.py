"""The simulated broker with a durable account: its own journal, apart from tradewind's store.

A real broker keeps its truth on its own servers; the simulator keeps it in a journal file
(SQLite, one row per call that changed the account: ``submit``, ``process`` with open orders,
``cancel``; a refused repeat of a client order id is journaled as ``duplicate``). Each row is
committed before the call returns, exactly as a broker commits before it answers: a process
killed before the commit leaves an account that never saw the call, a process killed after it
leaves an account that did, whatever tradewind's own store managed to record.
On start the account is rebuilt by replaying the journal through a fresh
:class:`~tradewind.brokers.sim.SimulatedBroker` on its own copy of the market data (the simulator
is deterministic, random partial fills included), so the service's reconciliation runs against
an independent truth, as it will against Webull or Alpaca.

On a wall-clock run the inner simulator fills at the bars as traded and applies the splits and
dividends of the data (:mod:`tradewind.brokers.sim_actions`) when its clock passes them: the
replay applies them at the same points between the same calls, and a ``process`` that applied
one is journaled even with no order open, so a rebuilt account has reached it too.

The journal file lives next to the database (``tradewind-simulated.simbroker.db``); every
simulated account in it is keyed (one per replay run, ``wall`` for wall-clock trading).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from tradewind.brokers.sim import SimulatedBroker
from tradewind.domain.cash import CashActivity
from tradewind.domain.errors import ConfigError
from tradewind.domain.orders import (
    ClientOrderId,
    Order,
    OrderEvent,
    OrderRequest,
    OrderType,
    Side,
)
from tradewind.domain.types import Symbol
from tradewind.engine.protocols import SubmitOutcome, submit_each

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS sim_accounts (account TEXT PRIMARY KEY, settings TEXT NOT NULL,"
    " created_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS sim_calls (account TEXT NOT NULL, seq INTEGER NOT NULL,"
    " kind TEXT NOT NULL, t_ns INTEGER NOT NULL, payload TEXT NOT NULL,"
    " PRIMARY KEY (account, seq))",
)


def request_to_json(r: OrderRequest) -> dict[str, Any]:
    """An order request as JSON (floats exact through ``repr``)."""
    return {
        "client_order_id": r.client_order_id,
        "symbol": r.symbol,
        "side": r.side.value,
        "quantity": r.quantity,
        "created_at": r.created_at.astimezone(UTC).isoformat(),
        "order_type": r.order_type.value,
        "limit_price": r.limit_price,
        "reason": r.reason,
    }


def request_from_json(d: Mapping[str, Any]) -> OrderRequest:
    """Inverse of :func:`request_to_json`."""
    return OrderRequest(
        ClientOrderId(str(d["client_order_id"])),
        Symbol(str(d["symbol"])),
        Side(str(d["side"])),
        float(d["quantity"]),
        datetime.fromisoformat(str(d["created_at"])),
        OrderType(str(d["order_type"])),
        float(d["limit_price"]) if d.get("limit_price") is not None else None,
        str(d.get("reason", "")),
    )


@dataclass(frozen=True)
class JournalCall:
    """One journaled call."""

    seq: int
    kind: str
    t: pd.Timestamp
    payload: dict[str, Any]


class SimJournal:
    """The simulated broker's durable journal (a SQLite file, or memory for tests).

    Parameters
    ----------
    path
        The journal file, or ``":memory:"``.
    durable
        ``synchronous=FULL`` (survives a power cut) or ``NORMAL`` (survives a killed process).
    """

    def __init__(self, path: str | Path, *, durable: bool = True) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self.path, isolation_level=None, timeout=30.0)
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute(f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}")
        for statement in SCHEMA:
            self._conn.execute(statement)

    def close(self) -> None:
        """Close the file."""
        self._conn.close()

    def settings(self, account: str) -> dict[str, Any] | None:
        """The settings an account was opened with, or None for a new account."""
        row = self._conn.execute(
            "SELECT settings FROM sim_accounts WHERE account = ?", (account,)
        ).fetchone()
        return json.loads(row[0]) if row else None

    def create(self, account: str, settings: Mapping[str, Any]) -> None:
        """Open a new account."""
        self._conn.execute(
            "INSERT INTO sim_accounts (account, settings, created_at) VALUES (?, ?, ?)",
            (account, json.dumps(dict(settings), sort_keys=True), datetime.now(UTC).isoformat()),
        )

    def calls(self, account: str) -> list[JournalCall]:
        """Every call of ``account`` in order."""
        rows = self._conn.execute(
            "SELECT seq, kind, t_ns, payload FROM sim_calls WHERE account = ? ORDER BY seq",
            (account,),
        ).fetchall()
        return [JournalCall(s, k, pd.Timestamp(t, tz="UTC"), json.loads(p)) for s, k, t, p in rows]

    def append(self, account: str, kind: str, t: pd.Timestamp, payload: Mapping[str, Any]) -> None:
        """Commit one call (returns after the commit)."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            seq = self._conn.execute(
                "SELECT coalesce(max(seq), 0) + 1 FROM sim_calls WHERE account = ?", (account,)
            ).fetchone()[0]
            self._conn.execute(
                "INSERT INTO sim_calls (account, seq, kind, t_ns, payload) VALUES (?, ?, ?, ?, ?)",
                (account, seq, kind, int(t.value), json.dumps(dict(payload))),
            )
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def submitted_ids(self, account: str, *, duplicates: bool = False) -> list[str]:
        """Client order ids of every submit the account accepted, in order (tests, audits);
        with ``duplicates``, the repeated ids it refused instead."""
        kind = "duplicate" if duplicates else "submit"
        return [str(c.payload["client_order_id"]) for c in self.calls(account) if c.kind == kind]


class JournaledSimBroker:
    """A :class:`SimulatedBroker` whose account survives restarts (see the module docstring).

    Parameters
    ----------
    inner
        A fresh simulated broker on its own :class:`~tradewind.engine.feed.MarketFeed`.
    journal
        Where the account's calls are committed.
    account
        The account key in the journal.
    settings
        What the account was opened with (symbols, cash, fill model, seed, costs); a journal
        opened with other settings is refused rather than replayed into a different account.
    fault
        Called with a point name before each journal commit (crash tests).
    """

    name = "simulated"

    def __init__(
        self,
        inner: SimulatedBroker,
        journal: SimJournal,
        account: str,
        settings: Mapping[str, Any],
        *,
        fault: Callable[[str], None] | None = None,
    ) -> None:
        self.inner = inner
        self.journal = journal
        self.account = account
        self._fault = fault or (lambda _point: None)
        self._t: pd.Timestamp | None = None
        self._processed: pd.Timestamp | None = None
        saved = journal.settings(account)
        wanted = json.loads(json.dumps(dict(settings), sort_keys=True))
        if saved is None:
            journal.create(account, wanted)
            self.replayed = 0
        elif saved != wanted:
            changed = sorted(k for k in set(saved) | set(wanted) if saved.get(k) != wanted.get(k))
            raise ConfigError(
                f"simulated broker account {account!r} in {journal.path} was opened with other "
                f"settings ({', '.join(changed)} differ); start a new run or use another database"
            )
        else:
            self.replayed = self._replay()

    # --- Broker protocol -----------------------------------------------------------------
    def submit_all(self, requests: Sequence[OrderRequest]) -> list[SubmitOutcome]:
        """One :meth:`submit` per request, in order (each order is persisted before the next)."""
        return submit_each(self, requests)

    def submit(self, request: OrderRequest) -> list[OrderEvent]:
        """Accept ``request`` and commit it to the account's journal before answering."""
        t = pd.Timestamp(request.created_at)
        self._advance(t)
        if self.inner.lookup(request.client_order_id) is not None:
            # a repeated id changes nothing, but it is journaled: audits and the crash tests
            # check that tradewind never sends one
            self.journal.append(self.account, "duplicate", t, request_to_json(request))
        events = self.inner.submit(request)  # a duplicate id raises OrderRejected
        self._fault("sim_before_commit")
        self.journal.append(self.account, "submit", t, request_to_json(request))
        return events

    def process(self, now: pd.Timestamp) -> list[OrderEvent]:
        """Fill resting orders on the bar at ``now`` (journaled when any order is open).

        Events come once: asking again for a time already processed (a cycle running again
        after a crash) returns nothing new, as polling a broker would.
        """
        if self._processed is not None and now <= self._processed:
            return []
        changed = self._advance(now)
        if not self.inner.open_orders() and not changed:
            self._processed = now
            return self.inner.process(now)
        events = self.inner.process(now)
        self._fault("sim_before_commit")
        self.journal.append(self.account, "process", now, {})
        self._processed = now
        return events

    def catch_up(self, now: pd.Timestamp) -> int:
        """Apply the splits and dividends due by ``now`` (:meth:`SimulatedBroker.catch_up`),
        journaled when any changed the account, so a rebuilt account has them too."""
        if self._t is not None and now <= self._t:
            return 0
        changed = self.inner.catch_up(now)
        if changed:
            self._t = now
            self._fault("sim_before_commit")
            self.journal.append(self.account, "advance", now, {})
        return changed

    def cancel(self, client_order_id: ClientOrderId) -> OrderEvent | None:
        """Cancel an open order (journaled when it was open)."""
        event = self.inner.cancel(client_order_id)
        if event is not None:
            self._fault("sim_before_commit")
            t = self._t if self._t is not None else pd.Timestamp(event.ts)
            self.journal.append(self.account, "cancel", t, {"client_order_id": client_order_id})
        return event

    def lookup(self, client_order_id: ClientOrderId) -> Order | None:
        """The account's record of an order."""
        return self.inner.lookup(client_order_id)

    def open_orders(self) -> list[Order]:
        """Orders that can still fill."""
        return self.inner.open_orders()

    def positions(self) -> Mapping[str, float]:
        """Non-zero positions."""
        return self.inner.positions()

    def cash(self) -> float:
        """Cash balance."""
        return self.inner.cash()

    def cash_activities(self, after: datetime) -> list[CashActivity]:
        """The dividends the account was credited after ``after``, oldest first
        (:meth:`SimulatedBroker.cash_activities`)."""
        return self.inner.cash_activities(after)

    def submitted_ids(self) -> list[str]:
        """Every client order id this account ever received, in order."""
        return self.journal.submitted_ids(self.account)

    # --- internals -----------------------------------------------------------------------
    def _advance(self, t: pd.Timestamp) -> int:
        """Move the account's clock to ``t``; how many actions changed it on the way."""
        self._t = t
        return self.inner.advance(t)

    def _replay(self) -> int:
        calls = self.journal.calls(self.account)
        for call in calls:
            self._advance(call.t)
            if call.kind == "submit":
                self.inner.submit(request_from_json(call.payload))
            elif call.kind == "process":
                self.inner.process(call.t)
                self._processed = call.t
            elif call.kind == "cancel":
                self.inner.cancel(ClientOrderId(str(call.payload["client_order_id"])))
            elif call.kind in ("duplicate", "advance"):  # advance: the clock moved, above
                continue
            else:  # pragma: no cover - written only by this class
                raise ValueError(f"unknown journal call {call.kind!r}")
        return len(calls)
