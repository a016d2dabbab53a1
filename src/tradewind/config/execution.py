"""The ``execution`` section: how orders fill and what they cost."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from tradewind.config.base import Section


class CommissionSection(Section):
    """Broker commission schedule (``execution.commission``); zero by default (US retail)."""

    per_share: float = Field(0.0, ge=0, le=1)
    per_order: float = Field(0.0, ge=0, le=100)
    pct_of_value: float = Field(0.0, ge=0, le=0.05)
    minimum: float = Field(0.0, ge=0, le=100)
    maximum: float | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _min_below_max(self) -> CommissionSection:
        if self.maximum is not None and self.maximum < self.minimum:
            raise ValueError(
                f"commission.maximum ({self.maximum}) must be >= "
                f"commission.minimum ({self.minimum}); raise the maximum or lower the minimum"
            )
        return self


class MarketImpactSection(Section):
    """Square-root market impact: cost = coefficient x daily vol x sqrt(shares / ADV)."""

    enabled: bool = True
    coefficient: float = Field(0.1, ge=0, le=10)


class ExecutionSection(Section):
    """Order fills and costs (``execution:``)."""

    fill_price: Literal["close", "next_open"] = Field(
        "close", description="Simulated fills at this bar's close or the next bar's open."
    )
    commission: CommissionSection = Field(default_factory=CommissionSection)
    market_impact: MarketImpactSection = Field(default_factory=MarketImpactSection)
    cancel_open_orders_at_close: bool = True
