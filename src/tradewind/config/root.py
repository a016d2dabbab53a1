"""The whole configuration: every section of ``config/trading_config.yaml`` in one frozen model."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from tradewind.config.base import Section
from tradewind.config.dashboard import DashboardSection
from tradewind.config.execution import ExecutionSection
from tradewind.config.infra import DatabaseSection, DataSection, LoggingSection
from tradewind.config.ml import MLSection
from tradewind.config.notifications import NotificationsSection
from tradewind.config.portfolio import PortfolioOptimizationSection
from tradewind.config.regime import RegimeSection
from tradewind.config.reporting import NON_STRATEGY_SECTIONS, ReadinessSection, ReportsSection
from tradewind.config.risk import RiskManagementSection
from tradewind.config.trading import BrokerSection, TradingSection
from tradewind.domain.types import TradingMode

REAL_BROKERS = ("webull", "webull_app", "alpaca")


class TradewindConfig(Section):
    """The validated configuration. Build it with :func:`tradewind.config.load_config`."""

    trading: TradingSection = Field(default_factory=TradingSection)
    broker: BrokerSection = Field(default_factory=BrokerSection)
    portfolio_optimization: PortfolioOptimizationSection = Field(
        default_factory=PortfolioOptimizationSection
    )
    risk_management: RiskManagementSection = Field(default_factory=RiskManagementSection)
    notifications: NotificationsSection = Field(default_factory=NotificationsSection)
    data: DataSection = Field(default_factory=DataSection)
    database: DatabaseSection = Field(default_factory=DatabaseSection)
    logging: LoggingSection = Field(default_factory=LoggingSection)
    execution: ExecutionSection = Field(default_factory=ExecutionSection)
    regime: RegimeSection = Field(default_factory=RegimeSection)
    ml: MLSection = Field(default_factory=MLSection)
    # what a run reports and the readiness gate (neither decides a trade)
    reports: ReportsSection = Field(default_factory=ReportsSection)
    readiness: ReadinessSection = Field(default_factory=ReadinessSection)
    # issue 24: the monitoring dashboard (decides no trade either)
    dashboard: DashboardSection = Field(default_factory=DashboardSection)

    @model_validator(mode="after")
    def _consistent(self) -> TradewindConfig:
        problems = cross_field_problems(self)
        if problems:
            message = "\n  - ".join(f"{path} {text}" for path, text in problems)
            context = {"message": message, "problems": problems}
            raise PydanticCustomError("cross_field", "{message}", context)
        return self

    def decision_payload(self) -> dict[str, Any]:
        """The settings that decide trades, as the user set them: values left at their defaults
        are left out, and so are the sections that decide nothing (database, logging,
        notifications, reports, readiness) and ``ml`` while the ensemble is off. Fingerprints
        (a run's identity, its client order ids) hash this, so a new setting with a default, a
        new log path or a readiness threshold never changes them."""
        skip: dict[str, Any] = dict.fromkeys(
            {"database", "logging", "notifications", *NON_STRATEGY_SECTIONS}, True
        )
        if not self.ml.enabled:
            skip["ml"] = True
        skip["data"] = {"cache": {"regime": True, "regime_path": True}}  # where, not what
        payload = self.model_dump(mode="json", exclude_defaults=True, exclude=skip)
        data = payload.get("data", {})
        if data.get("cache") == {}:  # only the regime cache was set: as if nothing was
            del data["cache"]
        if payload.get("data") == {}:
            del payload["data"]
        return payload

    @property
    def database_url(self) -> str:
        """The database URL with ``{mode}`` filled in, so modes never share state by accident."""
        return self.database.url.replace("{mode}", self.trading.mode.value)


def cross_field_problems(cfg: TradewindConfig) -> list[tuple[str, str]]:
    """Return ``(yaml_path, message)`` for settings that are valid alone but not together."""
    problems: list[tuple[str, str]] = []
    mode, broker, risk = cfg.trading.mode, cfg.broker, cfg.risk_management
    if mode is TradingMode.LIVE and broker.paper_trading:
        problems.append(
            (
                "broker.paper_trading",
                "is true but trading.mode is 'live'; set broker.paper_trading: false for live "
                "trading, or trading.mode: paper",
            )
        )
    if mode is TradingMode.PAPER and not broker.paper_trading:
        problems.append(
            (
                "broker.paper_trading",
                "is false but trading.mode is 'paper'; set broker.paper_trading: true, or "
                "trading.mode: live (real money)",
            )
        )
    if mode in (TradingMode.PAPER, TradingMode.LIVE) and broker.name not in REAL_BROKERS:
        problems.append(
            (
                "broker.name",
                f"'{broker.name}' cannot run trading.mode '{mode.value}'; allowed: "
                f"{', '.join(REAL_BROKERS)} (or set trading.mode: simulated)",
            )
        )
    if broker.name == "webull_app" and not broker.paper_trading:
        problems.append(
            (
                "broker.name",
                "'webull_app' (the unofficial app route) trades the app's paper account only; "
                "set broker.paper_trading: true, or use broker.name: webull (official OpenAPI) "
                "for a live account",
            )
        )
    if risk.max_position_size > risk.max_portfolio_risk:
        problems.append(
            (
                "risk_management.max_position_size",
                f"({risk.max_position_size}) must not exceed risk_management.max_portfolio_risk "
                f"({risk.max_portfolio_risk}): one position cannot exceed the total exposure; "
                "lower max_position_size or raise max_portfolio_risk",
            )
        )
    if risk.daily_loss_warning >= risk.daily_loss_limit:
        problems.append(
            (
                "risk_management.daily_loss_warning",
                f"({risk.daily_loss_warning}) must be below risk_management.daily_loss_limit "
                f"({risk.daily_loss_limit}); lower the warning or raise the limit",
            )
        )
    breaker = risk.circuit_breaker
    if breaker.drawdown_warning >= breaker.max_drawdown:
        problems.append(
            (
                "risk_management.circuit_breaker.drawdown_warning",
                f"({breaker.drawdown_warning}) must be below circuit_breaker.max_drawdown "
                f"({breaker.max_drawdown}); lower the warning or raise max_drawdown",
            )
        )
    if cfg.data.source == "files" and not cfg.data.path:
        problems.append(
            ("data.path", "is required when data.source is 'files'; give a file or a folder")
        )
    n = len(cfg.trading.symbols)
    if risk.max_position_size * n < risk.max_portfolio_risk - 1e-12:
        problems.append(
            (
                "risk_management.max_position_size",
                f"({risk.max_position_size}) x {n} symbols cannot reach max_portfolio_risk "
                f"({risk.max_portfolio_risk}); raise the cap, add symbols or lower the exposure",
            )
        )
    return problems
