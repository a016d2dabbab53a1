"""What a sweep tries: a grid of config values (a YAML of lists or ``--set``) and how to search it.

A space file is YAML::

    method: grid            # grid (every combination), random or tpe (optuna)
    trials: 40              # the budget of a random or tpe search (grid: every combination)
    seed: 7                 # random and tpe draws are reproducible
    params:                 # dotted config paths, each with the values to try
      portfolio_optimization.lookback_days: [126, 252]
      portfolio_optimization.rebalancing.drift_threshold: [0.05, 0.10, 0.20]

A file holding only the ``params`` mapping is a grid. Each trial is named by a hash of its
parameters (:func:`trial_id`), so a restarted sweep recognises the trials it already finished.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
import yaml

from tradewind.domain.errors import ConfigError, UsageError

SearchMethod = Literal["grid", "random", "tpe"]
SPACE_KEYS = frozenset({"method", "trials", "seed", "params"})


@dataclass(frozen=True)
class SearchSpace:
    """The values to try per dotted config path, and how to search them.

    Attributes
    ----------
    params
        Dotted config path -> the values to try, in order.
    method
        ``grid``: every combination; ``random``: ``trials`` distinct combinations drawn with
        ``seed``; ``tpe``: ``trials`` combinations proposed by optuna's TPE sampler.
    trials
        The budget of a random or TPE search; None for a grid.
    seed
        Seed of the random draws and of the TPE sampler.
    """

    params: dict[str, list[Any]]
    method: SearchMethod = "grid"
    trials: int | None = None
    seed: int = 0
    _size: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.params:
            raise ConfigError("a sweep needs at least one parameter with values to try")
        for key, values in self.params.items():
            if not isinstance(values, list) or not values:
                raise ConfigError(f"params.{key}: expected a non-empty list of values")
            dupes = [v for i, v in enumerate(values) if _canon(v) in map(_canon, values[:i])]
            if dupes:
                raise ConfigError(f"params.{key}: {dupes[0]!r} is listed twice; list it once")
        if self.method not in get_args(SearchMethod):
            raise ConfigError(
                f"method: {self.method!r} is not a search method; use grid, random or tpe"
            )
        if self.method != "grid" and (self.trials is None or self.trials < 1):
            raise ConfigError(
                f"trials: a {self.method} search needs a budget of at least 1 trial "
                f"(was {self.trials}); set trials: N or --trials N"
            )
        object.__setattr__(self, "_size", math.prod(len(v) for v in self.params.values()))

    @property
    def size(self) -> int:
        """Number of combinations in the grid."""
        return self._size

    @property
    def budget(self) -> int:
        """Number of trials the search will run: the grid's size, or ``trials`` (at most that)."""
        if self.method == "grid" or self.trials is None:
            return self.size
        return min(self.trials, self.size)

    def as_dict(self) -> dict[str, Any]:
        """The space as written to ``sweep.json`` (read back by :func:`parse_space`)."""
        return {"method": self.method, "trials": self.trials, "seed": self.seed,
                "params": self.params}  # fmt: skip

    def combination(self, index: int) -> dict[str, Any]:
        """The ``index``-th combination of the grid (last parameter varying fastest)."""
        out: dict[str, Any] = {}
        for key, values in reversed(list(self.params.items())):
            index, pick = divmod(index, len(values))
            out[key] = values[pick]
        return dict(reversed(list(out.items())))


def trial_id(params: Mapping[str, Any]) -> str:
    """A stable 16-hex-digit name of one trial's parameters (the same in every run)."""
    return hashlib.sha256(_canon(dict(params)).encode()).hexdigest()[:16]


def parse_space(data: object, source: str = "the sweep space") -> SearchSpace:
    """A :class:`SearchSpace` from a parsed YAML mapping (see the module docstring).

    Raises
    ------
    ConfigError
        Unknown keys, a parameter without a list of values, a bad method or budget.
    """
    if not isinstance(data, Mapping):
        raise ConfigError(f"{source}: expected a mapping with params: {{path: [values]}}")
    if "params" not in data:
        return SearchSpace({str(k): _values(k, v) for k, v in data.items()})
    unknown = sorted(set(map(str, data)) - SPACE_KEYS)
    if unknown:
        raise ConfigError(
            f"{source}: unknown key {unknown[0]!r}; allowed: {', '.join(sorted(SPACE_KEYS))}"
        )
    params = data["params"]
    if not isinstance(params, Mapping):
        raise ConfigError(f"{source}: params must map dotted config paths to lists of values")
    trials = data.get("trials")
    seed = data.get("seed", 0)
    if trials is not None and not isinstance(trials, int):
        raise ConfigError(f"{source}: trials must be a whole number, was {trials!r}")
    if not isinstance(seed, int):
        raise ConfigError(f"{source}: seed must be a whole number, was {seed!r}")
    return SearchSpace(
        {str(k): _values(k, v) for k, v in params.items()},
        method=data.get("method", "grid"),
        trials=trials,
        seed=seed,
    )


def load_space(path: str | Path) -> SearchSpace:
    """Read a space file (YAML); errors name the file and the key."""
    file = Path(path)
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"--space {file}: no such file") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"--space {file}: not valid YAML ({exc})") from None
    return parse_space(data, source=str(file))


def parse_grid(specs: Sequence[str]) -> dict[str, list[Any]]:
    """``["a.b=1,2", "c=x"]`` -> ``{"a.b": [1, 2], "c": ["x"]}`` (values parsed as YAML)."""
    grid: dict[str, list[Any]] = {}
    for spec in specs:
        key, sep, values = spec.partition("=")
        if not sep or not key.strip() or not values.strip():
            raise UsageError(
                f"--set {spec!r}: expected KEY=V1,V2,... e.g. "
                "portfolio_optimization.rebalancing.drift_threshold=0.05,0.1"
            )
        grid[key.strip()] = _set_values(values)
    return grid


def _set_values(values: str) -> list[Any]:
    """``0.05,0.1`` -> ``[0.05, 0.1]``; ``[AAPL,MSFT],[KO,XOM]`` -> two lists (YAML flow)."""
    try:
        parsed = yaml.safe_load(f"[{values}]")
    except yaml.YAMLError:
        parsed = None
    if isinstance(parsed, list) and parsed:
        return parsed
    return [yaml.safe_load(v) for v in values.split(",")]


def combinations(grid: Mapping[str, list[Any]]) -> list[dict[str, Any]]:
    """Every combination of the grid's values, in a stable order (last key varying fastest)."""
    keys = list(grid)
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*grid.values())]


def planned_trials(space: SearchSpace) -> Iterator[dict[str, Any]]:
    """The trials of a grid or random search, in the order they are run.

    A random search draws ``trials`` distinct combinations with ``seed`` (the same draws in
    every run, so a restarted search resumes the same trials). A TPE search proposes its trials
    as results arrive: see :mod:`tradewind.backtest.tpe`.
    """
    if space.method == "tpe":
        raise ValueError("a TPE search proposes its trials as it goes; use TpeSearch")
    if space.method == "grid":
        yield from combinations(space.params)
        return
    rng = np.random.default_rng(space.seed)
    for index in rng.choice(space.size, size=space.budget, replace=False):
        yield space.combination(int(index))


def _values(key: object, values: object) -> list[Any]:
    if not isinstance(values, list):
        raise ConfigError(
            f"params.{key}: expected a list of values, e.g. [0.05, 0.1], was {values!r}"
        )
    return values


def _canon(value: object) -> str:
    return json.dumps(value, sort_keys=True, default=str)
