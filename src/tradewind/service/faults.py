"""Crash-test fault injection: ``TRADEWIND_FAULT=point:N`` kills the process at the N-th hit.

The order manager, the simulated broker and the service call :meth:`FaultPlan.hit` with a point
name at every step where a crash matters::

    after_persist       the order is committed in the store, the broker has not seen it
    after_mark          the hand-over time is recorded, the broker has not seen it
    sim_before_commit   the simulated broker changed its account in memory, not in its journal
    after_submit        the broker accepted the order, nothing of its answer is recorded
    after_fill          the broker reported a fill, the store has not recorded it
    after_record        the events are recorded, the engine has not booked them
    after_latch         the risk manager latched a halt in the database, mid-cycle
    after_clear         a replay's simulated resume cleared a halt, mid-cycle
    before_cycle_record the cycle ran, its row is not written
    after_cycle_record  the cycle row is written, the checkpoint is not
    after_checkpoint    the checkpoint is written

``any:N`` counts every point. The process kills itself with SIGKILL (no cleanup, no flush, as a
power cut or the OOM killer would), so the restart exercises the real recovery path. The hook is
honoured only in simulated mode; it is a no-op everywhere else.
"""

from __future__ import annotations

import logging
import os
import signal
from collections import Counter
from collections.abc import Mapping

ENV_VAR = "TRADEWIND_FAULT"

log = logging.getLogger(__name__)


class FaultPlan:
    """Which point to die at, parsed from ``point:N[,point:N...]``."""

    def __init__(self, spec: str | None = None) -> None:
        self.targets: dict[str, int] = {}
        for part in (spec or "").split(","):
            part = part.strip()
            if not part:
                continue
            name, _, count = part.partition(":")
            n = int(count) if count else 1
            if n < 1:
                raise ValueError(f"{ENV_VAR}: count must be >= 1 in {part!r}")
            self.targets[name] = n
        self.counts: Counter[str] = Counter()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> FaultPlan:
        """The plan in ``$TRADEWIND_FAULT`` (empty when unset)."""
        source = os.environ if env is None else env
        return cls(source.get(ENV_VAR))

    @property
    def active(self) -> bool:
        """True when some point is armed."""
        return bool(self.targets)

    def hit(self, point: str) -> None:
        """Count ``point``; kill this process if it (or ``any``) reached its count."""
        if not self.targets:
            return
        self.counts[point] += 1
        self.counts["any"] += 1
        for name in (point, "any"):
            if name in self.targets and self.counts[name] == self.targets[name]:
                log.debug(
                    "fault injection: killing the process at %s #%d", point, self.counts[name]
                )
                os.kill(os.getpid(), signal.SIGKILL)
