"""The runbook's ``python scripts/test_portfolio_optimization.py`` (basic validation: 4 checks).

Same as ``tradewind validate basic ...`` (all its options work here): the optimizer on your
configuration and data, each check printed as PASS or FAIL, then ``basic: N/4``.
"""

from _shim import run

if __name__ == "__main__":
    run("validate", "basic")
