"""Reviewing runs: what the records of a run say, and whether the system is ready for live.

Every report here is computed from a run's records in the store (``service/records.py`` loads
them, whatever the run's kind): the daily, weekly and summary reports, the readiness gate of the
runbook's criteria, the divergence of a run from its shadow backtest, the morning and evening
checklists and the validation suites. The figures themselves come from the pure functions of
:mod:`tradewind.reports`, the same ones backtests and the dashboard use.
"""
