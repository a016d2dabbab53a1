"""The detector contract, its result type, and the online/batch machinery every detector shares.

A detector is fed the benchmark index bars (and VIX) **up to t** and answers a
:class:`RegimeEstimate`. There are two ways to drive it, one code path underneath:

* **online** - :meth:`BaseDetector.update` with the history known at ``t``; it steps through the
  bars it has not seen yet and returns the estimate at the last one (the engine's cycle);
* **batch** - :meth:`BaseDetector.detect_series` on a whole history, for evaluation/backtests.

Both compute the causal features (:func:`~tradewind.regime.features.compute_features`) and call
the same ``_step`` for each bar in order, so the batch result at ``t`` is exactly what the online
path returns at ``t`` (``tests/regime/test_detectors.py`` checks it bar by bar).

Raw decisions go through a :class:`Stabilizer`: a new regime must be seen ``confirm_days`` bars in
a row, and a regime is held at least ``min_stay_days`` bars, so the output does not flap.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Protocol, Self, runtime_checkable

import numpy as np
import pandas as pd

from tradewind.domain.errors import DataError
from tradewind.domain.types import Regime
from tradewind.regime.features import FeatureSpec, compute_features
from tradewind.regime.fitcache import FitCache, fingerprint
from tradewind.regime.vix import VixInput

REGIMES: tuple[Regime, ...] = (Regime.BULL, Regime.BEAR, Regime.CHOPPY, Regime.VOLATILE)
"""The four regimes in a fixed order (rows/columns of confusion matrices, probability vectors)."""


class RegimeWarmupError(DataError):
    """Not enough history yet for the detector to decide; the cycle must not act on a regime."""


@dataclass(frozen=True, slots=True)
class RegimeEstimate:
    """One detector decision at one bar.

    Attributes
    ----------
    ts
        Bar-end timestamp (UTC) the decision is for; it uses data stamped at or before ``ts``.
    regime
        The regime in force after hysteresis and minimum stay.
    confidence
        In [0, 1]: the detector's support for ``regime`` (see each detector's notes).
    features
        The feature values the detector used at ``ts``, for the record and the dashboard.
    is_vix_proxy
        True when the VIX used at ``ts`` is the realized-volatility proxy, not the index.
    raw_regime
        The detector's unstabilized decision at ``ts``.
    detector
        Name of the detector (``rules``, ``jump``, ``hmm``, ``baseline``).
    probabilities
        Per-regime support, when the detector has one (statistical detectors).
    """

    ts: pd.Timestamp
    regime: Regime
    confidence: float
    features: Mapping[str, float]
    is_vix_proxy: bool
    raw_regime: Regime
    detector: str
    probabilities: Mapping[Regime, float] | None = None


@runtime_checkable
class RegimeDetector(Protocol):
    """What the engine and the evaluation need from any regime detector."""

    name: str

    def update(
        self, bars: pd.DataFrame, vix: VixInput = None, *, close_only: bool = False
    ) -> RegimeEstimate:
        """Advance through the unseen bars of ``bars`` (history up to t) and decide at t."""
        ...

    def detect_series(
        self, bars: pd.DataFrame, vix: VixInput = None, *, close_only: bool = False
    ) -> pd.DataFrame:
        """Decisions at every bar of ``bars``, identical to :meth:`update` at each bar."""
        ...

    def reset(self) -> None:
        """Forget all state (fitted models, stabilizer, last bar seen)."""
        ...


@dataclass(frozen=True, slots=True)
class RawDecision:
    """A detector's unstabilized decision at one bar."""

    regime: Regime
    confidence: float
    probabilities: Mapping[Regime, float] | None = None


