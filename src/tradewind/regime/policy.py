"""Regime policies resolved against the standard limits: what the portfolio may do in a regime.

A :class:`~tradewind.config.RegimePolicy` leaves a limit ``None`` to mean "the standard limit"
(``risk_management``). :func:`effective_policy` fills those in; a policy can only **tighten** a
standard limit (the smaller of the two is used), and the position cap never exceeds the exposure
cap. The cash buffer comes on top of the exposure cap: the invested fraction is
``max_portfolio_risk - cash_buffer`` (the engine's convention).
"""

from __future__ import annotations

from tradewind.config import TradewindConfig
from tradewind.domain.plans import Policy
from tradewind.domain.types import Regime


def effective_policy(regime: Regime, cfg: TradewindConfig) -> Policy:
    """The policy that applies in ``regime`` under ``cfg``.

    With ``portfolio_optimization.regime_aware`` false every regime gets the standard method and
    limits and no cash buffer.
    """
    risk = cfg.risk_management
    if not cfg.portfolio_optimization.regime_aware:
        return Policy(
            cfg.portfolio_optimization.method,
            min(risk.max_position_size, risk.max_portfolio_risk),
            risk.max_portfolio_risk,
            0.0,
        )
    policy = cfg.regime.policies[regime]
    exposure = _tighter(policy.max_portfolio_risk, risk.max_portfolio_risk)
    position = min(_tighter(policy.max_position_size, risk.max_position_size), exposure)
    return Policy(policy.method, position, exposure, policy.cash_buffer)


def policy_table(cfg: TradewindConfig) -> dict[Regime, Policy]:
    """The resolved policy of every regime."""
    return {regime: effective_policy(regime, cfg) for regime in Regime}


def _tighter(value: float | None, standard: float) -> float:
    return standard if value is None else min(value, standard)
