"""Typed, validated configuration: ``trading_config.yaml`` sections plus secrets from the env."""

from tradewind.config.dashboard import DashboardSection
from tradewind.config.execution import CommissionSection, ExecutionSection, MarketImpactSection
from tradewind.config.infra import (
    DatabaseSection,
    DataSection,
    LoggingSection,
    SyntheticDataSection,
)
from tradewind.config.loader import default_config_path, load_config, read_yaml, validate_config
from tradewind.config.ml import MLSection
from tradewind.config.notifications import ChannelSection, NotificationsSection
from tradewind.config.portfolio import PortfolioOptimizationSection, RebalancingSection
from tradewind.config.regime import RegimePolicy, RegimeSection, RulesThresholds
from tradewind.config.risk import CircuitBreakerSection, RiskManagementSection, StopLossSection
from tradewind.config.root import TradewindConfig
from tradewind.config.secrets import Secrets, load_secrets
from tradewind.config.trading import BrokerSection, TradingSection, check_symbol

__all__ = [
    "BrokerSection",
    "ChannelSection",
    "CircuitBreakerSection",
    "CommissionSection",
    "DashboardSection",
    "DataSection",
    "DatabaseSection",
    "ExecutionSection",
    "LoggingSection",
    "MLSection",
    "MarketImpactSection",
    "NotificationsSection",
    "PortfolioOptimizationSection",
    "RebalancingSection",
    "RegimePolicy",
    "RegimeSection",
    "RiskManagementSection",
    "RulesThresholds",
    "Secrets",
    "StopLossSection",
    "SyntheticDataSection",
    "TradewindConfig",
    "TradingSection",
    "check_symbol",
    "default_config_path",
    "load_config",
    "load_secrets",
    "read_yaml",
    "validate_config",
]