@dataclass(slots=True)
class Stabilizer:
    """Hold a regime until a different one is confirmed and the minimum stay has passed.

    Parameters
    ----------
    min_stay_days
        Bars a regime is held after it starts before another switch is allowed.
    confirm_days
        Consecutive bars a new raw regime must be seen before switching to it.
    """

    min_stay_days: int = 5
    confirm_days: int = 1
    current: Regime | None = None
    days_in: int = 0
    candidate: Regime | None = None
    candidate_days: int = 0

    def step(self, raw: Regime) -> Regime:
        """Feed the raw decision of the next bar; return the regime in force at that bar."""
        if self.current is None:
            self.current, self.days_in = raw, 1
            return raw
        self.days_in += 1
        if raw == self.current:
            self.candidate, self.candidate_days = None, 0
            return self.current
        if raw == self.candidate:
            self.candidate_days += 1
        else:
            self.candidate, self.candidate_days = raw, 1
        if self.candidate_days >= self.confirm_days and self.days_in > self.min_stay_days:
            self.current, self.days_in = raw, 1
            self.candidate, self.candidate_days = None, 0
        return self.current


@dataclass(slots=True)
class _Online:
    """Per-run state of the base detector."""

    stabilizer: Stabilizer
    last_ts: pd.Timestamp | None = None
    last: RegimeEstimate | None = None
    n_seen: int = 0
    records: list[dict[str, object]] = field(default_factory=list)


