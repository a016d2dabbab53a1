"""The bundled stock prices are read from skfolio's own data files, without importing skfolio,
exactly as skfolio's loaders read them."""

from __future__ import annotations

import pandas as pd
import pytest
from skfolio.datasets import load_sp500_dataset, load_sp500_index

from tradewind.data.bundled import _skfolio_csv


@pytest.mark.parametrize(
    ("name", "load"), [("sp500_dataset", load_sp500_dataset), ("sp500_index", load_sp500_index)]
)
def test_a_file_reads_as_skfolio_loads_it(name: str, load: object) -> None:
    ours = _skfolio_csv(name)
    assert len(ours) > 8000
    pd.testing.assert_frame_equal(ours, load(), check_exact=True)  # type: ignore[operator]
