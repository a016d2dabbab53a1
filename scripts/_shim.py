"""Run a ``tradewind`` sub-command from the runbook's ``python scripts/...`` entry points."""

from __future__ import annotations

import os
import sys
from pathlib import Path

_SRC = Path(__file__).resolve().parent.parent / "src"
if _SRC.is_dir() and str(_SRC) not in sys.path:
    sys.path.insert(0, str(_SRC))


def run(*command: str) -> None:
    """Invoke ``tradewind <command...> <this script's arguments>``."""
    from tradewind.cli.app import app
    from tradewind.cli.common import SCRIPT_ENV

    os.environ[SCRIPT_ENV] = " ".join(command)  # the log names the sub-command it ran
    app(args=[*command, *sys.argv[1:]], prog_name="tradewind")
