"""The target model the cycle uses: the configured optimizer on a trailing window of returns."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from tradewind.config import TradewindConfig
from tradewind.domain.arrays import FloatArray
from tradewind.domain.errors import DataError
from tradewind.domain.feed import FeedView
from tradewind.domain.plans import Policy, TargetDecision
from tradewind.domain.records import EngineEvent
from tradewind.engine.ml_views import ViewsHook
from tradewind.portfolio import Constraints, MomentEstimator, make_optimizer, optimize
from tradewind.portfolio.registry import PERIODS_PER_YEAR
from tradewind.portfolio.window_moments import WindowMoments


class OptimizerTargets:
    """Target weights from ``tradewind.portfolio.optimize`` on the last ``lookback_days`` returns.

    Only bars up to the feed's current bar are read. Symbols without enough history are excluded
    (weight 0, recorded); a hole in the window is bad data: the decision keeps the current
    weights and records why.
    """

    def __init__(self, cfg: TradewindConfig, views: ViewsHook | None = None) -> None:
        section = cfg.portfolio_optimization
        needs_history = section.regime_aware or section.method != "equal_weight"
        self.history_rows = section.lookback_days + 1 if needs_history else 1
        self._estimator = MomentEstimator.from_config(section)
        self._window = WindowMoments(self._estimator)  # X'X kept up to date between calls
        self._turnover_penalty = section.turnover_penalty
        self._risk_free = section.risk_free_rate
        self._fallback = section.fallback
        self._equal_cache: dict[tuple[int, Constraints], FloatArray] = {}
        self._views = views  # ML ensemble views (issue 25); None: the optimizer alone

    def targets(
        self,
        feed: FeedView,
        policy: Policy,
        current: FloatArray,
        exclude: frozenset[str] = frozenset(),
    ) -> TargetDecision:
        """Weights for ``policy`` (method, caps, cash buffer) as of the feed's current bar.

        Symbols in ``exclude`` (e.g. in a stop cool-down) are left out and get weight 0.
        """
        if policy.method == "equal_weight":
            return self._equal_weight(feed, policy, exclude)
        prices = feed.window(self.history_rows)
        with np.errstate(invalid="ignore", divide="ignore"):
            rets = prices[1:] / prices[:-1] - 1.0
        fast = self._complete_window(feed, policy, rets, current, exclude)
        if fast is not None:
            return fast
        if self._views is not None:  # --- ML views (issue 25): only on complete windows
            note = EngineEvent(
                feed.now.to_pydatetime(),
                "ml_views",
                "ensemble views not applied: some symbols lack a complete return window",
            )
            return replace(self._full_window(feed, policy, rets, current, exclude), events=(note,))
        return self._full_window(feed, policy, rets, current, exclude)

    def _full_window(
        self,
        feed: FeedView,
        policy: Policy,
        rets: FloatArray,
        current: FloatArray,
        exclude: frozenset[str],
    ) -> TargetDecision:
        """``portfolio.optimize`` on the window as a frame (records excluded symbols)."""
        stamps = feed.times(self.history_rows)
        returns = pd.DataFrame(rets, index=stamps[1:], columns=list(feed.symbols))
        if exclude:
            returns = returns.drop(columns=[s for s in feed.symbols if s in exclude])
        constraints = self._constraints(policy)
        previous = dict(zip(feed.symbols, (float(x) for x in current), strict=True))
        try:
            result = optimize(
                policy.method,
                returns,
                constraints,
                estimator=self._estimator,
                previous_weights=previous,
                risk_free_rate=self._risk_free,
                fallback=self._fallback,
            )
        except DataError as exc:
            return TargetDecision(current.copy(), policy.method, f"kept current weights: {exc}")
        weights = result.weights.reindex(list(feed.symbols)).fillna(0.0).to_numpy(dtype=float)
        return TargetDecision(
            weights,
            result.method_used,
            result.fallback_reason,
            tuple(sorted({*result.excluded, *exclude})),
        )

    def _complete_window(
        self,
        feed: FeedView,
        policy: Policy,
        rets: FloatArray,
        current: FloatArray,
        exclude: frozenset[str],
    ) -> TargetDecision | None:
        """The optimizer on arrays when every symbol has the full window (the common case).

        The same estimator, annualisation and optimizer as ``portfolio.optimize``, without the
        DataFrame round trip and the statistics the cycle does not use; windows with missing or
        short history take the full path, which records exclusions.
        """
        keep = np.array([s not in exclude for s in feed.symbols])
        if not keep.any():
            reason = "every symbol is excluded (stop cool-downs): hold cash"
            return TargetDecision(np.zeros(len(feed.symbols)), policy.method, reason, feed.symbols)
        data = rets[:, keep]
        if data.shape[0] != self._estimator.lookback_days or not np.isfinite(data).all():
            return None
        mu, cov = self._window.moments(feed.row, rets, keep)
        mu_y, cov_y = mu * PERIODS_PER_YEAR, cov * PERIODS_PER_YEAR
        events: tuple[EngineEvent, ...] = ()
        if self._views is not None:  # --- ML views (issue 25): Black-Litterman on mu
            mu_y, events = self._views.adjust(feed.now, keep, mu_y, cov_y, policy.method)
        optimizer = make_optimizer(
            policy.method,
            self._constraints(policy),
            fallback=self._fallback,
            risk_free_rate=self._risk_free,
        ).fit(mu_y, cov_y, current[keep])
        weights = np.zeros(len(feed.symbols))
        weights[keep] = optimizer.weights_
        return TargetDecision(
            weights,
            optimizer.method_,
            optimizer.fallback_reason_,
            tuple(sorted(exclude)),
            events,
        )

    def _constraints(self, policy: Policy) -> Constraints:
        return Constraints(
            max_weight=policy.max_position_size,
            max_exposure=policy.max_portfolio_risk,
            cash_buffer=policy.cash_buffer,
            turnover_penalty=self._turnover_penalty,
        )

    def _equal_weight(
        self, feed: FeedView, policy: Policy, exclude: frozenset[str]
    ) -> TargetDecision:
        """Equal weights over the symbols trading now: needs no history."""
        priced = np.isfinite(feed.current("close"))
        if exclude:
            priced &= np.array([s not in exclude for s in feed.symbols])
        n = int(priced.sum())
        weights = np.zeros(len(feed.symbols))
        if n:
            weights[priced] = self._equal(n, self._constraints(policy))
        if n == len(feed.symbols):
            return TargetDecision(weights, "equal_weight", None, ())
        excluded = tuple(s for s, ok in zip(feed.symbols, priced, strict=True) if not ok)
        return TargetDecision(weights, "equal_weight", None, excluded)

    def _equal(self, n: int, constraints: Constraints) -> FloatArray:
        """The equal-weight optimizer's weights for ``n`` assets (a pure function: cached)."""
        key = (n, constraints)
        if key not in self._equal_cache:
            fitted = make_optimizer("equal_weight", constraints).fit(np.zeros(n), np.eye(n))
            self._equal_cache[key] = fitted.weights_
        return self._equal_cache[key]
