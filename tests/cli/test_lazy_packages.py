"""Packages whose ``__init__`` imports names on first use (PEP 562): every public name still
resolves to its submodule's object, unknown names still fail, and a light submodule does not
bring its heavy siblings."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

LAZY = ("tradewind.risk", "tradewind.portfolio", "tradewind.data")


@pytest.mark.parametrize("package", LAZY)
def test_every_public_name_is_its_submodules_object(package: str) -> None:
    module = importlib.import_module(package)
    where = module._WHERE
    assert sorted(where) == sorted(module.__all__)
    for name in module.__all__:
        assert getattr(module, name) is getattr(importlib.import_module(where[name]), name)
    assert set(module.__all__) <= set(dir(module))
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = module.no_such_name


@pytest.mark.parametrize(
    ("light", "heavy"),
    [
        ("tradewind.risk.breakers", "pandas"),
        ("tradewind.risk.tracker", "pandas"),
        ("tradewind.engine.ids", "pandas"),
        ("tradewind.portfolio.registry", "scipy.cluster"),
        ("tradewind.portfolio.risk_parity", "scipy.linalg"),
        ("tradewind.portfolio.registry", "clarabel"),  # the fallback solver, loaded on use
        ("tradewind.portfolio.registry", "scipy.sparse"),
    ],
)
def test_a_light_submodule_leaves_heavy_siblings_unloaded(light: str, heavy: str) -> None:
    probe = f"import sys, {light}; print({heavy!r} in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "False"


def test_from_import_of_a_lazy_name_works_in_a_fresh_interpreter() -> None:
    probe = (
        "from tradewind.risk import RiskManager, apply_limits; "
        "from tradewind.portfolio import HierarchicalRiskParity; "
        "from tradewind.data import get_market_data; "
        "print(RiskManager.__module__, apply_limits.__module__, "
        "HierarchicalRiskParity.__module__, get_market_data.__module__)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split() == [
        "tradewind.risk.manager",
        "tradewind.risk.limits",
        "tradewind.portfolio.hierarchical",
        "tradewind.data.registry",
    ]
