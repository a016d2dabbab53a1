"""A paper-trading service session on a fake clock (run as a subprocess by
``test_paper_service.py``, so it can be killed with SIGKILL).

``python paper_session.py CONFIG OPTIONS_JSON``: the clock starts at ``options["start"]`` or
where the previous session left it (``options["clock_file"]``, which the test's fake broker
reads too), and waits advance it instantly; the session stops after ``options["max_hours"]``
of fake time (a halted run would otherwise wait for a person forever).
"""

import json
import sys
from pathlib import Path

import pandas as pd

from tradewind.config import load_config
from tradewind.config.loader import mode_in_file
from tradewind.domain.errors import TradewindError
from tradewind.review.paper_phase import paper_phase
from tradewind.service import StopFlag, TradeOptions, TradingService

cfg = load_config(sys.argv[1])
opts = json.loads(sys.argv[2])
clock_file = Path(opts["clock_file"])
t = [pd.Timestamp(clock_file.read_text().strip() if clock_file.exists() else opts["start"])]
stop = StopFlag()
until = t[0] + pd.Timedelta(hours=opts.get("max_hours", 48))


def save() -> None:
    clock_file.write_text(t[0].isoformat())


def now() -> pd.Timestamp:
    return t[0]


def wait(seconds: float) -> bool:
    t[0] = t[0] + pd.Timedelta(seconds=max(seconds, 0.0))
    save()
    if t[0] > until:  # a halted run waits for a person forever: end the session instead
        stop.set("the session's fake time is up")
        return True
    return False


def announce(lines: list[str]) -> None:
    print("STARTED", flush=True)
    for line in lines:
        print(line, flush=True)


save()
svc = TradingService(
    cfg,
    TradeOptions(
        max_cycles=opts["cycles"],
        error_backoff=(0.0,),
        live=opts.get("live", False),
        accept_paper_gaps=opts.get("accept_paper_gaps", False),
    ),
    file_mode=mode_in_file(sys.argv[1]),
    now=now,
    wait=wait,
    stop=stop,
    announce=announce,
    paper_check=paper_phase,  # as `tradewind trade` composes it
)
try:
    result = svc.run()
except TradewindError as exc:  # refused (as `tradewind trade` prints it, exit 2)
    print("REFUSED", exc, flush=True)
    sys.exit(2)
print("RESULT", result.status, result.cycles, result.halted, result.message, flush=True)
