"""Risk management: pre-trade limits (stops and latched circuit breakers come with issue 6)."""

from tradewind.risk.limits import LimitsOnly, apply_limits

__all__ = ["LimitsOnly", "apply_limits"]
