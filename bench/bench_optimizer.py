"""Benchmark O1 of ``shared/BENCH_TASKS.md``: the optimizer alone, against skfolio and Clarabel.

Run: ``.venv/bin/python bench/bench_optimizer.py`` (about 3 minutes; ``--budget`` sets the
seconds of timing per engine and set, ``--quick`` runs a smoke version in ~30 s).

Sets of 252-day estimation windows (mu = mean, S = sample covariance with ddof 1):

* ``N=20``: the T2 windows of the real data (closes ``k-252 .. k`` of the month-start rows
  ``k >= 252`` of ``skfolio.datasets.load_sp500_dataset()``), every 2nd rebalance: 192 windows;
* ``N=100``, ``N=500``: samples of the T3 windows (seeded one-factor GBM, same rule), every 12th
  and every 38th of the 228 rebalances.

Problems: long-only, cap 0.30, fully invested, rf = 0 -- max Sharpe, min variance and risk
parity (equal risk contribution). Engines, timed in the same run on the same windows after one
untimed warm-up call, single-threaded BLAS:

* ``tradewind``: ``MaxSharpe / MinVariance / RiskParity(Constraints(max_weight=0.3)).fit(mu, S)``;
* ``skfolio``: ``MeanRisk(MAXIMIZE_RATIO | MINIMIZE_RISK)`` / ``RiskBudgeting`` with
  ``max_weights=0.3``, default settings, fitted on the returns (its time includes its moments);
* ``direct QP`` (the reference): Clarabel's direct API, tolerances 1e-10, matrices built from
  index arrays -- the Charnes-Cooper QP ``min y'Sy, mu'y = 1, 1'y = k, 0 <= y <= 0.3k`` for max
  Sharpe, ``min w'Sw, 1'w = 1, 0 <= w <= 0.3`` for min variance, and the log-barrier
  risk-budgeting problem with exponential cones for risk parity (``S`` divided by its mean
  variance for the last two, so that the absolute tolerances are meaningful).

Accuracy against the reference, per window, worst case: the max absolute weight difference and
the objective gap -- the in-sample Sharpe shortfall (annualised, reference minus engine) for max
Sharpe, the relative volatility excess for min variance, and ``max |RC_i - 1/N|`` of the
engine's own weights for risk parity (0 for an exact ERC portfolio; caps never bind here).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ[_var] = "1"  # before numpy is imported: single-threaded BLAS

import argparse  # noqa: E402
import hashlib  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Any  # noqa: E402

import clarabel  # noqa: E402
import numpy as np  # noqa: E402
import numpy.typing as npt  # noqa: E402
import pandas as pd  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.progress import Progress  # noqa: E402
from rich.table import Table  # noqa: E402
from scipy import sparse  # noqa: E402
from skfolio.datasets import load_sp500_dataset  # noqa: E402
from skfolio.optimization import MeanRisk, ObjectiveFunction, RiskBudgeting  # noqa: E402
from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402

from tradewind.portfolio import Constraints, MaxSharpe, MinVariance, RiskParity  # noqa: E402

FloatArray = npt.NDArray[np.float64]
CAP = 0.30
LOOKBACK = 252
T3_SEED = 20240101
METHODS = ("max_sharpe", "min_variance", "risk_parity")
ENGINES = ("tradewind", "skfolio", "direct QP")
console = Console(width=None if sys.stdout.isatty() else 132)


@dataclass(frozen=True)
class Window:
    """One estimation window."""

    label: str
    returns: FloatArray
    mu: FloatArray
    cov: FloatArray


# --- data ------------------------------------------------------------------------------------
def month_start_rows(index: pd.DatetimeIndex) -> list[int]:
    """Row 0 and every row whose (year, month) differs from the previous row's."""
    months = index.year * 12 + index.month
    return [0] + [k for k in range(1, len(index)) if months[k] != months[k - 1]]


