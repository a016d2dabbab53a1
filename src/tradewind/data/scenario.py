"""What a synthetic market is made of: per-regime parameters and optional shocks.

:class:`RegimeParams` holds one :class:`RegimeSpec` per :class:`~tradewind.domain.Regime` and
where each regime goes when it ends. Regimes switch only between sessions, as a Markov chain
whose expected stay in regime ``k`` is ``specs[k].stay`` sessions. The shocks are deterministic
edits applied on top of the random path; they draw no random numbers, so a market generated
with and without a shock differs only by the shock.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

from tradewind.domain.types import Regime

REGIMES: tuple[Regime, ...] = tuple(Regime)
"""Regimes in a fixed order: the integer codes the generator uses."""


@dataclass(frozen=True)
class RegimeSpec:
    """How the market behaves while in one regime.

    Attributes
    ----------
    drift
        Annualized mean log return of the index (252 sessions a year).
    vol
        Annualized volatility of index log returns.
    corr
        Pairwise correlation of stock log returns, in ``[0, 1)``.
    vix
        Level the VIX-like series reverts to.
    volume
        Volume multiplier (1.0 = a symbol's normal volume).
    stay
        Expected stay in the regime, in sessions (at least 1).
    """

    drift: float
    vol: float
    corr: float
    vix: float
    volume: float
    stay: float

    def __post_init__(self) -> None:
        problems = []
        if not self.vol > 0:
            problems.append(f"vol must be > 0, was {self.vol}")
        if not 0 <= self.corr < 1:
            problems.append(f"corr must be in [0, 1), was {self.corr}")
        if not self.vix > 0:
            problems.append(f"vix must be > 0, was {self.vix}")
        if not self.volume > 0:
            problems.append(f"volume must be > 0, was {self.volume}")
        if not self.stay >= 1:
            problems.append(f"stay must be >= 1 session, was {self.stay}")
        if problems:
            raise ValueError("; ".join(problems))


_B, _R, _C, _V = Regime.BULL, Regime.BEAR, Regime.CHOPPY, Regime.VOLATILE

DEFAULT_SPECS: Mapping[Regime, RegimeSpec] = MappingProxyType(
    {
        _B: RegimeSpec(drift=0.22, vol=0.12, corr=0.30, vix=13.0, volume=1.0, stay=500),
        _R: RegimeSpec(drift=-0.28, vol=0.24, corr=0.55, vix=28.0, volume=1.4, stay=250),
        _C: RegimeSpec(drift=0.02, vol=0.16, corr=0.35, vix=20.0, volume=1.1, stay=125),
        _V: RegimeSpec(drift=-0.10, vol=0.40, corr=0.70, vix=40.0, volume=2.0, stay=42),
    }
)
"""Default regimes: a calm rising market, a falling one, a sideways one and a turbulent one.

Drift, volatility, correlation and volume describe S&P 500-like markets in each state. The
expected stays and VIX levels follow how long real regimes last and where the real VIX sits in
them (S&P 500 and CBOE VIX, 1990-2022):

* ``stay`` - BULL 500 sessions (two years: calm advances such as 2003-2007, 2012-2014 or
  2016-2017 lasted years); BEAR 250 (a year: the 2000-2002, 2007-2009 and 2022 declines lasted
  about 9 to 30 months); CHOPPY 125 (six months, the short end of sideways spells such as 2011,
  2015-2016 or 2018); VOLATILE 42 (two months: crises such as late 2008, August 2011 or
  March-April 2020 lasted one to three months). Stays are geometric (a Markov chain), so shorter
  and longer spells occur too.
* ``vix`` - BULL 13 (the VIX sits at about 12-15 in calm markets), CHOPPY 20 (17-22 in sideways
  ones), BEAR 28 (25-30 in bear markets) and VOLATILE 40 (35 and above in crises). Against the
  index volatilities (12%, 16%, 24%, 40%) that is the usual variance premium of VIX over
  realized volatility (about 1.1-1.25x) outside crises, where the two meet.

In the long run they give the index about 5% a year (log) at about 18% volatility, with 54% of
sessions BULL, 24% BEAR, 17% CHOPPY and 4% VOLATILE, about 1.1 regime switches a year and a
mean VIX of about 19 (the real VIX averaged about 19.5 over 1990-2022). The stays were 150, 45,
50 and 25 sessions and the VIX levels 14, 26, 18 and 35 until issue 5: with spells shorter than
a detector needs to recognise them and BULL/CHOPPY VIX levels a noise band apart, even the
Bayes filter that knows these parameters (:mod:`tradewind.regime.oracle`) labelled only 83% of
held-out sessions correctly (balanced accuracy); with these it reaches about 94%.
"""

DEFAULT_EXITS: Mapping[Regime, Mapping[Regime, float]] = MappingProxyType(
    {
        _B: MappingProxyType({_C: 0.5, _V: 0.3, _R: 0.2}),
        _R: MappingProxyType({_C: 0.4, _V: 0.4, _B: 0.2}),
        _C: MappingProxyType({_B: 0.5, _R: 0.25, _V: 0.25}),
        _V: MappingProxyType({_R: 0.4, _C: 0.4, _B: 0.2}),
    }
)
"""Where each regime goes when it ends (probabilities over the other regimes)."""


@dataclass(frozen=True)
class RegimeParams:
    """Parameters of the regime-switching market; override with :meth:`with_regime` or
    :func:`dataclasses.replace`.

    Attributes
    ----------
    specs
        One spec per regime.
    exits
        For each regime, the probabilities of the regime that follows it.
    initial
        Regime of the first session; None draws it from the chain's long-run distribution.
    vix_half_life
        Sessions for the VIX-like series to close half its gap to the regime's level (5: VIX
        spikes inside a regime fade within one to two weeks).
    vix_noise
        Daily standard deviation of VIX shocks at a level of 20 (scaled with the level; 1.5 is
        about 7.5% a day, the typical size of daily VIX changes).
    vix_market_corr
        Correlation of VIX shocks with index shocks (negative: VIX rises when prices fall; the
        real daily correlation is about -0.7 to -0.8).
    vix_floor
        Lowest value the VIX-like series takes (the real VIX has never closed below 9).
    """

    specs: Mapping[Regime, RegimeSpec] = field(default_factory=lambda: dict(DEFAULT_SPECS))
    exits: Mapping[Regime, Mapping[Regime, float]] = field(
        default_factory=lambda: dict(DEFAULT_EXITS)
    )
    initial: Regime | None = None
    vix_half_life: float = 5.0
    vix_noise: float = 1.5
    vix_market_corr: float = -0.7
    vix_floor: float = 9.0

    def __post_init__(self) -> None:
        missing = [r.value for r in REGIMES if r not in self.specs]
        if missing:
            raise ValueError(f"specs lacks regime(s) {missing}")
        for regime in REGIMES:
            row = self.exits.get(regime, {})
            bad = not row or regime in row or min(row.values()) < 0
            if bad or abs(sum(row.values()) - 1) > 1e-9:
                raise ValueError(
                    f"exits[{regime.value}] must give probabilities >= 0 summing to 1 over the "
                    f"other regimes, was {dict(row)}"
                )
        if not -1 <= self.vix_market_corr <= 1:
            raise ValueError(f"vix_market_corr must be in [-1, 1], was {self.vix_market_corr}")
        if self.vix_half_life <= 0 or self.vix_noise < 0:
            raise ValueError("vix_half_life must be > 0 and vix_noise >= 0")

    def with_regime(self, regime: Regime, **changes: Any) -> RegimeParams:
        """A copy with some fields of one regime's spec changed, e.g. ``vol=0.3``."""
        specs = dict(self.specs)
        specs[regime] = dataclasses.replace(specs[regime], **changes)
        return dataclasses.replace(self, specs=specs)

    def column(self, name: str) -> npt.NDArray[np.float64]:
        """One spec field for every regime, in :data:`REGIMES` order."""
        return np.array([getattr(self.specs[r], name) for r in REGIMES], dtype=float)

    def transition_matrix(self) -> npt.NDArray[np.float64]:
        """Per-session transition probabilities, rows and columns in :data:`REGIMES` order."""
        stay = self.column("stay")
        matrix = np.zeros((len(REGIMES), len(REGIMES)))
        for i, regime in enumerate(REGIMES):
            matrix[i, i] = 1 - 1 / stay[i]
            for j, other in enumerate(REGIMES):
                if other != regime:
                    matrix[i, j] = self.exits[regime].get(other, 0.0) / stay[i]
        return matrix

    def long_run(self) -> npt.NDArray[np.float64]:
        """Long-run share of sessions spent in each regime, in :data:`REGIMES` order."""
        values, vectors = np.linalg.eig(self.transition_matrix().T)
        share = np.real(vectors[:, int(np.argmin(np.abs(values - 1)))])
        return np.asarray(share / share.sum(), dtype=float)


