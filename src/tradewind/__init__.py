"""tradewind: regime-aware portfolio trading, backtest to simulated, paper and live, one engine."""

__version__ = "0.1.0"

__all__ = ["__version__"]