def windows(prices: pd.DataFrame, every: int) -> list[Window]:
    """The T2 estimation windows of ``prices``, every ``every``-th rebalance."""
    p = prices.to_numpy(dtype=np.float64)
    rows = [k for k in month_start_rows(pd.DatetimeIndex(prices.index)) if k >= LOOKBACK]
    out = []
    for k in rows[::every]:
        closes = p[k - LOOKBACK : k + 1]
        r = closes[1:] / closes[:-1] - 1.0
        label = str(pd.Timestamp(prices.index[k]).date())
        out.append(Window(label, r, r.mean(axis=0), np.cov(r, rowvar=False, ddof=1)))
    return out


def t3_prices(n_assets: int) -> pd.DataFrame:
    """The T3 one-factor GBM closes, exactly as BENCH_TASKS defines them."""
    dates = pd.bdate_range("2000-01-03", "2019-12-31")
    rng = np.random.default_rng(T3_SEED)
    mu = rng.uniform(0.02, 0.15, n_assets)
    sigma = rng.uniform(0.15, 0.40, n_assets)
    f = rng.standard_normal((len(dates) - 1, 1))
    e = rng.standard_normal((len(dates) - 1, n_assets))
    z = np.sqrt(0.3) * f + np.sqrt(0.7) * e
    log_r = (mu - sigma**2 / 2.0) / 252 + sigma / np.sqrt(252) * z
    log_p = np.vstack([np.zeros((1, n_assets)), np.cumsum(log_r, axis=0)])
    return pd.DataFrame(100.0 * np.exp(log_p), index=dates)


def sha256(prices: pd.DataFrame) -> str:
    values = np.ascontiguousarray(prices.to_numpy(dtype=np.float64))
    return hashlib.sha256(values.tobytes()).hexdigest()


# --- the direct Clarabel reference -----------------------------------------------------------
def _settings() -> Any:
    s = clarabel.DefaultSettings()
    s.verbose = False
    s.tol_gap_abs = s.tol_gap_rel = s.tol_feas = 1e-10
    return s


