"""The breakers' thresholds (:class:`BreakerParams`), apart from the breakers themselves so that
``tradewind risk status`` reads them without numpy."""

from __future__ import annotations

from dataclasses import dataclass

from tradewind.config.risk import RiskManagementSection


@dataclass(frozen=True, slots=True)
class BreakerParams:
    """Thresholds of the three breakers (fractions of equity; a count for losses)."""

    daily_loss_warning: float = 0.03
    daily_loss_limit: float = 0.05
    drawdown_warning: float = 0.10
    max_drawdown: float = 0.15
    consecutive_losses: int = 5
    enabled: bool = True

    @classmethod
    def from_config(cls, section: RiskManagementSection) -> BreakerParams:
        """The thresholds of ``risk_management`` and its ``circuit_breaker``."""
        cb = section.circuit_breaker
        return cls(
            section.daily_loss_warning,
            section.daily_loss_limit,
            cb.drawdown_warning,
            cb.max_drawdown,
            cb.consecutive_losses,
            cb.enabled,
        )
