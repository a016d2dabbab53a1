"""Rebalancing triggers: drift, calendar, regime change, and ``either`` of them.

**Drift.** With current weights ``w`` and target weights ``t`` (fractions of equity, cash being
``1 - sum``), for each position::

    absolute drift  a_i = |w_i - t_i|
    relative drift  r_i = |w_i - t_i| / t_i        (inf when t_i = 0 < w_i; 0 when both are 0)

and for the portfolio, half the sum of absolute deviations *including cash*::

    portfolio drift D = ( sum_i |w_i - t_i| + |w_cash - t_cash| ) / 2

``D`` is the fraction of equity that would have to change hands (one way) to get back to target:
0 at target, 1 for a complete swap. **The threshold applies to D**, inclusively: a drift trigger
fires when ``D >= threshold`` (with a 1e-12 tolerance, so weights exactly 0.10 apart fire at 0.10
despite floating-point rounding). The per-position figures are reported with every decision.

**Calendar.** Fires on the first trading session of each period (day, ISO week, month,
quarter): when there is no previous session, or the previous session the engine evaluated lies
in another period. Comparing with the previously evaluated session, not the calendar's
previous session, means a missed session (engine down) still fires on the next one.

**Regime change** fires when the regime differs from the previous cycle's (both known).

Every decision carries the reasons it fired, in words, for the cycle record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd

from tradewind.config.portfolio import Frequency, RebalancingSection
from tradewind.domain.arrays import FloatArray
from tradewind.domain.types import EXCHANGE_TZ, Regime

DRIFT_TOLERANCE = 1e-12

QUIET_MARGIN = 1e-9
"""Distance from the drift level within which a bar is never passed as quiet (see
:meth:`DriftTrigger.quiet_rows`): far above the rounding of a sum of weights."""


@dataclass(frozen=True)
class Drift:
    """Deviation of current from target weights (see the module docstring).

    Attributes
    ----------
    symbols
        Positions, aligned with the arrays.
    absolute, relative
        Per-position absolute and relative drift.
    cash
        ``|w_cash - t_cash|``.
    portfolio
        Half the sum of absolute deviations including cash: what the threshold is compared to.
    """

    symbols: tuple[str, ...]
    absolute: FloatArray
    relative: FloatArray
    cash: float
    portfolio: float

    @property
    def max_absolute(self) -> float:
        """Largest per-position absolute drift (0 with no positions)."""
        return float(self.absolute.max()) if self.absolute.size else 0.0

    def largest(self, k: int = 3) -> list[tuple[str, float]]:
        """The ``k`` positions with the largest absolute drift, largest first."""
        order = np.argsort(-self.absolute, kind="stable")[:k]
        return [(self.symbols[i], float(self.absolute[i])) for i in order]


def drift_from_arrays(
    current: npt.ArrayLike, target: npt.ArrayLike, symbols: Sequence[str] | None = None
) -> Drift:
    """:class:`Drift` of aligned current and target weight vectors."""
    w = np.asarray(current, dtype=np.float64)
    t = np.asarray(target, dtype=np.float64)
    if w.shape != t.shape or w.ndim != 1:
        raise ValueError(f"current and target must be aligned vectors, got {w.shape}, {t.shape}")
    if not (np.isfinite(w).all() and np.isfinite(t).all()):
        raise ValueError("weights must be finite")
    absolute = np.abs(w - t)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        relative = np.where(t > 0, absolute / np.where(t > 0, t, 1.0), np.where(w > 0, np.inf, 0.0))
    cash = abs((1.0 - float(w.sum())) - (1.0 - float(t.sum())))
    names = tuple(symbols) if symbols is not None else tuple(str(i) for i in range(w.size))
    return Drift(names, absolute, relative, cash, 0.5 * (float(absolute.sum()) + cash))


def measure_drift(current: Mapping[str, float], target: Mapping[str, float]) -> Drift:
    """:class:`Drift` of weights by symbol; a symbol missing on one side counts as 0."""
    symbols = sorted(set(current) | set(target))
    return drift_from_arrays(
        [float(current.get(s, 0.0)) for s in symbols],
        [float(target.get(s, 0.0)) for s in symbols],
        symbols,
    )


@dataclass(frozen=True)
class TriggerContext:
    """What a trigger may look at.

    Attributes
    ----------
    session
        The current trading session (a New York date; timestamps are converted).
    previous_session
        The session of the engine's previous evaluation, ``None`` on the first.
    current_weights, target_weights
        Weights by symbol; drift is not measured while either is ``None``.
    regime, previous_regime
        This cycle's and the previous cycle's regime, when known.
    """

    session: date
    previous_session: date | None = None
    current_weights: Mapping[str, float] | None = None
    target_weights: Mapping[str, float] | None = None
    regime: Regime | None = None
    previous_regime: Regime | None = None


@dataclass(frozen=True)
class TriggerDecision:
    """Whether to rebalance, and why.

    Attributes
    ----------
    fired
        True if at least one trigger fired.
    reasons
        One line per trigger that fired.
    drift
        The drift measured, when it was.
    """

    fired: bool
    reasons: tuple[str, ...] = ()
    drift: Drift | None = field(default=None, compare=False)


NOT_FIRED = TriggerDecision(False)
"""The decision of a trigger that did not fire (immutable: shared)."""


class Trigger(Protocol):
    """Decides whether this cycle rebalances."""

    def check(self, ctx: TriggerContext) -> TriggerDecision:
        """The decision for ``ctx``."""
        ...


@dataclass(frozen=True)
class DriftTrigger:
    """Fires when the portfolio drift reaches ``threshold`` (inclusive).

    Parameters
    ----------
    threshold
        Portfolio drift, in ``(0, 1]``, at or above which a rebalance fires.
    """

    threshold: float

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"drift threshold must be in (0, 1], was {self.threshold}")

    def check(self, ctx: TriggerContext) -> TriggerDecision:
        """Fire if ``drift.portfolio >= threshold``."""
        if ctx.current_weights is None or ctx.target_weights is None:
            return NOT_FIRED
        return self.decide(measure_drift(ctx.current_weights, ctx.target_weights))

    def check_arrays(
        self, current: FloatArray, target: FloatArray, symbols: Sequence[str]
    ) -> TriggerDecision:
        """:meth:`check` for aligned weight vectors (the engine's fast path, same rule)."""
        w = current.sum()
        t = target.sum()
        # cheap bound first: drift <= (sum|w| + sum|t| + |w - t|) / 2 can rule a bar out
        absolute = np.abs(current - target)
        portfolio = 0.5 * (float(absolute.sum()) + abs(float(t - w)))
        if portfolio < self.threshold - DRIFT_TOLERANCE:
            return NOT_FIRED
        return self.decide(drift_from_arrays(current, target, symbols))

    def quiet_rows(self, current: FloatArray, target: FloatArray) -> int:
        """How many leading rows of ``current`` (one weight vector per bar) :meth:`check_arrays`
        surely finds no drift on against ``target``: the engine's fast-forward over quiet bars.

        Each row's cheap bound is computed on the whole block, so its last bits may differ from
        the bound of one row; a row whose bound comes within :data:`QUIET_MARGIN` of the level
        counts as not quiet (the cycle then measures it as usual).
        """
        t = target.sum()
        bound = np.abs(current - target).sum(axis=1)
        bound += np.abs(t - current.sum(axis=1))
        bound *= 0.5
        near = bound >= self.threshold - DRIFT_TOLERANCE - QUIET_MARGIN  # NaN: not quiet
        near |= np.isnan(bound)
        return int(np.argmax(near)) if near.any() else len(bound)

    def decide(self, drift: Drift) -> TriggerDecision:
        """The decision for a measured ``drift``."""
        if drift.portfolio >= self.threshold - DRIFT_TOLERANCE:
            worst = ", ".join(f"{s} {d:.2%}" for s, d in drift.largest(3) if d > 0)
            reason = f"drift {drift.portfolio:.2%} >= threshold {self.threshold:.2%} ({worst})"
            return TriggerDecision(True, (reason,), drift)
        return TriggerDecision(False, (), drift)


def period_of(day: date, frequency: Frequency) -> tuple[int, int]:
    """The period containing ``day``: ``(year, day of year | ISO week | month | quarter)``."""
    if frequency == "daily":
        return day.year, day.timetuple().tm_yday
    if frequency == "weekly":
        iso = day.isocalendar()
        return iso.year, iso.week
    if frequency == "monthly":
        return day.year, day.month
    return day.year, (day.month - 1) // 3 + 1


def period_keys(days: Sequence[date], frequency: Frequency) -> npt.NDArray[np.int64]:
    """A number per day, equal for two days exactly when :func:`period_of` is (vectorised)."""
    if frequency == "daily":
        return np.array([d.toordinal() for d in days], dtype=np.int64)
    stamps = pd.DatetimeIndex(pd.to_datetime(list(days)))
    if frequency == "weekly":
        iso = stamps.isocalendar()
        keys = iso["year"].to_numpy(np.int64) * 100 + iso["week"].to_numpy(np.int64)
    elif frequency == "monthly":
        keys = stamps.year.to_numpy(np.int64) * 100 + stamps.month.to_numpy(np.int64)
    else:
        keys = stamps.year.to_numpy(np.int64) * 100 + stamps.quarter.to_numpy(np.int64)
    return np.asarray(keys, dtype=np.int64)


@dataclass(frozen=True)
class CalendarTrigger:
    """Fires on the first trading session of each period.

    Parameters
    ----------
    frequency
        ``daily``, ``weekly`` (ISO weeks, Monday first), ``monthly`` or ``quarterly``.
    """

    frequency: Frequency

    def quiet(self, session: date, previous: date | None) -> bool:
        """True when :meth:`check` would not fire for these sessions (``session`` lies in the
        period of ``previous``): the engine asks this on every bar and builds no context."""
        if previous is None:
            return False
        if previous == session:
            return True
        return period_of(previous, self.frequency) == period_of(session, self.frequency)

    def check(self, ctx: TriggerContext) -> TriggerDecision:
        """Fire if ``ctx.session`` opens a new period relative to ``ctx.previous_session``."""
        now = period_of(ctx.session, self.frequency)
        if (
            ctx.previous_session is not None
            and period_of(ctx.previous_session, self.frequency) == now
        ):
            return NOT_FIRED
        label = {"daily": "day", "weekly": "week", "monthly": "month", "quarterly": "quarter"}
        return TriggerDecision(
            True, (f"calendar: first session of the {label[self.frequency]} ({ctx.session})",)
        )


@dataclass(frozen=True)
class RegimeChangeTrigger:
    """Fires when the regime differs from the previous cycle's."""

    @staticmethod
    def quiet(regime: Regime | None, previous: Regime | None) -> bool:
        """True when :meth:`check` would not fire for these regimes."""
        return regime is None or previous is None or regime == previous

    def check(self, ctx: TriggerContext) -> TriggerDecision:
        """Fire if both regimes are known and differ."""
        if ctx.regime is None or ctx.previous_regime is None or ctx.regime == ctx.previous_regime:
            return NOT_FIRED
        return TriggerDecision(
            True, (f"regime change: {ctx.previous_regime.value} -> {ctx.regime.value}",)
        )


@dataclass(frozen=True)
class AnyTrigger:
    """Fires when any of ``triggers`` fires, with all their reasons (``combined``).

    An empty list never fires (rebalancing disabled).
    """

    triggers: tuple[Trigger, ...]

    def check(self, ctx: TriggerContext) -> TriggerDecision:
        """Ask every trigger (all of them, so every reason is recorded)."""
        reasons: list[str] = []
        drift: Drift | None = None
        for trigger in self.triggers:
            decision = trigger.check(ctx)
            reasons.extend(decision.reasons)
            drift = drift or decision.drift
        return TriggerDecision(bool(reasons), tuple(reasons), drift)


def trigger_from_config(
    section: RebalancingSection, *, regime_change_default: bool = False
) -> AnyTrigger:
    """The trigger ``portfolio_optimization.rebalancing`` describes.

    ``trigger_type`` picks drift, calendar or both (``combined``); ``on_regime_change`` adds
    the regime trigger (when it is None, ``regime_change_default`` decides: the engine passes
    whether the protective regime policy is on); ``enabled: false`` gives a trigger that never
    fires.
    """
    if not section.enabled:
        return AnyTrigger(())
    parts: list[Trigger] = []
    if section.trigger_type in ("drift", "combined"):
        parts.append(DriftTrigger(section.drift_threshold))
    if section.trigger_type in ("calendar", "combined"):
        parts.append(CalendarTrigger(section.frequency))
    on_change = section.on_regime_change
    if on_change or (on_change is None and regime_change_default):
        parts.append(RegimeChangeTrigger())
    return AnyTrigger(tuple(parts))


def session_date(t: date | datetime | pd.Timestamp | str) -> date:
    """The New York calendar date of ``t`` (tz-aware times are converted; naive taken as is)."""
    if isinstance(t, date) and not isinstance(t, datetime):
        return t
    ts = pd.Timestamp(t)
    if ts.tzinfo is not None:
        ts = ts.tz_convert(EXCHANGE_TZ)
    if pd.isna(ts):
        raise ValueError(f"not a time: {t!r}")
    return ts.date()
