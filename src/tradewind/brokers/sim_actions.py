"""The simulated broker's corporate actions: splits and cash dividends applied to its account.

A real broker applies a split to the shares held and credits a dividend to the cash; the
simulator of a wall-clock run does the same with the actions its market data lists
(:class:`~tradewind.domain.actions.CorporateAction`), each once, when its clock reaches the
action's ``at`` (the ex-date bar's stamp), before any call made at that time:

* a split multiplies the quantity held by its ratio and divides the average cost by it; the
  symbol's open orders are canceled (their quantities and limits were set in the old shares: a
  broker cancels, or a day order expires, and tradewind places new ones on the next cycle);
* a dividend credits ``held x dividend`` (the quantity after a split on the same day) and is
  listed as a :class:`~tradewind.domain.cash.CashActivity` with a stable id
  (``sim:div:AAPL:2024-06-27``), ``on`` the ex date, as a live broker lists its dividends.

Applying them while the journal is replayed gives the same account: the actions come from the
data, ordered by ``(at, symbol)``, and each applies before the journal's calls at its time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from tradewind.domain.actions import CorporateAction
from tradewind.domain.arrays import FloatArray
from tradewind.domain.cash import CashActivity
from tradewind.domain.ledger import Ledger


@dataclass(frozen=True, slots=True)
class Credited:
    """A dividend the simulator credited: when (its clock's time as it applied it, at or after
    the action's ``at``; the same on a replay) and the entry it lists."""

    at: datetime
    activity: CashActivity


class SimActions:
    """The actions still to apply to one simulated account, and the dividends it credited.

    Parameters
    ----------
    actions
        The data's actions (any order); those of symbols the account does not track are ignored.
    """

    def __init__(self, actions: Sequence[CorporateAction]) -> None:
        self._todo = sorted(actions, key=lambda a: (a.at, a.symbol))
        self._next = 0
        self.credited: list[Credited] = []
        """Dividends credited so far, oldest first."""

    @property
    def pending(self) -> bool:
        """Whether an action is still to apply."""
        return self._next < len(self._todo)

    def apply(self, ledger: Ledger, now: datetime, cancel: Callable[[str, str], int]) -> int:
        """Apply to ``ledger`` every action due at ``now`` (``at <= now``) not applied yet.

        ``cancel(symbol, reason)`` cancels the symbol's open orders at a split and says how
        many it canceled. Returns how many actions changed the account (shares held, or an
        order canceled): 0 when nothing changed.
        """
        changed = 0
        todo = self._todo
        while self._next < len(todo) and todo[self._next].at <= now:
            action = todo[self._next]
            self._next += 1
            if action.symbol in ledger.columns and _apply(
                ledger, action, now, cancel, self.credited
            ):
                changed += 1
        return changed

    def shares_as_of(
        self,
        volume: FloatArray,
        times: pd.DatetimeIndex,
        symbols: Sequence[str],
        now: datetime,
    ) -> FloatArray:
        """``volume`` (rows ``times``, columns ``symbols``: traded volumes, in the shares of each
        bar's day) in the shares of ``now``: each bar's volume times the splits of its symbol
        between the bar and ``now``. The cost model then sees what an order placed now is in,
        and a journal replayed after a later split sees the same figures."""
        splits = [a for a in self._todo if a.is_split and a.at <= now]
        if not splits:
            return volume
        out = np.array(volume, dtype=float, copy=True)
        stamps = times.as_unit("ns").asi8
        for a in splits:
            if a.symbol in symbols:
                k = list(symbols).index(a.symbol)
                out[stamps < pd.Timestamp(a.at).value, k] *= a.split
        return out

    def activities(self, after: datetime) -> list[CashActivity]:
        """The dividends credited after ``after`` (by the simulator's clock), oldest first."""
        return [c.activity for c in self.credited if c.at > after]


def _apply(
    ledger: Ledger,
    action: CorporateAction,
    now: datetime,
    cancel: Callable[[str, str], int],
    credited: list[Credited],
) -> bool:
    """Apply one action; whether it changed the account."""
    i = ledger.index_of(action.symbol)
    held = ledger.quantity.item(i)
    canceled = 0
    if action.is_split:
        canceled = cancel(action.symbol, f"canceled by the {action.describe()}")
        if held:
            held *= action.split
            ledger.set_position(action.symbol, held, ledger.average_cost.item(i) / action.split)
    if action.dividend > 0 and held > 0:
        amount = held * action.dividend
        ledger.cash += amount
        activity = CashActivity(
            f"sim:div:{action.symbol}:{action.ex_date.isoformat()}",
            "dividend",
            action.symbol,
            amount,
            action.ex_date,
            "DIV",
        )
        credited.append(Credited(now, activity))
    return bool(held or canceled)
