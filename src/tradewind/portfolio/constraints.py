"""Portfolio constraints: per-position cap, exposure cap, cash buffer and turnover penalty.

Weights are fractions of equity. An optimizer's weights sum to the *invested fraction*::

    invested = min(max_exposure - cash_buffer, n_assets * max_weight)

and the rest is cash. The second term only binds when the caps cannot absorb the budget (for
example one asset with a 30 % cap invests 30 %, not 80 %); this is recorded as a binding
constraint. Long only: every weight is in ``[0, max_weight]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tradewind.config.portfolio import PortfolioOptimizationSection
from tradewind.config.regime import RegimePolicy
from tradewind.config.risk import RiskManagementSection

BindingKind = Literal[
    "max_weight",
    "max_exposure",
    "cash_buffer",
    "caps_limit_exposure",
    "long_only",
    "turnover_penalty",
]


@dataclass(frozen=True, slots=True)
class Constraints:
    """Limits every optimizer respects.

    Parameters
    ----------
    max_weight
        Largest weight of one position, as a fraction of equity, in ``(0, 1]``.
    max_exposure
        Largest total invested fraction of equity, in ``(0, 1]``; the rest stays cash.
    cash_buffer
        Fraction of equity kept in cash on top of the exposure cap, in ``[0, 1)``: the
        invested fraction is ``max_exposure - cash_buffer``.
    turnover_penalty
        Weight ``lambda >= 0`` of the L1 turnover ``sum |w - w_prev|`` against the previous
        weights (annualised units). ``max_sharpe`` subtracts it from the expected return (as
        skfolio's ``transaction_costs``); ``min_variance`` adds it to the variance. The other
        methods have no objective to penalise and ignore it (recorded in the result's notes).

    Raises
    ------
    ValueError
        If a value is out of range; the message names the field and the allowed range.
    """

    max_weight: float = 1.0
    max_exposure: float = 1.0
    cash_buffer: float = 0.0
    turnover_penalty: float = 0.0

    def __post_init__(self) -> None:
        checks = (
            ("max_weight", self.max_weight, 0.0 < self.max_weight <= 1.0, "(0, 1]"),
            ("max_exposure", self.max_exposure, 0.0 < self.max_exposure <= 1.0, "(0, 1]"),
            ("cash_buffer", self.cash_buffer, 0.0 <= self.cash_buffer < 1.0, "[0, 1)"),
            ("turnover_penalty", self.turnover_penalty, self.turnover_penalty >= 0.0, "[0, inf)"),
        )
        for name, value, ok, allowed in checks:
            if not ok:  # also catches NaN, for which every comparison is False
                raise ValueError(f"constraints.{name} must be in {allowed}, was {value}")

    @property
    def budget(self) -> float:
        """Fraction of equity the optimizer may invest: ``max(0, max_exposure - cash_buffer)``."""
        return max(0.0, self.max_exposure - self.cash_buffer)

    def invested(self, n_assets: int) -> float:
        """Invested fraction for ``n_assets`` assets: the budget, unless the caps cannot hold it."""
        return min(self.budget, n_assets * self.max_weight)

    @classmethod
    def from_config(
        cls,
        risk: RiskManagementSection,
        portfolio: PortfolioOptimizationSection | None = None,
        policy: RegimePolicy | None = None,
    ) -> Constraints:
        """Build constraints from the config sections, the regime policy overriding the caps.

        Parameters
        ----------
        risk
            ``risk_management``: ``max_position_size`` and ``max_portfolio_risk``.
        portfolio
            ``portfolio_optimization``: ``turnover_penalty`` (0 when omitted).
        policy
            The current regime's policy; its non-null caps and its cash buffer apply.
        """
        max_weight = risk.max_position_size
        max_exposure = risk.max_portfolio_risk
        cash_buffer = 0.0
        if policy is not None:
            if policy.max_position_size is not None:
                max_weight = policy.max_position_size
            if policy.max_portfolio_risk is not None:
                max_exposure = policy.max_portfolio_risk
            cash_buffer = policy.cash_buffer
        return cls(
            max_weight=max_weight,
            max_exposure=max_exposure,
            cash_buffer=cash_buffer,
            turnover_penalty=portfolio.turnover_penalty if portfolio is not None else 0.0,
        )


@dataclass(frozen=True, slots=True)
class BindingConstraint:
    """A constraint that shapes the result.

    Attributes
    ----------
    kind
        ``max_weight`` (positions at the cap), ``max_exposure`` (the exposure cap leaves cash),
        ``cash_buffer``, ``caps_limit_exposure`` (``n * max_weight`` is below the budget),
        ``long_only`` (positions at zero) or ``turnover_penalty`` (positions held at their
        previous weight).
    symbols
        Positions concerned, when the constraint is per position.
    detail
        One line for people.
    """

    kind: BindingKind
    symbols: tuple[str, ...] = ()
    detail: str = ""
