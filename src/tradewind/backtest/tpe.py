"""A TPE search (optuna) over a sweep's grid, proposing trials in rounds as results come back.

Each round asks optuna's :class:`~optuna.samplers.TPESampler` for enough trials to keep every
worker busy, runs them, and tells the sampler their Sharpe ratios in the order they were asked
(not the order they finished), so a seeded search proposes the same trials on any executor and
any number of machines for the same round size. A restarted search first tells the sampler every
trial already recorded, then continues until the budget of distinct trials is spent.

Parameters are offered to optuna as categorical choices by position in their list, so any value
a config key takes (a list of symbols, a method name) can be searched.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tradewind.backtest.space import SearchSpace, trial_id
from tradewind.backtest.trial import TrialResult, TrialSpec
from tradewind.domain.errors import ConfigError

INSTALL = 'pip install "tradewind[tune]"'
MAX_REPEATS = 50
"""Proposals of already-run combinations tolerated per new trial before drawing an unseen one."""


def _optuna() -> Any:
    try:
        import optuna
    except ImportError:
        raise ConfigError(
            f"method: tpe needs optuna, which is not installed: run `{INSTALL}` "
            "(or use method: random)"
        ) from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


class TpeSearch:
    """Propose a TPE search's trials round by round (see the module docstring).

    Parameters
    ----------
    space
        The grid to search; ``space.trials`` is the budget of distinct trials.
    """

    def __init__(self, space: SearchSpace) -> None:
        self._optuna = _optuna()
        self.space = space
        self._dists = {
            key: self._optuna.distributions.CategoricalDistribution(list(range(len(values))))
            for key, values in space.params.items()
        }
        sampler = self._optuna.samplers.TPESampler(seed=space.seed)
        self._study = self._optuna.create_study(direction="maximize", sampler=sampler)
        self._seen: dict[str, float | None] = {}
        self._pending: dict[str, Any] = {}
        self._fallback = 0

    @property
    def remaining(self) -> int:
        """Distinct trials still to propose within the budget."""
        return max(0, self.space.budget - len(self._seen))

    def record(self, results: Mapping[str, TrialResult]) -> None:
        """Tell the sampler about finished trials (a restart's earlier results, or a round's)."""
        for result in results.values():
            if result.trial_id in self._seen:
                continue
            value = result.metrics.get("sharpe") if result.status == "ok" else None
            self._seen[result.trial_id] = value
            self._tell_new(result.params, value)

    def ask(self, count: int) -> list[TrialSpec]:
        """Up to ``count`` new, distinct trials (fewer when the budget runs out)."""
        out: list[TrialSpec] = []
        wanted = min(count, self.remaining)
        repeats = 0
        while len(out) < wanted:
            trial = self._study.ask(self._dists)
            params = self._decode(trial.params)
            tid = trial_id(params)
            taken = tid in self._seen or any(s.trial_id == tid for s in out)
            if taken and repeats < MAX_REPEATS:
                # TPE re-proposes a combination it already knows on small discrete grids:
                # answer it with the known result (pending ones as failed, never re-run).
                repeats += 1
                self._finish(trial, self._seen.get(tid))
                continue
            if taken:
                self._finish(trial, self._seen.get(tid))
                params = self._unseen(out)
                tid = trial_id(params)
            else:
                self._pending[tid] = trial
            out.append(TrialSpec(tid, params))
            repeats = 0
        return out

    def tell(self, results: list[TrialResult]) -> None:
        """Report a round's results, in the order the trials were asked."""
        for result in results:
            value = result.metrics.get("sharpe") if result.status == "ok" else None
            self._seen[result.trial_id] = value
            trial = self._pending.pop(result.trial_id, None)
            if trial is None:
                self._tell_new(result.params, value)
            else:
                self._finish(trial, value)

    def _finish(self, trial: Any, value: float | None) -> None:
        state = self._optuna.trial.TrialState
        if value is None:
            self._study.tell(trial, state=state.FAIL)
        else:
            self._study.tell(trial, value)

    def _tell_new(self, params: Mapping[str, Any], value: float | None) -> None:
        opt = self._optuna
        encoded = self._encode(params)
        if encoded is None:
            return  # a recorded trial outside this space (the space changed): not told
        state = opt.trial.TrialState.COMPLETE if value is not None else opt.trial.TrialState.FAIL
        frozen = opt.trial.create_trial(
            params=encoded, distributions=self._dists, value=value, state=state
        )
        self._study.add_trial(frozen)

    def _decode(self, indices: Mapping[str, int]) -> dict[str, Any]:
        return {key: self.space.params[key][int(indices[key])] for key in self.space.params}

    def _encode(self, params: Mapping[str, Any]) -> dict[str, int] | None:
        out: dict[str, int] = {}
        for key, values in self.space.params.items():
            if key not in params or params[key] not in values:
                return None
            out[key] = values.index(params[key])
        return out

    def _unseen(self, taken: list[TrialSpec]) -> dict[str, Any]:
        """The first grid combination (in grid order) not yet run nor proposed."""
        busy = set(self._seen) | {s.trial_id for s in taken}
        while self._fallback < self.space.size:
            params = self.space.combination(self._fallback)
            self._fallback += 1
            if trial_id(params) not in busy:
                return params
        raise RuntimeError("no unseen combination left although the budget is not spent")
