"""The ``risk_management`` section: caps, stops and circuit breakers."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from tradewind.config.base import Section

StopType = Literal["fixed", "trailing", "atr"]


class StopLossSection(Section):
    """Per-position stops (``risk_management.stop_loss``)."""

    enabled: bool = True
    type: StopType | list[StopType] = Field(
        "trailing", description="fixed, trailing, atr, or a list of them (the tightest wins)."
    )
    fixed_pct: float = Field(
        0.03,
        gt=0,
        lt=1,
        description="Fixed stop below entry price; also the trailing stop's least distance.",
    )
    trailing_pct: float | None = Field(
        None,
        gt=0,
        lt=1,
        description=(
            "Trailing stop below the highest price since entry. None (the default): the "
            "larger of fixed_pct and atr_multiplier x ATR."
        ),
    )
    atr_multiplier: float = Field(2.0, gt=0, le=20)
    atr_period: int = Field(14, ge=2, le=250)
    cooldown_days: int = Field(
        5, ge=0, le=365, description="Trading days before a stopped-out symbol may be bought again."
    )

    @property
    def types(self) -> tuple[StopType, ...]:
        """The configured stop kinds, each once."""
        kinds = [self.type] if isinstance(self.type, str) else self.type
        return tuple(dict.fromkeys(kinds))

    def describe(self) -> str:
        """One line naming each configured stop and its distance ("off" when disabled)."""
        if not self.enabled or not self.types:
            return "off"
        atr = f"{self.atr_multiplier:g} x ATR({self.atr_period})"
        parts = []
        for kind in self.types:
            if kind == "fixed":
                parts.append(f"fixed {self.fixed_pct:.1%} below entry")
            elif kind == "trailing" and self.trailing_pct is not None:
                parts.append(f"trailing {self.trailing_pct:.1%} below the peak")
            elif kind == "trailing":
                parts.append(f"trailing max({self.fixed_pct:.1%}, {atr}) below the peak")
            else:
                parts.append(f"atr {atr} below the peak")
        return "; ".join(parts)


class CircuitBreakerSection(Section):
    """Portfolio breakers that latch a halt until a human resumes."""

    enabled: bool = True
    consecutive_losses: int = Field(5, ge=1, le=100)
    max_drawdown: float = Field(0.15, gt=0, lt=1, description="Halt at this drawdown from peak.")
    drawdown_warning: float = Field(0.10, gt=0, lt=1, description="Alert (no halt) at this level.")
    flatten_on_halt: bool = Field(False, description="Sell everything when a halt latches.")
    backtest_resume_sessions: int | None = Field(
        None,
        ge=1,
        le=1000,
        description=(
            "Backtests and replays only: simulate a human resuming a latched halt after this "
            "many sessions (recorded as a resume). Never applies to paper or live trading."
        ),
    )


class RiskManagementSection(Section):
    """Exposure limits, the daily loss limit, stops and breakers (``risk_management:``)."""

    max_position_size: float = Field(0.30, gt=0, le=1, description="Max weight of one position.")
    max_portfolio_risk: float = Field(
        0.80, gt=0, le=1, description="Max fraction of equity invested; the rest stays cash."
    )
    daily_loss_limit: float = Field(
        0.05, gt=0, lt=1, description="Halt when the day's loss from the open reaches this."
    )
    daily_loss_warning: float = Field(0.03, gt=0, lt=1, description="Alert (no halt) at this loss.")
    allow_short: bool = False
    state_path: str | None = Field(
        None,
        description="No longer used: latched halts live in the mode's database (a warning).",
    )
    stop_loss: StopLossSection = Field(default_factory=StopLossSection)
    circuit_breaker: CircuitBreakerSection = Field(default_factory=CircuitBreakerSection)
