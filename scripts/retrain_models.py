"""The runbook's ``python scripts/retrain_models.py --models all --deploy`` and
``python scripts/retrain_models.py --monitoring-status``.

Same as ``tradewind retrain ...`` (all its options work here).
"""

from _shim import run

if __name__ == "__main__":
    run("retrain")
