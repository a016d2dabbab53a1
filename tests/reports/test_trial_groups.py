"""Identical trials count once; a parameter that changed nothing is named."""

from __future__ import annotations

import numpy as np

from tradewind.reports.trial_groups import group_identical, no_effect_params, same_values

A = np.array([0.01, -0.02, 0.005])
B = np.array([0.02, -0.01, 0.0])
C = np.array([0.0, 0.01, 0.01])


def test_identical_returns_form_one_group_and_near_ones_do_not() -> None:
    groups = group_identical({"t1": A, "t2": A.copy(), "t3": B, "t4": A + 1e-17 + 1e-12})
    assert groups.effective == 3
    assert groups.groups["t1"] == ["t1", "t2"]
    assert groups.group_of["t2"] == "t1"


def test_a_parameter_with_no_effect_anywhere_is_named() -> None:
    # the runbook's case: the regime policy picks the method, so sweeping it changes nothing
    params = {
        "t1": {"method": "max_sharpe", "drift": 0.05},
        "t2": {"method": "min_variance", "drift": 0.05},
        "t3": {"method": "max_sharpe", "drift": 0.2},
        "t4": {"method": "min_variance", "drift": 0.2},
    }
    groups = group_identical({"t1": A, "t2": A, "t3": B, "t4": B})
    found = no_effect_params(params, groups)
    assert [(n.param, n.unchanged, n.compared, n.everywhere) for n in found] == [
        ("method", 2, 2, True)
    ]
    assert found[0].message().startswith("method had no effect: in all 2 sets")


def test_a_partial_effect_names_where_it_had_none() -> None:
    params = {
        "t1": {"method": "max_sharpe", "regime_aware": True},
        "t2": {"method": "min_variance", "regime_aware": True},
        "t3": {"method": "max_sharpe", "regime_aware": False},
        "t4": {"method": "min_variance", "regime_aware": False},
    }
    groups = group_identical({"t1": A, "t2": A, "t3": B, "t4": C})
    found = {n.param: n for n in no_effect_params(params, groups)}
    assert set(found) == {"method"}  # regime_aware changed every result
    method = found["method"]
    assert (method.unchanged, method.compared, method.everywhere) == (1, 2, False)
    assert method.where == {"regime_aware": [True]}
    assert "where regime_aware=True" in method.message()


def test_values_that_never_changed_a_result_against_each_other_are_named() -> None:
    # drift 0.1 and 0.2 are interchangeable at both lookbacks; 0.02 differs from them
    params = {
        f"{d}-{lb}": {"drift": d, "lookback": lb} for d in (0.02, 0.1, 0.2) for lb in (63, 126)
    }
    returns = {
        "0.02-63": A, "0.1-63": B, "0.2-63": B,
        "0.02-126": C, "0.1-126": A + 1, "0.2-126": A + 1,
    }  # fmt: skip
    groups = group_identical(returns)
    found = same_values(params, groups)
    assert [(s.param, s.values) for s in found] == [("drift", [[0.1, 0.2]])]
    assert found[0].message().startswith("drift: the values 0.1, 0.2 gave identical results")
    assert no_effect_params(params, groups) == []  # it did change results (0.02 vs the rest)


def test_values_equal_in_one_set_but_not_another_are_not_interchangeable() -> None:
    params = {f"{d}-{lb}": {"drift": d, "lookback": lb} for d in (0.1, 0.2) for lb in (63, 126)}
    returns = {"0.1-63": A, "0.2-63": A, "0.1-126": B, "0.2-126": C}
    assert same_values(params, group_identical(returns)) == []
