"""The runbook's ``python scripts/test_advanced_portfolio_validation.py`` (advanced: 4 checks).

Same as ``tradewind validate advanced ...`` (all its options work here): regime coverage, a
walk-forward backtest's costs and drawdown, and the look-ahead guard, then ``advanced: N/4``.
"""

from _shim import run

if __name__ == "__main__":
    run("validate", "advanced")