@dataclass(frozen=True)
class GapDown:
    """Open ``size`` below the previous close on session ``day``, then move as drawn.

    ``symbols`` None hits every symbol and the index; on hourly bars the gap is in the first bar.
    """

    day: date
    size: float
    symbols: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if not 0 < self.size < 1:
            raise ValueError(f"GapDown.size must be in (0, 1), was {self.size}")


@dataclass(frozen=True)
class Crash:
    """A decline of ``total`` (a fraction) over ``sessions`` sessions from ``start``, on top of
    the drawn moves, for every symbol and the index alike (spread evenly in log terms)."""

    start: date
    sessions: int
    total: float

    def __post_init__(self) -> None:
        if not 0 < self.total < 1 or self.sessions < 1:
            raise ValueError("Crash.total must be in (0, 1) and Crash.sessions >= 1")


@dataclass(frozen=True)
class Halt:
    """``symbol`` has no bars from session ``start`` to session ``end`` inclusive.

    Its price keeps evolving unseen, so the first bar after the halt gaps to where it went.
    """

    symbol: str
    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"Halt.end {self.end} is before Halt.start {self.start}")


@dataclass(frozen=True)
class MissingBars:
    """Drop ``count`` randomly chosen bars of each of ``symbols`` (None: every symbol)."""

    count: int
    symbols: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.count < 0:
            raise ValueError(f"MissingBars.count must be >= 0, was {self.count}")


Shock = GapDown | Crash | Halt | MissingBars
