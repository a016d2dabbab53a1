"""Execution: the cost model used to estimate trades before they happen and to account fills."""

from tradewind.execution.costs import (
    ZERO_COST,
    CostBreakdown,
    CostComparison,
    CostModel,
    compare,
    total_costs,
)

__all__ = [
    "ZERO_COST",
    "CostBreakdown",
    "CostComparison",
    "CostModel",
    "compare",
    "total_costs",
]