def _upper(matrix: FloatArray, size: int) -> sparse.csc_matrix:
    n = matrix.shape[0]
    rows = np.concatenate([np.arange(j + 1) for j in range(n)])
    cols = np.repeat(np.arange(n), np.arange(1, n + 1))
    ptr = np.concatenate([[0], np.cumsum(np.arange(1, n + 1)), np.full(size - n, n * (n + 1) // 2)])
    return sparse.csc_matrix((matrix[rows, cols], rows, ptr), shape=(size, size))


def ref_max_sharpe(mu: FloatArray, cov: FloatArray) -> FloatArray | None:
    """Charnes-Cooper QP; variables (y, k); rows: mu'y = 1, 1'y - k = 0, -y <= 0, y - cap k <= 0."""
    n = mu.size
    j = np.arange(n)
    rows = np.concatenate(
        [np.stack([np.zeros(n), np.ones(n), 2 + j, 2 + n + j], 1).ravel(), [1], 2 + n + j]
    ).astype(np.int64)
    data = np.concatenate(
        [np.stack([mu, np.ones(n), -np.ones(n), np.ones(n)], 1).ravel(), [-1.0], np.full(n, -CAP)]
    )
    ptr = np.concatenate([np.arange(0, 4 * n + 1, 4), [5 * n + 1]])
    a = sparse.csc_matrix((data, rows, ptr), shape=(2 + 2 * n, n + 1))
    b = np.zeros(2 + 2 * n)
    b[0] = 1.0
    cones = [clarabel.ZeroConeT(2), clarabel.NonnegativeConeT(2 * n)]
    sol = clarabel.DefaultSolver(_upper(cov, n + 1), np.zeros(n + 1), a, b, cones, _settings())
    x = np.asarray(sol.solve().x)
    return None if not np.isfinite(x).all() or x[n] <= 0 else x[:n] / x[n]


def ref_min_variance(cov: FloatArray) -> FloatArray | None:
    """min w'Sw; rows: 1'w = 1, -w <= 0, w <= cap."""
    n = cov.shape[0]
    j = np.arange(n)
    rows = np.stack([np.zeros(n), 1 + j, 1 + n + j], 1).ravel().astype(np.int64)
    data = np.stack([np.ones(n), -np.ones(n), np.ones(n)], 1).ravel()
    a = sparse.csc_matrix((data, rows, np.arange(0, 3 * n + 1, 3)), shape=(1 + 2 * n, n))
    b = np.concatenate([[1.0], np.zeros(n), np.full(n, CAP)])
    cones = [clarabel.ZeroConeT(1), clarabel.NonnegativeConeT(2 * n)]
    p = _upper(cov / np.mean(np.diag(cov)), n)
    x = np.asarray(clarabel.DefaultSolver(p, np.zeros(n), a, b, cones, _settings()).solve().x)
    return x if np.isfinite(x).all() else None


def ref_risk_parity(cov: FloatArray) -> FloatArray | None:
    """min 1/2 x'Sx - (1/n) sum t; (t_i, 1, x_i) in K_exp; x_i <= cap s; 1'x = s."""
    n = cov.shape[0]
    j = np.arange(n)
    base = n + 1
    x_rows = np.stack([np.zeros(n), 1 + j, base + 3 * j + 2], 1).ravel()
    rows = np.concatenate([x_rows, base + 3 * j, np.arange(n + 1)]).astype(np.int64)
    data = np.concatenate([np.tile([1.0, 1.0, -1.0], n), -np.ones(n), [-1.0], np.full(n, -CAP)])
    ptr = np.concatenate([np.arange(0, 3 * n + 1, 3), 3 * n + np.arange(1, n + 1), [5 * n + 1]])
    a = sparse.csc_matrix((data, rows, ptr), shape=(base + 3 * n, 2 * n + 1))
    b = np.zeros(base + 3 * n)
    b[base + 1 :: 3] = 1.0
    q = np.concatenate([np.zeros(n), np.full(n, -1.0 / n), [0.0]])
    cones = [clarabel.ZeroConeT(1), clarabel.NonnegativeConeT(n)]
    cones += [clarabel.ExponentialConeT() for _ in range(n)]
    p = _upper(cov / np.mean(np.diag(cov)), 2 * n + 1)
    x = np.asarray(clarabel.DefaultSolver(p, q, a, b, cones, _settings()).solve().x)[:n]
    return x / x.sum() if np.isfinite(x).all() and x.sum() > 0 else None


# --- engines ---------------------------------------------------------------------------------
Solver = Callable[[Window], FloatArray | None]


def _skfolio(model: Callable[[], Any]) -> Solver:
    def solve(w: Window) -> FloatArray | None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return np.asarray(model().fit(w.returns).weights_)
        except Exception:  # a solver failure counts as no answer
            return None

    return solve


def engines(method: str) -> dict[str, Solver]:
    """The three engines for ``method``."""
    cons = Constraints(max_weight=CAP)
    if method == "max_sharpe":
        return {
            "tradewind": lambda w: MaxSharpe(cons).fit(w.mu, w.cov).weights_,
            "skfolio": _skfolio(
                lambda: MeanRisk(
                    objective_function=ObjectiveFunction.MAXIMIZE_RATIO, max_weights=CAP
                )
            ),
            "direct QP": lambda w: ref_max_sharpe(w.mu, w.cov),
        }
    if method == "min_variance":
        return {
            "tradewind": lambda w: MinVariance(cons).fit(w.mu, w.cov).weights_,
            "skfolio": _skfolio(
                lambda: MeanRisk(
                    objective_function=ObjectiveFunction.MINIMIZE_RISK, max_weights=CAP
                )
            ),
            "direct QP": lambda w: ref_min_variance(w.cov),
        }
    return {
        "tradewind": lambda w: RiskParity(cons).fit(w.mu, w.cov).weights_,
        "skfolio": _skfolio(lambda: RiskBudgeting(max_weights=CAP)),
        "direct QP": lambda w: ref_risk_parity(w.cov),
    }


# --- timing and accuracy ---------------------------------------------------------------------
@dataclass
class Timing:
    """Calls and seconds per window; the first answer per window."""

    seconds: dict[int, float] = field(default_factory=dict)
    calls: dict[int, int] = field(default_factory=dict)
    answers: dict[int, FloatArray | None] = field(default_factory=dict)

    def ms(self, subset: list[int] | None = None) -> float:
        """Mean ms per call over ``subset`` windows (each window weighted equally)."""
        keys = subset if subset is not None else list(self.seconds)
        return 1e3 * float(np.mean([self.seconds[i] / self.calls[i] for i in keys]))

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())


def time_engines(
    solvers: dict[str, Solver],
    ws: list[Window],
    limits: dict[str, int],
    budget: float,
    on_call: Callable[[], None],
) -> dict[str, Timing]:
    """One warm-up call each, then round-robin passes until every engine has spent ``budget``.

    Engines take turns window by window, so a change of machine load hits them alike (the
    ratios stay fair on a shared machine). Engine ``e`` only sees the first ``limits[e]``
    windows, and drops out once it has spent its budget after one complete pass.
    """
    for solve in solvers.values():
        solve(ws[0])
    timings = {name: Timing() for name in solvers}
    spent = dict.fromkeys(solvers, 0.0)
    first_pass = True
    while first_pass or any(spent[e] < budget for e in solvers):
        for i, w in enumerate(ws):
            for name, solve in solvers.items():
                if i >= limits.get(name, len(ws)) or (not first_pass and spent[name] >= budget):
                    continue
                t0 = time.perf_counter()
                answer = solve(w)
                dt = time.perf_counter() - t0
                spent[name] += dt
                timing = timings[name]
                timing.seconds[i] = timing.seconds.get(i, 0.0) + dt
                timing.calls[i] = timing.calls.get(i, 0) + 1
                timing.answers.setdefault(i, answer)
                on_call()
        first_pass = False
    return timings


def gap(method: str, w: FloatArray, ref: FloatArray, win: Window) -> float:
    """Objective gap of ``w`` against ``ref`` (see the module docstring)."""
    if method == "max_sharpe":
        sharpe = lambda x: float(win.mu @ x / np.sqrt(x @ win.cov @ x))  # noqa: E731
        return np.sqrt(252) * (sharpe(ref) - sharpe(w))
    if method == "min_variance":
        return float(np.sqrt(w @ win.cov @ w) / np.sqrt(ref @ win.cov @ ref) - 1.0)
    rc = w * (win.cov @ w) / float(w @ win.cov @ w)
    return float(np.abs(rc - 1.0 / w.size).max())


@dataclass
class Row:
    set_name: str
    method: str
    engine: str
    timing: Timing
    windows: list[int]
    max_dw: float
    max_gap: float
    failures: int


def run_set(
    name: str, ws: list[Window], budget: float, skfolio_windows: int, progress: Progress
) -> list[Row]:
    """Time and check every method and engine on one set of windows."""
    rows: list[Row] = []
    for method in METHODS:
        usable = ws
        if method == "max_sharpe":  # undefined when no feasible portfolio has mu'w > 0
            best = [np.sort(w.mu)[::-1][:4] @ np.array([CAP, CAP, CAP, 0.1]) for w in ws]
            usable = [w for w, b in zip(ws, best, strict=True) if b > 0]
            if len(usable) < len(ws):
                console.print(
                    f"  {name} max_sharpe: {len(ws) - len(usable)} undefined window(s) "
                    "left out (no feasible portfolio with a positive return)"
                )
        task = progress.add_task(f"{name} {method}", total=None)
        timings = time_engines(
            engines(method),
            usable,
            {"skfolio": skfolio_windows},
            budget,
            lambda t=task: progress.advance(t),
        )
        progress.update(task, visible=False)
        reference = timings["direct QP"].answers
        for engine, timing in timings.items():
            dws, gaps, failures = [], [], 0
            for i, answer in timing.answers.items():
                ref = reference.get(i)
                if answer is None or ref is None:
                    failures += answer is None
                    continue
                dws.append(float(np.abs(answer - ref).max()))
                gaps.append(gap(method, answer, ref, usable[i]))
            rows.append(
                Row(
                    name,
                    method,
                    engine,
                    timing,
                    sorted(timing.answers),
                    max(dws, default=float("nan")),
                    max(gaps, default=float("nan")),
                    failures,
                )
            )
    return rows


def report(rows: list[Row]) -> list[str]:
    """Print the results table and return the target checks."""
    table = Table(title="O1: optimizer alone (single-threaded BLAS)")
    for col in (
        "set",
        "method",
        "engine",
        "windows",
        "calls",
        "ms/call",
        "calls/s",
        "tw / engine",
        "max |dw| vs ref",
        "objective gap",
    ):
        table.add_column(col, justify="right" if col not in ("set", "method", "engine") else "left")
    checks: list[str] = []
    by_key = {(r.set_name, r.method, r.engine): r for r in rows}
    for r in rows:
        tw = by_key[(r.set_name, r.method, "tradewind")]
        ms = r.timing.ms()
        ratio = tw.timing.ms(r.windows) / r.timing.ms(r.windows)  # same windows
        table.add_row(
            r.set_name,
            r.method,
            r.engine,
            str(len(r.windows)),
            str(r.timing.total_calls),
            f"{ms:.3f}",
            f"{1e3 / ms:,.0f}",
            "" if r.engine == "tradewind" else f"{ratio:.3f}",
            f"{r.max_dw:.1e}",
            f"{r.max_gap:.1e}" + (f" ({r.failures} failed)" if r.failures else ""),
        )
        if r.engine == "direct QP" and r.set_name in ("N=20", "N=500"):
            limit = 1.5 if r.set_name == "N=20" else 1.0
            ok = "PASS" if ratio < limit else "FAIL"
            checks.append(
                f"{ok}  {r.method} {r.set_name}: tradewind / direct QP = {ratio:.3f} "
                f"(target < {limit})"
            )
    console.print(table)
    return checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=3.0, help="seconds of timing per engine")
    parser.add_argument("--quick", action="store_true", help="smoke run: fewer windows")
    args = parser.parse_args()
    blas = [f"{i.get('internal_api')} x{i.get('num_threads')}" for i in threadpool_info()]
    console.print(f"BLAS: {', '.join(blas)}")
    real = pd.DataFrame(load_sp500_dataset())
    sets = [("N=20", windows(real, 2), 10_000)]
    for n, every, sk in ((100, 12, 10_000), (500, 38, 3)):
        prices = t3_prices(n)
        console.print(f"T3 N={n}: {prices.shape[0]} rows, sha256 {sha256(prices)}")
        sets.append((f"N={n}", windows(prices, every * (4 if args.quick else 1)), sk))
    if args.quick:
        sets[0] = ("N=20", sets[0][1][::8], 10_000)
    budget = args.budget / (4 if args.quick else 1)
    rows: list[Row] = []
    start = time.perf_counter()
    with threadpool_limits(1), Progress(console=console, transient=True) as progress:
        for name, ws, sk in sets:
            console.print(f"{name}: {len(ws)} windows")
            rows.extend(run_set(name, ws, budget, sk, progress))
    checks = report(rows)
    for line in checks:
        console.print(line, style="green" if line.startswith("PASS") else "red")
    console.print(f"total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
