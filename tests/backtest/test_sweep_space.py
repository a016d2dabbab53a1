"""Sweep spaces: YAML of lists, --set, random draws within the grid, stable trial ids."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradewind.backtest.space import (
    SearchSpace,
    combinations,
    load_space,
    parse_grid,
    parse_space,
    planned_trials,
    trial_id,
)
from tradewind.domain.errors import ConfigError

GRID = {"a.x": [1, 2, 3], "b.y": ["p", "q"], "c.z": [0.1, 0.2]}


def test_a_space_file_of_lists_is_a_grid_and_a_full_file_sets_method_budget_seed(
    tmp_path: Path,
) -> None:
    plain = tmp_path / "plain.yaml"
    plain.write_text("a.x: [1, 2]\nb.y: [p]\n")
    space = load_space(plain)
    assert (space.method, space.size, space.budget) == ("grid", 2, 2)
    full = tmp_path / "full.yaml"
    full.write_text(
        "method: random\ntrials: 4\nseed: 3\nparams:\n  a.x: [1, 2, 3]\n  b.y: [p, q]\n"
    )
    space = load_space(full)
    assert (space.method, space.trials, space.seed, space.size, space.budget) == (
        "random", 4, 3, 6, 4,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"params": {"a.x": 3}}, r"params.a.x: expected a list of values"),
        ({"params": {"a.x": []}}, r"params.a.x: expected a non-empty list"),
        ({"params": {"a.x": [1, 1]}}, r"params.a.x: 1 is listed twice"),
        ({"method": "bayes", "params": {"a.x": [1]}}, r"'bayes' is not a search method"),
        ({"method": "random", "params": {"a.x": [1]}}, r"trials: a random search needs a budget"),
        ({"params": {"a.x": [1]}, "budget": 3}, r"unknown key 'budget'"),
        ({"params": {}}, r"at least one parameter"),
    ],
)
def test_bad_spaces_are_refused_naming_the_key(data: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_space(data)


def test_set_options_parse_as_yaml_values() -> None:
    grid = parse_grid(["portfolio_optimization.rebalancing.drift_threshold=0.05,0.1", "a.b=x"])
    assert grid == {"portfolio_optimization.rebalancing.drift_threshold": [0.05, 0.1], "a.b": ["x"]}
    universes = parse_grid(["trading.symbols=[AAPL,MSFT,KO],[JPM,XOM,WMT]"])
    assert universes == {"trading.symbols": [["AAPL", "MSFT", "KO"], ["JPM", "XOM", "WMT"]]}
    with pytest.raises(ConfigError, match="expected KEY=V1,V2"):
        parse_grid(["nonsense"])


def test_combination_by_index_matches_the_grid_order() -> None:
    space = SearchSpace(GRID)
    combos = combinations(GRID)
    assert len(combos) == space.size == 12
    assert [space.combination(i) for i in range(space.size)] == combos
    assert list(planned_trials(space)) == combos


def test_random_search_draws_distinct_grid_points_reproducibly() -> None:
    space = SearchSpace(GRID, method="random", trials=7, seed=11)
    first = list(planned_trials(space))
    assert first == list(planned_trials(space))  # same seed, same draws (a restart resumes them)
    assert len({trial_id(p) for p in first}) == 7
    grid_ids = {trial_id(p) for p in combinations(GRID)}
    assert {trial_id(p) for p in first} <= grid_ids
    other = list(planned_trials(SearchSpace(GRID, method="random", trials=7, seed=12)))
    assert other != first
    capped = SearchSpace(GRID, method="random", trials=50, seed=1)
    assert capped.budget == 12 and len(list(planned_trials(capped))) == 12


def test_trial_ids_are_stable_and_ignore_key_order() -> None:
    assert trial_id({"a": 1, "b": [1, 2]}) == trial_id({"b": [1, 2], "a": 1})
    assert trial_id({"a": 1}) != trial_id({"a": 1.5})
    assert trial_id({"a": 1}) == "f9d86028c6e0d64e"  # pinned: a resumed sweep must find its trials
