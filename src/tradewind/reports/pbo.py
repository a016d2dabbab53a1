"""The probability of backtest overfitting (PBO), by combinatorially symmetric cross-validation.

Bailey, Borwein, Lopez de Prado and Zhu (2017), "The Probability of Backtest Overfitting",
Journal of Computational Finance 20(4). Given the daily returns of ``N`` trials over the same
``T`` sessions:

1. cut the sessions into ``S`` (even) consecutive blocks;
2. for each of the ``C(S, S/2)`` ways to pick half the blocks as in-sample (the rest, in the
   same proportion, out-of-sample), find the trial with the best in-sample Sharpe ratio and the
   relative rank ``w`` of that trial's out-of-sample Sharpe among all ``N`` (rank / (N + 1));
3. the logit ``ln(w / (1 - w))`` is at or below zero when the in-sample winner did no better
   than the median trial out of sample. PBO is the share of splits where that happens.

A PBO near 0 says the selection picks trials that stay good; near 0.5 or above, the best
in-sample trial is no better than a random one out of sample. Written out here because no
maintained package provides CSCV (it is a few numpy lines over block sums; every split's Sharpe
comes from the blocks' sums and sums of squares, so all 12,870 splits of S=16 take a moment).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import stats

FloatArray = npt.NDArray[np.float64]
DEFAULT_SPLITS = 16
CHUNK = 2048
"""Splits evaluated per vectorised step (bounds memory at CHUNK x N floats per array)."""


@dataclass(frozen=True)
class Pbo:
    """The result of CSCV over a sweep's trials.

    Attributes
    ----------
    probability
        PBO: the share of splits whose in-sample best ranked at or below the median out of sample.
    logits
        One logit of the in-sample best's out-of-sample relative rank per split.
    splits
        Number of blocks ``S`` the sessions were cut into.
    trials
        Number of trials ``N`` compared.
    oos_loss_probability
        Share of splits whose in-sample best had a negative out-of-sample Sharpe ratio.
    degradation_slope
        Slope of out-of-sample on in-sample Sharpe of the selected trials (negative or near zero:
        in-sample excellence does not carry over).
    """

    probability: float
    logits: FloatArray
    splits: int
    trials: int
    oos_loss_probability: float
    degradation_slope: float

    @property
    def combinations(self) -> int:
        """Number of in-sample / out-of-sample splits evaluated."""
        return len(self.logits)

    def verdict(self) -> str:
        """One sentence for people."""
        text = (
            f"probability of backtest overfitting {self.probability:.0%} over "
            f"{self.combinations} splits of {self.splits} blocks"
        )
        if self.probability >= 0.5:
            return (
                f"WARNING: {text}: the best in-sample trial does no better than the median "
                "trial out of sample as often as not; the sweep's winner is likely overfit"
            )
        return text


def block_sharpes(sums: FloatArray, squares: FloatArray, counts: FloatArray) -> FloatArray:
    """Per-period Sharpe ratios from summed returns, summed squares and counts (ddof 1).

    A trial without variation (e.g. all cash) has a Sharpe ratio of 0.
    """
    mean = sums / counts
    var = (squares - counts * mean * mean) / (counts - 1.0)
    sd = np.sqrt(np.maximum(var, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        out: FloatArray = np.where(sd > 1e-15, mean / sd, 0.0)
    return out


def pbo_cscv(returns: FloatArray, splits: int = DEFAULT_SPLITS) -> Pbo:
    """PBO of selecting the best Sharpe ratio among the columns of ``returns`` (T x N).

    Raises
    ------
    ValueError
        Fewer than two trials, an odd or too small ``splits``, or fewer than two sessions per
        block.
    """
    matrix = np.asarray(returns, dtype=np.float64)
    n_rows, n_trials = matrix.shape
    if n_trials < 2:
        raise ValueError(f"PBO compares at least 2 trials, got {n_trials}")
    if splits < 2 or splits % 2:
        raise ValueError(f"splits must be an even number of at least 2, was {splits}")
    if n_rows < 2 * splits:
        raise ValueError(f"{n_rows} sessions are too few for {splits} blocks (2 a block at least)")
    blocks = np.array_split(np.arange(n_rows), splits)
    sums = np.stack([matrix[b].sum(axis=0) for b in blocks])  # S x N
    squares = np.stack([(matrix[b] ** 2).sum(axis=0) for b in blocks])
    counts = np.array([len(b) for b in blocks], dtype=np.float64)  # S
    total_s, total_q, total_n = sums.sum(axis=0), squares.sum(axis=0), counts.sum()
    logits: list[FloatArray] = []
    is_best: list[FloatArray] = []
    oos_best: list[FloatArray] = []
    combos = itertools.combinations(range(splits), splits // 2)
    while chunk := list(itertools.islice(combos, CHUNK)):
        mask = np.zeros((len(chunk), splits))
        mask[np.repeat(np.arange(len(chunk)), splits // 2), np.ravel(chunk)] = 1.0
        n_in = (mask @ counts)[:, None]
        s_in, q_in = mask @ sums, mask @ squares
        sharpe_in = block_sharpes(s_in, q_in, n_in)
        sharpe_out = block_sharpes(total_s - s_in, total_q - q_in, total_n - n_in)
        best = np.argmax(sharpe_in, axis=1)
        rows = np.arange(len(chunk))
        chosen = sharpe_out[rows, best][:, None]
        # average rank of the chosen trial out of sample (ties share their ranks), 1..N
        rank = (sharpe_out < chosen).sum(axis=1) + ((sharpe_out == chosen).sum(axis=1) + 1) / 2.0
        w = rank / (n_trials + 1.0)
        logits.append(np.log(w / (1.0 - w)))
        is_best.append(sharpe_in[rows, best])
        oos_best.append(chosen[:, 0])
    lam = np.concatenate(logits)
    x, y = np.concatenate(is_best), np.concatenate(oos_best)
    slope = float(stats.linregress(x, y).slope) if np.ptp(x) > 0 else math.nan
    return Pbo(
        probability=float(np.mean(lam <= 0.0)),
        logits=lam,
        splits=splits,
        trials=n_trials,
        oos_loss_probability=float(np.mean(y < 0.0)),
        degradation_slope=slope,
    )


def choose_splits(sessions: int, wanted: int = DEFAULT_SPLITS) -> int:
    """The largest even block count up to ``wanted`` that leaves at least 20 sessions a block."""
    splits = min(wanted, sessions // 20)
    splits -= splits % 2
    return max(splits, 2)
