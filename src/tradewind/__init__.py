"""tradewind: regime-aware portfolio trading from backtest to simulated, paper and live, on one engine."""

__version__ = "0.1.0"

__all__ = ["__version__"]
