"""The benchmarks say when the machine was busy (``bench/machine.py``) and what CPU time the
engine used: the busy rule, the fields the results files keep, the README lines and the CPU
seconds beside the wall time; and the harness of ``bench/bench_jit.py``. Nothing here runs a
benchmark."""

from __future__ import annotations

import copy
import importlib
import json
import math
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
if str(BENCH) not in sys.path:  # bench/'s scripts import each other by module name
    sys.path.append(str(BENCH))  # appended: never shadows an installed module

import machine  # noqa: E402
import readme_block  # noqa: E402
import sweep_block  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
QUIET = machine.MachineLoad(cpus=2, load_start=0.4, load_end=1.3, own_load=0.9)
BUSY = machine.MachineLoad(cpus=2, load_start=3.1, load_end=1.3, own_load=0.9)
NOTICE = "the figures measure contention, re-run on a quiet machine"


def _script(name: str) -> Iterator[ModuleType]:
    """A benchmark script imported without keeping the BLAS settings it makes at import."""
    names = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
    saved = {name: os.environ.get(name) for name in names}
    yield importlib.import_module(name)
    for var, value in saved.items():
        if value is None:
            os.environ.pop(var, None)
        else:
            os.environ[var] = value


@pytest.fixture(scope="module")
def bench_engine() -> Iterator[ModuleType]:
    """``bench/bench_engine.py``."""
    yield from _script("bench_engine")


@pytest.fixture(scope="module")
def bench_sweep() -> Iterator[ModuleType]:
    """``bench/bench_sweep.py``."""
    yield from _script("bench_sweep")


def test_busy_is_a_load_average_above_half_the_cpus() -> None:
    assert machine.busy_threshold(2) == 1.0
    assert not machine.is_busy(1.0, 2)
    assert machine.is_busy(1.01, 2)
    assert not machine.is_busy(2.0, 4)
    assert machine.is_busy(2.01, 4)


def test_the_end_is_judged_without_the_benchmarks_own_share() -> None:
    began = machine.Start(cpus=2, load=0.2, clock=0.0)
    # ten minutes of one busy process: its share of the 1-minute average is ~1.0
    quiet = machine.ended(began, load_end=1.9, cpus_used=1.0, elapsed=600.0)
    busy = machine.ended(began, load_end=2.1, cpus_used=1.0, elapsed=600.0)
    assert quiet.own_load == pytest.approx(1.0 - math.exp(-10.0))
    assert (quiet.busy_end, quiet.busy) == (False, False)
    assert (busy.busy_end, busy.busy) == (True, True)
    # one minute in, the kernel's average holds 1 - 1/e of it
    short = machine.ended(began, load_end=1.5, cpus_used=2.0, elapsed=60.0)
    assert short.own_load == pytest.approx(2.0 * (1.0 - math.exp(-1.0)))
    assert not short.busy


def test_busy_at_the_start_alone_makes_the_run_busy() -> None:
    assert (BUSY.busy_start, BUSY.busy_end, BUSY.busy) == (True, False, True)
    assert (QUIET.busy_start, QUIET.busy_end, QUIET.busy) == (False, False, False)


def test_the_start_waits_a_bounded_time_for_the_load_to_settle() -> None:
    cpus = os.cpu_count() or 1
    high = machine.busy_threshold(cpus) + 1.0
    heard: list[str] = []
    slept: list[float] = []
    # the benchmark before leaves its load behind: it decays, and the start waits for it
    readings = iter([high, high, high - 1.5])
    began = machine.start(read=lambda: next(readings), sleep=slept.append, say=heard.append)
    assert began.load == high - 1.5 and not machine.is_busy(began.load, cpus)
    assert slept == [5.0, 5.0] and len(heard) == 1 and "waiting up to 90 s" in heard[0]
    # other work keeps it up: the wait ends at the limit and the start is judged busy
    slept.clear()
    began = machine.start(30.0, read=lambda: high, sleep=slept.append)
    assert sum(slept) == 30.0 and machine.is_busy(began.load, cpus)
    # a quiet machine starts at once
    slept.clear()
    machine.start(read=lambda: 0.0, sleep=slept.append)
    assert slept == []


def test_a_live_look_at_the_machine_gives_the_payload_fields() -> None:
    began = machine.start(settle=0.0)
    load = machine.finish(began, cpus_used=1.0)
    stored = json.loads(json.dumps(load.payload()))
    assert set(stored) == {"cpus", "load_start", "load_end", "own_load", "busy"}
    assert stored["cpus"] == os.cpu_count()
    assert stored["load_start"] >= 0.0 and stored["load_end"] >= 0.0
    assert 0.0 <= stored["own_load"] < 0.01  # a run of a few microseconds adds nothing yet
    assert stored["busy"] is load.busy


