"""PBO by CSCV: against a plain loop over every split, and on cases whose answer is known."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tradewind.reports.pbo import choose_splits, pbo_cscv


def _reference_logits(returns: np.ndarray, splits: int) -> np.ndarray:
    """Bailey et al.'s algorithm written as directly as possible: one split at a time."""
    n = returns.shape[1]
    blocks = np.array_split(np.arange(returns.shape[0]), splits)
    out = []
    for chosen in itertools.combinations(range(splits), splits // 2):
        rows_in = np.concatenate([blocks[b] for b in chosen])
        rows_out = np.concatenate([blocks[b] for b in range(splits) if b not in chosen])

        def sharpe(rows: np.ndarray) -> np.ndarray:
            part = returns[rows]
            return part.mean(axis=0) / part.std(axis=0, ddof=1)

        s_in, s_out = sharpe(rows_in), sharpe(rows_out)
        best = int(np.argmax(s_in))
        below = sum(s_out[j] < s_out[best] for j in range(n))
        ties = sum(s_out[j] == s_out[best] for j in range(n))
        w = (below + (ties + 1) / 2) / (n + 1)
        out.append(np.log(w / (1 - w)))
    return np.array(out)


def test_cscv_equals_the_split_by_split_reference() -> None:
    rng = np.random.default_rng(5)
    returns = rng.normal(0.0003, 0.01, size=(242, 7))
    result = pbo_cscv(returns, splits=8)
    reference = _reference_logits(returns, 8)
    assert result.combinations == 70 == len(reference)
    np.testing.assert_allclose(result.logits, reference, rtol=0, atol=1e-9)
    assert result.probability == pytest.approx(float(np.mean(reference <= 0)))


def test_pure_noise_strategies_overfit_half_the_time_on_average() -> None:
    # For one data set the splits share their sessions, so PBO varies a lot from one noise
    # sample to the next (the trial with the luckiest full sample tends to win both halves);
    # over many samples the in-sample winner's out-of-sample rank is uniform: PBO about 1/2.
    values = [
        pbo_cscv(np.random.default_rng(seed).normal(0.0, 0.01, size=(500, 10)), 8).probability
        for seed in range(40)
    ]
    assert 0.4 < float(np.mean(values)) < 0.6
    assert max(values) - min(values) > 0.5


def test_a_strategy_with_a_real_edge_is_not_overfit() -> None:
    rng = np.random.default_rng(17)
    returns = rng.normal(0.0, 0.01, size=(1000, 30))
    returns[:, 4] += 0.004  # a Sharpe of about 6 a year: best in and out of every split
    result = pbo_cscv(returns, splits=10)
    assert result.probability == 0.0
    assert result.oos_loss_probability == 0.0


@pytest.mark.parametrize(
    ("shape", "splits", "message"),
    [((100, 1), 4, "at least 2 trials"), ((100, 3), 5, "even number"), ((10, 3), 8, "too few")],
)
def test_bad_inputs_are_refused(shape: tuple[int, int], splits: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        pbo_cscv(np.ones(shape), splits)


def test_block_count_leaves_twenty_sessions_a_block() -> None:
    assert choose_splits(5000) == 16
    assert choose_splits(250) == 12
    assert choose_splits(30) == 2
