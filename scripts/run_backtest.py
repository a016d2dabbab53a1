"""The runbook's ``python scripts/run_backtest.py --walk-forward --regime-aware``.

Same as ``tradewind backtest ...`` (all its options work here).
"""

from _shim import run

if __name__ == "__main__":
    run("backtest")
