"""Regime policies resolved against the standard limits: what the portfolio may do in a regime.

A :class:`~tradewind.config.RegimePolicy` leaves a limit ``None`` to mean "the standard limit"
(``risk_management``). :func:`effective_policy` fills those in; a policy can only **tighten** a
standard limit (the smaller of the two is used), and the position cap never exceeds the exposure
cap. The cash buffer comes on top of the exposure cap: the invested fraction is
``max_portfolio_risk - cash_buffer`` (the engine's convention).
"""

from __future__ import annotations

from dataclasses import dataclass

from tradewind.config import TradewindConfig
from tradewind.domain.types import Regime


@dataclass(frozen=True, slots=True)
class ResolvedPolicy:
    """The optimizer method and limits that apply in one regime.

    Attributes
    ----------
    regime
        The regime the policy is for.
    method
        Optimizer method (``max_sharpe``, ``min_variance``, ``risk_parity`` ...).
    max_position_size
        Largest weight of one position (fraction of equity).
    max_portfolio_risk
        Exposure cap: largest fraction of equity invested before the cash buffer.
    cash_buffer
        Extra cash kept on top of the exposure cap.
    exposure_scale
        The protective policy's scale of the invested fraction (1: none; see
        :mod:`tradewind.regime.protective`), already applied to the exposure cap.
    """

    regime: Regime
    method: str
    max_position_size: float
    max_portfolio_risk: float
    cash_buffer: float
    exposure_scale: float = 1.0

    @property
    def invested_fraction(self) -> float:
        """Largest fraction of equity that may be invested: exposure cap minus cash buffer."""
        return max(self.max_portfolio_risk - self.cash_buffer, 0.0)


def effective_policy(regime: Regime, cfg: TradewindConfig) -> ResolvedPolicy:
    """The policy that applies in ``regime`` under ``cfg``.

    With ``portfolio_optimization.regime_aware`` false every regime gets the standard method and
    limits and no cash buffer.
    """
    risk = cfg.risk_management
    if not cfg.portfolio_optimization.regime_aware:
        return ResolvedPolicy(
            regime,
            cfg.portfolio_optimization.method,
            min(risk.max_position_size, risk.max_portfolio_risk),
            risk.max_portfolio_risk,
            0.0,
        )
    policy = cfg.regime.policies[regime]
    exposure = _tighter(policy.max_portfolio_risk, risk.max_portfolio_risk)
    position = min(_tighter(policy.max_position_size, risk.max_position_size), exposure)
    return ResolvedPolicy(regime, policy.method, position, exposure, policy.cash_buffer)


def policy_table(cfg: TradewindConfig) -> dict[Regime, ResolvedPolicy]:
    """The resolved policy of every regime."""
    return {regime: effective_policy(regime, cfg) for regime in Regime}


def _tighter(value: float | None, standard: float) -> float:
    return standard if value is None else min(value, standard)
