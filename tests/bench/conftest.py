"""The benchmark scripts' helpers (``bench/``, not part of the package) import each other by
module name, as when a script runs: ``bench/`` goes on ``sys.path`` for these tests."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"
if str(BENCH) not in sys.path:
    sys.path.append(str(BENCH))  # appended: never shadows an installed module
