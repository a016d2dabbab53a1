"""The "Optimization Method Used" line of a weekly report: the methods the optimizer ran with
in the week, or, without an optimization that week, the method of the targets still held."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from tradewind.domain.records import Decision
from tradewind.reports.rolling import NEW_YORK
from tradewind.reports.week_index import DecisionIndex

_METHOD_NAMES = {
    "max_sharpe": "Max Sharpe",
    "min_variance": "Min Variance",
    "risk_parity": "Risk Parity",
    "equal_weight": "Equal Weight",
    "hrp": "Hierarchical Risk Parity",
}


def method_name(method: str) -> str:
    """The display name of an optimization method (``max_sharpe`` -> ``Max Sharpe``)."""
    return _METHOD_NAMES.get(method, method)


def week_methods(decisions: Sequence[Decision], t0: pd.Timestamp, t1: pd.Timestamp) -> str:
    """The method(s) the optimizer ran with between ``t0`` and ``t1`` (in order of use), or,
    without an optimization that week, the method of the targets still held."""
    return _methods(DecisionIndex(decisions), pd.Timestamp(t0).value, pd.Timestamp(t1).value)


def _methods(decisions: DecisionIndex, t0: int, t1: int) -> str:
    """:func:`week_methods` on indexed decisions (times in nanoseconds UTC)."""
    used = decisions.methods_used(t0, t1)
    if used:
        return ", ".join(method_name(m) for m in used)
    held = decisions.held_before(t0)
    return "none yet" if held is None else _held_text(held)


def _held_text(held: Decision) -> str:
    """The method line of a week without an optimization, holding ``held``'s targets."""
    since = pd.Timestamp(held.ts).tz_convert(NEW_YORK).date().isoformat()
    return f"none this week (holding {method_name(held.method)} targets of {since})"


class MethodLines:
    """The method line of each week (:func:`week_methods`) from the positions
    :meth:`DecisionIndex.method_windows` gives, what many weeks share (the targets held, their
    method's line) built once."""

    def __init__(self, decisions: DecisionIndex) -> None:
        self._decisions = decisions.decisions
        self._held: dict[int, str] = {}
        self._targets: dict[int, np.ndarray] = {}

    def text(self, used: list[int], held: int) -> str:
        """The line for the decisions ``used`` in the week and the one ``held`` before it."""
        if used:
            methods = dict.fromkeys(self._decisions[i].method for i in used)
            return ", ".join(method_name(m) for m in methods)
        if held < 0:
            return "none yet"
        if held not in self._held:
            self._held[held] = _held_text(self._decisions[held])
        return self._held[held]

    def targets(self, position: int) -> np.ndarray:
        """The targets of the decision at ``position``, as an array."""
        if position not in self._targets:
            self._targets[position] = np.asarray(tuple(self._decisions[position].targets))
        return self._targets[position]
