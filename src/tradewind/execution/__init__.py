"""Execution costs: the model that estimates a trade before it happens and accounts its fills.

The cost records themselves (:class:`~tradewind.domain.costs.CostBreakdown`, ...) are domain
values; order management lives in :mod:`tradewind.orders`.
"""

from tradewind.execution.costs import CostModel

__all__ = ["CostModel"]
