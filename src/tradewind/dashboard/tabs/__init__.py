"""The dashboard's five tabs, one module each (the runbook's "Monitoring Dashboard"):
Portfolio, Performance, Regime, Transaction Costs and System Health. Each ``render`` draws
one tab of a :class:`~tradewind.dashboard.view.RunView` into the current Streamlit container."""

TAB_NAMES = ("Portfolio", "Performance", "Regime", "Transaction Costs", "System Health")
"""The tabs, in the runbook's order (also the values of the page's ``?tab=`` parameter)."""
