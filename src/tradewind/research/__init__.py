"""Research tools: how well the regime detectors work, measured on known and real history.

Not part of any trading run: ``tradewind regime evaluate`` and the tests use them. They may
read any data source (synthetic markets with known regimes, the bundled S&P 500), which the
detectors themselves never do.
"""
