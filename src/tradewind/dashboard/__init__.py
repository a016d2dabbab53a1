"""The monitoring dashboard (Streamlit): the runbook's five tabs over a run in the database.

Started by ``tradewind dashboard`` or the runbook's ``streamlit run src/dashboard/app.py``;
the page is :mod:`tradewind.dashboard.app`. An entry point beside the CLI: it reads runs through
the same functions the reports use, so every figure has one source.

* :mod:`~tradewind.dashboard.source`: the launch configuration and the database, read-only;
  :mod:`~tradewind.dashboard.cache`: what is kept between reruns;
* :mod:`~tradewind.dashboard.view`: a run and the figures of its reports;
* :mod:`~tradewind.dashboard.portfolio`, :mod:`~tradewind.dashboard.regime`,
  :mod:`~tradewind.dashboard.costs`, :mod:`~tradewind.dashboard.health`,
  :mod:`~tradewind.dashboard.freshness`, :mod:`~tradewind.dashboard.models`: each tab's figures;
* :mod:`~tradewind.dashboard.tabs`: drawing the tabs; :mod:`~tradewind.dashboard.charts`:
  the plotly charts; :mod:`~tradewind.dashboard.fmt`: the number formats;
* :mod:`~tradewind.dashboard.refresh`: refreshing during market hours;
  :mod:`~tradewind.dashboard.resume`: the one action, a confirmed resume after a halt.
"""
