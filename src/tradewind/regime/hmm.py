"""The ``hmm`` detector: a Gaussian HMM anchored to VIX bands, read through **filtered**
probabilities and a switch penalty.

The model (:mod:`tradewind.regime.hmm_em`) has one state per regime; given the state, the daily
index return is normal and the VIX an AR(1) around the state's level, its shock tied to the
return. Every state's VIX level and return volatility are kept inside the regime's VIX band
(default edges 16, 23.5 and 32.5), so a state *is* a regime and one absent from the training
window still has a state.

Schedule (causal by construction): at a bar ``i`` with no model yet, or ``refit_days`` bars
after the last fit, the model is fitted by EM on the rows among the last ``train_days`` bars up
to and including ``i`` (a refit starts from the previous fit) and the forward filter is run over
that window, so the filtered distribution at ``i`` comes from rows ``<= i``. Between refits the
filter advances one bar at a time:

    alpha_t  ~  (alpha_(t-1) A)  *  p(r_t, v_t | state)

Smoothed probabilities serve only the fit. Decisions wait for ``min_train_days`` usable rows.

Decision at ``t``:

1. **Balanced scores** ``q_k ~ alpha_t(k) / max(pi_k, share_floor)``, ``pi`` the fitted
   long-run shares: dividing by the prior share is the Bayes rule for balanced accuracy (every
   regime counts the same however rare). The floor keeps a regime barely seen in the window from
   being favoured more than ``1 / share_floor`` times.
2. **Switch penalty**: the raw regime is the end state of the cheapest path through the costs
   ``-log max(q_k, 1e-4)`` seen so far, paying ``switch_penalty`` per switch (the online
   dynamic program of the jump model, :func:`~tradewind.regime.jump_model.forward_values`, on these
   costs). A lasting shift in the evidence switches at once; a day or two of doubt does not.
3. The shared :class:`~tradewind.regime.base.Stabilizer` (minimum stay, confirmation).

Confidence is the filtered probability of the regime in force.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import ClassVar

import numpy as np
import pandas as pd

from tradewind.domain.types import Regime
from tradewind.regime.ahead import Ahead
from tradewind.regime.base import BaseDetector, RawDecision
from tradewind.regime.features import FeatureSpec
from tradewind.regime.fitcache import cached, fingerprint
from tradewind.regime.hmm_em import (
    DEFAULT_BANDS,
    STATE_REGIMES,
    BandHMM,
    Floats,
    Observations,
    filter_step,
    filtered,
    fit_band_hmm,
    log_emissions,
)
from tradewind.regime.jump_model import forward_values

_AheadFit = tuple[int, BandHMM, Floats]
"""A fit computed ahead: its bar, the model and the filtered distribution at the bar."""

SCORE_FLOOR = 1e-4
"""Smallest balanced score a cost is computed from (cost at most ``-log 1e-4``, about 9.2)."""


class HMMDetector(BaseDetector):
    """Band-anchored Gaussian HMM on a trailing window, refitted on a schedule, filtered online.

    Parameters
    ----------
    vix_bands
        Three increasing VIX edges between the BULL, CHOPPY, BEAR and VOLATILE bands.
    switch_penalty
        Cost of a switch in the decision's dynamic program (in nats of balanced score).
    train_days, min_train_days, refit_days
        Trailing training window, the least usable rows to fit on, and bars between refits.
    max_iter, refit_iter
        EM iterations of the first fit and of each refit (which starts from the previous fit).
    prior_sessions, prior_stay
        Weight of the priors (sessions) and the expected stay of the transition prior.
    share_floor
        Least long-run share a regime's balanced score is divided by.
    min_stay_days, confirm_days
        Stabilizer settings (see :class:`~tradewind.regime.base.Stabilizer`).
    spec
        Feature windows.
    """

    name: ClassVar[str] = "hmm"
    used_features: ClassVar[tuple[str, ...]] = (
        "ret_1d",
        "vix",
        "rv_20",
        "trend",
        "adx",
        "atr_pct",
    )

    def __init__(
        self,
        *,
        vix_bands: Sequence[float] = DEFAULT_BANDS,
        switch_penalty: float = 6.0,
        train_days: int = 2520,
        min_train_days: int = 504,
        refit_days: int = 63,
        max_iter: int = 100,
        refit_iter: int = 3,
        prior_sessions: float = 20.0,
        prior_stay: float = 50.0,
        share_floor: float = 0.05,
        min_stay_days: int = 5,
        confirm_days: int = 1,
        spec: FeatureSpec | None = None,
    ) -> None:
        bands = tuple(float(b) for b in vix_bands)
        if len(bands) != len(STATE_REGIMES) - 1 or not 0 < bands[0] < bands[1] < bands[2]:
            raise ValueError(f"vix_bands must be three increasing positive levels, was {bands}")
        if switch_penalty < 0 or not 0 < share_floor <= 1:
            raise ValueError("switch_penalty must be >= 0 and share_floor in (0, 1]")
        self.vix_bands = bands
        self.switch_penalty = switch_penalty
        self.train_days = train_days
        self.min_train_days = min_train_days
        self.refit_days = refit_days
        self.max_iter = max_iter
        self.refit_iter = refit_iter
        self.prior_sessions = prior_sessions
        self.prior_stay = prior_stay
        self.share_floor = share_floor
        self._model: BandHMM | None = None
        self._fit_at = -1
        self._alpha = np.full(len(STATE_REGIMES), 1.0 / len(STATE_REGIMES))
        self._shares = np.ones(len(STATE_REGIMES))
        self._costs: np.ndarray | None = None
        self.fit_ahead: bool | None = None
        """In a batch run, compute the chain of fits in a forked child while this process
        filters bar by bar (:mod:`~tradewind.regime.ahead`): None where it can fork, False
        never, True always (tests). The results are the same bits either way."""
        self._ahead: Ahead[_AheadFit] | None = None
        self.fits_taken_ahead = 0
        """Fits of the last batch run that came from the child (0 without one)."""
        super().__init__(min_stay_days=min_stay_days, confirm_days=confirm_days, spec=spec)

    @property
    def warmup(self) -> int:
        """Bars before the first decision: a fit needs ``min_train_days`` usable rows."""
        return self.min_train_days

    @property
    def model(self) -> BandHMM | None:
        """The current fit (None before the first)."""
        return self._model

    def _reset_model(self) -> None:
        self._model = None
        self._fit_at = -1
        self._alpha = np.full(len(STATE_REGIMES), 1.0 / len(STATE_REGIMES))
        self._costs = None

    # --- rows -------------------------------------------------------------------------------
    @staticmethod
    def _rows(X: np.ndarray, lo: int, hi: int, columns: Mapping[str, int]) -> Observations:
        """Rows ``lo .. hi-1`` (``lo >= 1``) as model observations, unusable ones included."""
        ret = X[lo:hi, columns["ret_1d"]]
        vix, prev = X[lo:hi, columns["vix"]], X[lo - 1 : hi - 1, columns["vix"]]
        proxy = X[lo:hi, columns["vix_is_proxy"]] > 0
        proxy_prev = X[lo - 1 : hi - 1, columns["vix_is_proxy"]] > 0
        observed = ~proxy & ~proxy_prev & np.isfinite(vix) & np.isfinite(prev)
        return Observations(ret, vix, np.where(observed, prev, 0.0), observed)

    # --- BaseDetector -------------------------------------------------------------------------
    def _decide(self, i: int, X: np.ndarray, columns: Mapping[str, int]) -> RawDecision | None:
        if i < 1:
            return None
        due = self._model is None or i - self._fit_at >= self.refit_days
        if not (due and self._refit(i, X, columns)):
            if self._model is None:
                return None
            self._step(i, X, columns)
        score = self._alpha / self._shares
        cost = -np.log(np.maximum(score / score.sum(), SCORE_FLOOR))
        self._costs = forward_values(cost[None, :], self.switch_penalty, self._costs)[0]
        k = int(np.argmin(self._costs))
        probs: dict[Regime, float] = {r: float(self._alpha[j]) for j, r in enumerate(STATE_REGIMES)}
        regime = STATE_REGIMES[k]
        return RawDecision(regime, probs[regime], probs)

    def _step(self, i: int, X: np.ndarray, columns: Mapping[str, int]) -> None:
        assert self._model is not None  # noqa: S101 - guarded by the caller
        row = self._rows(X, i, i + 1, columns)
        if not np.isfinite(row.ret[0]):
            return
        log_b = log_emissions(row, self._model)[0]
        self._alpha = filter_step(self._alpha, log_b, self._model.transition)

    def _window(self, i: int, X: np.ndarray, columns: Mapping[str, int]) -> Observations | None:
        """The usable rows of the training window of a fit at ``i``; None with too few."""
        lo = max(1, i - self.train_days + 1)
        rows = self._rows(X, lo, i + 1, columns)
        keep = np.isfinite(rows.ret) & np.isfinite(rows.vix)
        if keep.sum() < self.min_train_days:
            return None
        return Observations(
            rows.ret[keep], rows.vix[keep], rows.vix_prev[keep], rows.observed[keep]
        )

    def _refit(self, i: int, X: np.ndarray, columns: Mapping[str, int]) -> bool:
        obs = self._window(i, X, columns)
        if obs is None:
            return False
        ahead = self._take_ahead(i)
        model, alpha = ahead if ahead is not None else self._fit_window(obs, self._model)
        self._model, self._fit_at = model, i
        self._alpha = alpha
        self._shares = np.maximum(model.stationary(), self.share_floor)
        return True

    def _fit_window(self, obs: Observations, init: BandHMM | None) -> tuple[BandHMM, Floats]:
        """The fit on ``obs`` (from ``init``) and its filtered distribution at the last row.

        Only the fit parameters enter (not the switch penalty, share floor or stabilizer), so
        detectors differing in those share the result through :attr:`fit_cache`.
        """
        max_iter = self.max_iter if init is None else self.refit_iter

        def compute() -> tuple[BandHMM, Floats]:
            model = fit_band_hmm(
                obs,
                self.vix_bands,
                prior_sessions=self.prior_sessions,
                prior_stay=self.prior_stay,
                max_iter=max_iter,
                init=init,
            )
            alpha = filtered(log_emissions(obs, model), model.transition, model.start)[-1]
            return model, alpha

        def key() -> str:
            return fingerprint(
                "hmm.fit_band_hmm",
                obs,
                self.vix_bands,
                self.prior_sessions,
                self.prior_stay,
                max_iter,
                init,
            )

        return cached(self.fit_cache, key, compute)

    # --- fits computed ahead (batch runs) -----------------------------------------------------
    def refit_bars(self, X: np.ndarray, columns: Mapping[str, int]) -> list[int]:
        """The bars :meth:`_decide` refits at over ``X`` from a fresh state: the same schedule,
        from the usable rows alone (it does not depend on the fits)."""
        ret, vix = X[:, columns["ret_1d"]], X[:, columns["vix"]]
        usable = np.isfinite(ret) & np.isfinite(vix)
        usable[0] = False  # a window starts at row 1 (row 0 has no previous VIX)
        count = np.concatenate([[0], np.cumsum(usable)])
        bars: list[int] = []
        for i in range(max(self.warmup - 1, 1), len(X)):
            if bars and i - bars[-1] < self.refit_days:
                continue
            if count[i + 1] - count[max(1, i - self.train_days + 1)] >= self.min_train_days:
                bars.append(i)
        return bars

    def _prepare_batch(self, feats: pd.DataFrame) -> None:
        self.fits_taken_ahead = 0
        use = self.fit_ahead
        if use is False or self.fit_cache is not None:
            return  # shared fits (an evaluation grid) are looked up, not computed ahead
        columns = {c: j for j, c in enumerate(feats.columns)}
        X = feats.to_numpy(dtype=float)
        bars = self.refit_bars(X, columns)
        if len(bars) < 2:
            return

        def produce(emit: Callable[[_AheadFit], None]) -> None:
            model: BandHMM | None = None
            for i in bars:
                obs = self._window(i, X, columns)
                if obs is None:  # pragma: no cover - excluded by the schedule
                    return
                model, alpha = self._fit_window(obs, model)
                emit((i, model, alpha))

        self._ahead = Ahead(produce, fork=use)

    def _finish_batch(self) -> None:
        if self._ahead is not None:
            self._ahead.close()
            self._ahead = None

    def _take_ahead(self, i: int) -> tuple[BandHMM, Floats] | None:
        """The fit at ``i`` computed ahead, if the child sent it (None: compute it here)."""
        if self._ahead is None:
            return None
        item = self._ahead.next()
        if item is None or item[0] != i:
            self._finish_batch()  # out of step or finished: compute the rest here
            return None
        self.fits_taken_ahead += 1
        return item[1], item[2]