class BaseDetector(ABC):
    """Shared online/batch driver; subclasses implement :meth:`_decide` (and optionally a model).

    Parameters
    ----------
    min_stay_days
        Minimum bars a regime is held (``regime.min_stay_days``).
    confirm_days
        Bars a new regime must persist before it is adopted.
    spec
        Feature windows.
    """

    name: ClassVar[str] = ""
    used_features: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        *,
        min_stay_days: int = 5,
        confirm_days: int = 1,
        spec: FeatureSpec | None = None,
    ) -> None:
        self.min_stay_days = min_stay_days
        self.confirm_days = confirm_days
        self.spec = spec or FeatureSpec()
        self.fit_cache: FitCache | None = None
        """Fits and feature frames shared with the other detectors of one evaluation run
        (:mod:`~tradewind.regime.fitcache`); None computes everything afresh. Results do not
        depend on it."""
        self.bar_sink: Callable[[int, RegimeEstimate | None], None] | None = None
        """Told, in a batch run, each bar's position and estimate (None while warming up) as
        soon as it is decided (a backtest reads them while the run is computed)."""
        self._run = self._new_run()

    # --- hooks ------------------------------------------------------------------------------
    @abstractmethod
    def _decide(self, i: int, X: np.ndarray, columns: Mapping[str, int]) -> RawDecision | None:
        """Raw decision at row ``i`` of the feature matrix ``X``, reading rows ``<= i`` only.

        Return None while the detector cannot decide yet (warm-up).
        """

    def _reset_model(self) -> None:  # noqa: B027 - optional hook, a no-op by default
        """Forget fitted model state (statistical detectors)."""

    def _prepare_batch(self, feats: pd.DataFrame) -> None:  # noqa: B027 - optional hook
        """Before a batch run over all of ``feats`` from a fresh state: precompute what can be
        (e.g. fits whose windows are known in advance); must not change any result."""

    def _finish_batch(self) -> None:  # noqa: B027 - optional hook
        """After a batch run (finished or failed): release what :meth:`_prepare_batch` set up."""

    @property
    def warmup(self) -> int:
        """Bars of history needed before the first decision."""
        return self.spec.warmup

    @property
    def recorded_features(self) -> tuple[str, ...]:
        """Feature columns recorded with each estimate (those the detector decides on)."""
        return self.used_features

    @property
    def current_regime(self) -> Regime | None:
        """The stabilized regime in force after the last bar processed (None before any)."""
        return self._run.stabilizer.current

    # --- public API ---------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget all state: fitted model, stabilizer and the last bar seen."""
        self._reset_model()
        self._run = self._new_run()

    def features(
        self, bars: pd.DataFrame, vix: VixInput = None, *, close_only: bool = False
    ) -> pd.DataFrame:
        """The causal feature frame this detector decides on (a fresh frame the caller owns)."""
        cache, spec = self.fit_cache, self.spec
        if cache is None:
            return compute_features(bars, vix, close_only=close_only, spec=spec)
        frame = cache.get_or_compute(
            fingerprint("compute_features", bars, vix, close_only, spec),
            lambda: compute_features(bars, vix, close_only=close_only, spec=spec),
        )
        return frame.copy()

    def update(
        self, bars: pd.DataFrame, vix: VixInput = None, *, close_only: bool = False
    ) -> RegimeEstimate:
        """Decide at the last bar of ``bars`` (the history known at t).

        Bars not seen by earlier calls are processed in order, so a skipped cycle is caught up;
        calling again with the same last bar returns the same estimate.

        Raises
        ------
        RegimeWarmupError
            While fewer bars than the detector needs have been seen.
        """
        feats = self.features(bars, vix, close_only=close_only)
        run = self._run
        start = 0 if run.last_ts is None else int(feats.index.searchsorted(run.last_ts, "right"))
        self._advance(feats, start, record=False)
        if run.last is None:
            raise RegimeWarmupError(
                f"regime detector {self.name!r} needs about {self.warmup} bars of history, "
                f"has {len(feats)}"
            )
        return run.last

    def detect_series(
        self, bars: pd.DataFrame, vix: VixInput = None, *, close_only: bool = False
    ) -> pd.DataFrame:
        """Run from a fresh state over every bar; one row per bar.

        Returns
        -------
        pandas.DataFrame
            Indexed by bar timestamp; columns ``regime`` and ``raw_regime`` (strings, missing
            during warm-up), ``confidence``, ``vix_is_proxy``, then the features used.
        """
        self.reset()
        feats = self.features(bars, vix, close_only=close_only)
        self._prepare_batch(feats)
        try:
            self._advance(feats, 0, record=True)
        finally:
            self._finish_batch()
        records = self._run.records
        out = pd.DataFrame.from_records(records, index="ts") if records else None
        cols = ["regime", "raw_regime", "confidence", "vix_is_proxy", *self.recorded_features]
        if out is None:
            return pd.DataFrame(index=feats.index, columns=cols)
        out = out.reindex(feats.index)
        out["vix_is_proxy"] = feats["vix_is_proxy"].astype(bool)
        for name in self.recorded_features:
            out[name] = feats[name]
        return out[cols]

    # --- internals ----------------------------------------------------------------------------
    def _new_run(self) -> _Online:
        return _Online(Stabilizer(self.min_stay_days, self.confirm_days))

    def _advance(self, feats: pd.DataFrame, start: int, *, record: bool) -> None:
        columns = {c: j for j, c in enumerate(feats.columns)}
        X = feats.to_numpy(dtype=float)
        index = feats.index
        run = self._run
        for i in range(start, len(feats)):
            ts = index[i]
            decision = self._decide(i, X, columns) if i >= self.warmup - 1 else None
            run.last_ts = ts
            run.n_seen = i + 1
            if decision is None:
                if record and self.bar_sink is not None:
                    self.bar_sink(i, None)
                continue
            estimate = self._estimate(ts, decision, X[i], columns)
            run.last = estimate
            if record and self.bar_sink is not None:
                self.bar_sink(i, estimate)
            if record:
                run.records.append(
                    {
                        "ts": ts,
                        "regime": estimate.regime.value,
                        "raw_regime": estimate.raw_regime.value,
                        "confidence": estimate.confidence,
                    }
                )

    def _estimate(
        self, ts: pd.Timestamp, d: RawDecision, row: np.ndarray, columns: Mapping[str, int]
    ) -> RegimeEstimate:
        regime = self._run.stabilizer.step(d.regime)
        if d.probabilities is not None:
            confidence = float(d.probabilities.get(regime, 0.0))
        elif regime == d.regime:
            confidence = d.confidence
        else:
            confidence = 1.0 - d.confidence
        feats = {name: float(row[columns[name]]) for name in self.recorded_features}
        return RegimeEstimate(
            ts=ts,
            regime=regime,
            confidence=float(np.clip(confidence, 0.0, 1.0)),
            features=feats,
            is_vix_proxy=bool(row[columns["vix_is_proxy"]] > 0),
            raw_regime=d.regime,
            detector=self.name,
            probabilities=d.probabilities,
        )

    def fit(self, bars: pd.DataFrame, vix: VixInput = None, *, close_only: bool = False) -> Self:
        """Run over ``bars`` to warm the detector (online state at the last bar); returns self."""
        self.reset()
        feats = self.features(bars, vix, close_only=close_only)
        self._advance(feats, 0, record=False)
        return self
