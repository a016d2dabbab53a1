"""The runbook's ``streamlit run src/dashboard/app.py``: the tradewind monitoring dashboard.

A thin shim over :mod:`tradewind.dashboard.app`. From the repository root it listens on
127.0.0.1:8501 (``.streamlit/config.toml``); ``tradewind dashboard`` starts the same page with
the ``dashboard:`` settings of the configuration. Pick the configuration with
``streamlit run src/dashboard/app.py -- --config config/demo.yaml`` or ``$TRADEWIND_CONFIG``.
"""

import sys
from pathlib import Path

_SRC = Path(__file__).resolve().parent.parent
if (_SRC / "tradewind").is_dir() and str(_SRC) not in sys.path:
    sys.path.insert(0, str(_SRC))  # a checkout without `pip install -e .`

from tradewind.dashboard.app import main  # noqa: E402

main()
