"""The runbook's ``python scripts/test_broker_connection.py --paper``.

Same as ``tradewind test-broker ...`` (all its options work here, e.g. ``--place-test-order``).
"""

from _shim import run

if __name__ == "__main__":
    run("test-broker")
