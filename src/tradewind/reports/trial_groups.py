"""Which of a sweep's trials are really different, and which parameters changed nothing.

Two trials whose daily returns are identical, to the last bit, are one experiment run twice:
counting both inflates the number of trials the deflated Sharpe ratio corrects for and ties the
ranks PBO compares. Trials are therefore grouped by their returns and each group counts once.

A parameter *had no effect* where trials that differ only in that parameter fall in the same
group. Sweeping ``portfolio_optimization.method`` under ``regime_aware: true`` is the classic
case: the regime policy chooses the method, so every method gives the same rows.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class NoEffect:
    """A parameter that left results unchanged in some or all of the places it was varied.

    Attributes
    ----------
    param
        The dotted config path.
    unchanged, compared
        Sets of trials differing only in ``param``: how many gave identical results, of how many.
    where
        For a partial effect, the other settings under which it had none (e.g.
        ``{"portfolio_optimization.regime_aware": [True]}``), when they tell the cases apart.
    """

    param: str
    unchanged: int
    compared: int
    where: dict[str, list[object]]

    @property
    def everywhere(self) -> bool:
        """True when the parameter never changed a result."""
        return self.unchanged == self.compared

    def message(self) -> str:
        """The warning shown with the sweep's results."""
        if self.everywhere:
            return (
                f"{self.param} had no effect: in all {self.compared} sets of trials that differ "
                "only in it, the results are identical; they count once in the deflated "
                "Sharpe and PBO (check that the setting is used, e.g. a regime policy may "
                "override it)"
            )
        cases = "; ".join(f"{k}={', '.join(map(str, v))}" for k, v in self.where.items())
        scope = f" (where {cases})" if cases else ""
        return (
            f"{self.param} had no effect in {self.unchanged} of {self.compared} sets of trials "
            f"that differ only in it{scope}: those results are identical and count once"
        )


@dataclass(frozen=True)
class TrialGroups:
    """Trials grouped by identical returns.

    Attributes
    ----------
    groups
        Each group's trial ids, the group named by its first member.
    group_of
        Trial id -> the name of its group.
    """

    groups: dict[str, list[str]]
    group_of: dict[str, str]

    @property
    def effective(self) -> int:
        """Number of effectively different trials (groups)."""
        return len(self.groups)

    @property
    def representatives(self) -> list[str]:
        """One trial per group (its first member)."""
        return list(self.groups)


def group_identical(returns: Mapping[str, np.ndarray]) -> TrialGroups:
    """Group trial ids whose return series are bit-for-bit identical (insertion order kept)."""
    by_digest: dict[str, list[str]] = {}
    for tid, series in returns.items():
        digest = hashlib.sha256(np.ascontiguousarray(series, dtype=np.float64).tobytes())
        by_digest.setdefault(digest.hexdigest(), []).append(tid)
    groups = {members[0]: members for members in by_digest.values()}
    group_of = {tid: name for name, members in groups.items() for tid in members}
    return TrialGroups(groups, group_of)


@dataclass(frozen=True)
class SameValues:
    """Values of a parameter that gave identical results wherever only that parameter changed.

    Attributes
    ----------
    param
        The dotted config path.
    values
        Each class of interchangeable values (two or more each).
    """

    param: str
    values: list[list[object]]

    def message(self) -> str:
        """The warning shown with the sweep's results."""
        classes = "; ".join(", ".join(map(str, v)) for v in self.values)
        return (
            f"{self.param}: the values {classes} gave identical results wherever only "
            "it changed; each such set counts once"
        )


def _sets(params: Mapping[str, Mapping[str, object]], key: str) -> list[list[str]]:
    """Trial ids grouped by every parameter but ``key``, where ``key`` takes 2+ values."""
    sets: dict[str, list[str]] = defaultdict(list)
    for tid, p in params.items():
        if key in p:
            sets[_canon({k: v for k, v in p.items() if k != key})].append(tid)
    return [ids for ids in sets.values() if len({_canon(params[t][key]) for t in ids}) > 1]


def same_values(
    params: Mapping[str, Mapping[str, object]], groups: TrialGroups
) -> list[SameValues]:
    """For each parameter, the values that never changed a result against each other.

    Two values are interchangeable when, in every set of trials differing only in this
    parameter that holds both, their trials gave identical results. Parameters that had no
    effect at all are left to :func:`no_effect_params`.
    """
    out: list[SameValues] = []
    for key in dict.fromkeys(k for p in params.values() for k in p):
        together: dict[tuple[str, str], bool] = {}
        shown: dict[str, object] = {}
        for ids in _sets(params, key):
            group_by_value = {_canon(params[t][key]): groups.group_of[t] for t in ids}
            shown.update({_canon(params[t][key]): params[t][key] for t in ids})
            for a, b in itertools.combinations(sorted(group_by_value), 2):
                same = group_by_value[a] == group_by_value[b]
                together[(a, b)] = together.get((a, b), True) and same
        classes = _components([pair for pair, same in together.items() if same])
        if classes and not (len(classes) == 1 and len(classes[0]) == len(shown)):
            ordered = [[shown[v] for v in shown if v in c] for c in classes]
            out.append(SameValues(key, ordered))
    return out


def _components(pairs: list[tuple[str, str]]) -> list[set[str]]:
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for a, b in pairs:
        parent[root(a)] = root(b)
    classes: dict[str, set[str]] = defaultdict(set)
    for x in parent:
        classes[root(x)].add(x)
    return [c for c in classes.values() if len(c) > 1]


def no_effect_params(
    params: Mapping[str, Mapping[str, object]], groups: TrialGroups
) -> list[NoEffect]:
    """Parameters that left results identical where they alone changed (see the module doc).

    ``params`` maps each successful trial's id to its parameters.
    """
    keys = list(dict.fromkeys(k for p in params.values() for k in p))
    found: list[NoEffect] = []
    for key in keys:
        compared = _sets(params, key)
        same = [ids for ids in compared if len({groups.group_of[t] for t in ids}) == 1]
        if same:
            where = _where(params, key, same, [ids for ids in compared if ids not in same])
            found.append(NoEffect(key, len(same), len(compared), where))
    return found


def _where(
    params: Mapping[str, Mapping[str, object]],
    key: str,
    same: list[list[str]],
    differ: list[list[str]],
) -> dict[str, list[object]]:
    """Other settings whose values never overlap between the no-effect and the effect sets."""
    if not differ:
        return {}
    out: dict[str, list[object]] = {}
    others = [k for k in params[same[0][0]] if k != key]
    for other in others:
        quiet = {_canon(params[ids[0]][other]): params[ids[0]][other] for ids in same}
        loud = {_canon(params[ids[0]][other]) for ids in differ}
        if not set(quiet) & loud:
            out[other] = list(quiet.values())
    return out


def _canon(value: object) -> str:
    return json.dumps(value, sort_keys=True, default=str)
