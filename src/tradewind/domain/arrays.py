"""Array type aliases used wherever numpy arrays cross a module boundary."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
"""A float64 array: prices, quantities, weights (indexed like the run's symbols)."""

BoolArray = npt.NDArray[np.bool_]
"""A boolean mask."""

IntArray = npt.NDArray[np.int64]
"""An int64 array: row indices, counts."""
