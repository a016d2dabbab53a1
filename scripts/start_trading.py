"""The runbook's ``python scripts/start_trading.py --paper --interval 3600 --ensemble``.

Same as ``tradewind trade ...`` (all its options work here): ``--paper`` is ``--mode paper``.
"""

from _shim import run

if __name__ == "__main__":
    run("trade")