def test_the_warning_names_the_load_the_cpus_and_when() -> None:
    assert machine.warning(QUIET.payload()) is None
    assert machine.warning(BUSY.payload()) == (
        f"busy machine: load average 3.1 on 2 CPUs at the start; {NOTICE}"
    )
    at_end = machine.MachineLoad(cpus=2, load_start=0.4, load_end=3.0, own_load=0.9)
    assert machine.warning(at_end.payload()) == (
        "busy machine: load average 2.1 on 2 CPUs at the end, the benchmark's own share taken "
        f"off; {NOTICE}"
    )
    began = machine.Start(cpus=2, load=3.1, clock=0.0)
    assert f"[bold yellow]busy machine: load average 3.1 on 2 CPUs at the start; {NOTICE}[/]" in (
        machine.console_start(began)
    )
    assert "yellow" not in machine.console_end(QUIET)
    assert "yellow" in machine.console_end(BUSY)


def test_best_time_gives_the_cpu_seconds_of_each_run(bench_engine: ModuleType) -> None:
    def spin() -> None:
        until = time.process_time() + 0.05
        while time.process_time() < until:
            pass

    walls, cpus, _ = bench_engine.best_time(lambda: time.sleep(0.05), 2, warm_up=False)
    assert len(cpus) == 2 and all(c < 0.02 for c in cpus) and min(walls) >= 0.05
    walls, cpus, _ = bench_engine.best_time(spin, 2, warm_up=True)
    assert len(cpus) == 2 and all(c >= 0.05 for c in cpus)


def _engine_payload(bench_engine: ModuleType, load: machine.MachineLoad) -> dict[str, object]:
    metrics = bench_engine.TaskMetrics(1.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    rows = [
        bench_engine.Measured(name, seconds, 3, metrics, 0.0, 0.0, cpu_seconds=cpu)
        for name, seconds, cpu in (("tradewind", 0.10, 0.09), ("vectorbt", 0.05, 0.04))
    ]
    verdicts = [(True, "tradewind agrees with numpy within 0.25% (T1): final equity +0")]
    return dict(bench_engine._payload({"T1 sp500 N=20": rows}, verdicts, None, {}, load))


def test_the_engine_results_keep_the_machine_and_cpu_seconds(bench_engine: ModuleType) -> None:
    payload = json.loads(json.dumps(_engine_payload(bench_engine, BUSY)))
    assert payload["machine"] == BUSY.payload()
    assert payload["python"]
    case = payload["cases"]["T1 sp500 N=20"]
    assert {e: case[e]["cpu_seconds"] for e in case} == {"tradewind": 0.09, "vectorbt": 0.04}


def test_the_engine_readme_block_states_the_load_and_warns_when_busy(
    bench_engine: ModuleType,
) -> None:
    busy = readme_block.render(json.loads(json.dumps(_engine_payload(bench_engine, BUSY))))
    quiet = readme_block.render(json.loads(json.dumps(_engine_payload(bench_engine, QUIET))))
    line = (
        "Load average 3.1 at the start and 1.3 at the end, 0.9 of it the benchmark's own, "
        f"on 2 CPUs. **Busy machine: load average 3.1 on 2 CPUs at the start; {NOTICE}.**"
    )
    assert busy.splitlines()[0] == line
    assert quiet.splitlines()[0] == (
        "Load average 0.4 at the start and 1.3 at the end, 0.9 of it the benchmark's own, "
        "on 2 CPUs."
    )
    assert "Busy machine" not in quiet


def test_the_sweep_results_keep_the_machine(bench_sweep: ModuleType) -> None:
    runs = [
        bench_sweep.Measured(name, workers, 25, 1.0, 5.0, 9.0, 50, noop)
        for name, workers, noop in (("local", 2, None), ("dask 1", 1, 3.0), ("dask 2", 2, 4.0))
    ]
    figures = json.loads(json.dumps(bench_sweep._figures(runs, BUSY, 1.6, 0.03)))
    assert figures["machine"] == BUSY.payload()
    assert "load" not in figures  # the load average is in the machine's figures now


def test_the_sweep_readme_block_states_the_load_and_warns_when_busy() -> None:
    recorded = json.loads((ROOT / "docs" / "bench_sweep.json").read_text(encoding="utf-8"))
    data = copy.deepcopy(recorded)
    period = data["periods"]["2005-2022"]
    period.pop("load", None)  # a period measured before the machine figures were kept
    for load, warned in ((BUSY, True), (QUIET, False)):
        period["machine"] = load.payload()
        bullet = next(
            line for line in sweep_block.render(data).splitlines() if line.startswith("- 2005")
        )
        assert machine.load_line(load.payload()) in bullet
        assert bullet.endswith(f"; {NOTICE}.**") is warned
        assert ("Busy machine" in bullet) is warned


def test_the_jit_benchmark_measures_a_fresh_process(tmp_path: Path) -> None:
    # bench/bench_jit.py's harness: a fresh interpreter reports its peak memory and the step's
    # time (the baseline step needs no numba, which only the benchmark extra installs)
    import bench_jit

    (tmp_path / "kernel.py").write_text("", encoding="utf-8")
    got = bench_jit.run_step("baseline", tmp_path)
    assert set(got) == {"before", "after", "seconds"}
    assert got["after"] >= got["before"] > 50  # MiB: numpy, pandas and the engine are in
    assert 0.0 <= got["seconds"] < 0.01  # the baseline step does nothing more
