"""Malformed price files: each defect raises its named error, naming the file, line and fix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tradewind.calendar import nyse
from tradewind.config import TradewindConfig
from tradewind.data.files import FilesData
from tradewind.data.files.checks import Limits
from tradewind.data.files.errors import (
    CalendarGapError,
    DateParseError,
    DuplicateDateError,
    FileFormatError,
    FileJumpError,
    InconsistentOHLCError,
    MissingColumnError,
    MissingFileError,
    MissingPriceError,
    NonNumericError,
    NonPositivePriceError,
    ShortHistoryError,
    StaleFileError,
)
from tradewind.domain.errors import (
    BadPriceError,
    DataError,
    DuplicateTimestampError,
    MissingDataError,
    NaNPriceError,
)

TODAY = pd.Timestamp("2022-07-05", tz="UTC")
HEADER = "Date,Open,High,Low,Close,Volume"


def good_rows(n: int = 300, start: str = "2021-03-01") -> list[str]:
    """``n`` consistent CSV rows on consecutive NYSE sessions."""
    days = nyse().sessions(start, "2023-12-29")[:n]
    rng = np.random.default_rng(3)
    close = [float(c) for c in 50 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))]
    rows = []
    for i, day in enumerate(days):
        o = close[i - 1] if i else close[0]
        h, lo = max(o, close[i]) * 1.01, min(o, close[i]) * 0.99
        rows.append(f"{day.date()},{o!r},{h!r},{lo!r},{close[i]!r},{1000 + i}")
    return rows


def write(folder: Path, name: str, rows: list[str], header: str = HEADER) -> Path:
    path = folder / name
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def load(folder: Path, symbol: str = "AAPL", **kwargs: object) -> pd.DataFrame:
    return FilesData(folder, today=TODAY, **kwargs).history(symbol)  # type: ignore[arg-type]


def edit(row: str, column: int, value: str) -> str:
    cells = row.split(",")
    cells[column] = value
    return ",".join(cells)


# Each case: how to spoil the rows, the header, the error, the line named (row i of good_rows()
# is on line i + 2: line 1 is the header) and words of the message.
Spoil = Callable[[list[str]], list[str]]


def drop_close(rows: list[str]) -> list[str]:
    return [",".join(x.split(",")[i] for i in (0, 1, 2, 3, 5)) for x in rows]


def keep_open_close(rows: list[str]) -> list[str]:
    return [",".join(x.split(",")[i] for i in (0, 1, 4, 5)) for x in rows]


def at(i: int, column: int, value: str) -> Spoil:
    return lambda r: [*r[:i], edit(r[i], column, value), *r[i + 1 :]]


CASES = [
    pytest.param(
        lambda r: r, "Day0,Open,High,Low,Close,Volume", MissingColumnError, None, "no date column",
        id="missing date column",
    ),
    pytest.param(
        drop_close, "Date,Open,High,Low,Volume", MissingColumnError, None, "no close column",
        id="missing close column",
    ),
    pytest.param(
        keep_open_close, "Date,Open,Close,Volume", MissingColumnError, None, "no High, Low",
        id="partial OHLC",
    ),
    pytest.param(
        at(6, 0, "2021-02-30"), HEADER, DateParseError, 8, "'2021-02-30' cannot be read",
        id="unparsable date",
    ),
    pytest.param(
        lambda r: [*r[:10], r[9], *r[10:]], HEADER, DuplicateDateError, 11,
        "appears more than once", id="duplicate dates",
    ),
    pytest.param(
        at(4, 4, "0"), HEADER, NonPositivePriceError, 6, "Close is zero or negative",
        id="zero price",
    ),
    pytest.param(
        at(4, 3, "-1.5"), HEADER, NonPositivePriceError, 6, "Low is zero or negative",
        id="negative price",
    ),
    pytest.param(
        at(20, 4, "NaN"), HEADER, MissingPriceError, 22, "Close is empty or NaN", id="NaN price"
    ),
    pytest.param(
        at(20, 1, ""), HEADER, MissingPriceError, 22, "Open is empty or NaN", id="empty price"
    ),
    pytest.param(
        at(3, 2, "12;5"), HEADER, NonNumericError, 5, "is not a number", id="text price"
    ),
    pytest.param(
        lambda r: [*r[:7], edit(edit(r[7], 2, "10"), 3, "11"), *r[8:]], HEADER,
        InconsistentOHLCError, 9, "High is below Low", id="high below low",
    ),
    pytest.param(
        at(7, 4, "9999"), HEADER, InconsistentOHLCError, 9, "Close is outside [Low, High]",
        id="close outside the range",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("spoil", "header", "error", "line", "words"), CASES)
def test_each_defect_raises_its_error_naming_file_line_and_fix(
    tmp_path: Path,
    spoil: Spoil,
    header: str,
    error: type[FileFormatError],
    line: int | None,
    words: str,
) -> None:
    path = write(tmp_path, "AAPL.csv", spoil(good_rows()), header)
    with pytest.raises(error) as caught:
        load(tmp_path)
    message = str(caught.value)
    assert str(path) in message
    assert words in message
    assert "Fix:" in message
    if line is not None:
        assert f"line {line}" in message or f"lines {line}" in message
        assert caught.value.row == line
    assert isinstance(caught.value, DataError)


def test_errors_are_also_the_domain_types_the_cycle_handles(tmp_path: Path) -> None:
    rows = good_rows()
    write(tmp_path, "DUP.csv", [*rows[:10], rows[9], *rows[10:]])
    write(tmp_path, "NAN.csv", [*rows[:5], edit(rows[5], 4, ""), *rows[6:]])
    write(tmp_path, "BAD.csv", [*rows[:5], edit(rows[5], 4, "-3"), *rows[6:]])
    data = FilesData(tmp_path, today=TODAY)
    with pytest.raises(DuplicateTimestampError):
        data.history("DUP")
    with pytest.raises(NaNPriceError):
        data.history("NAN")
    with pytest.raises(BadPriceError):
        data.history("BAD")
    with pytest.raises(MissingDataError):
        data.history("NOPE")


def test_every_problem_of_a_file_is_collected_not_only_the_first(tmp_path: Path) -> None:
    rows = good_rows()
    rows[3] = edit(rows[3], 0, "not a date")
    rows[8] = edit(rows[8], 4, "")
    rows[12] = edit(rows[12], 2, "1")
    write(tmp_path, "AAPL.csv", rows)
    report = FilesData(tmp_path, today=TODAY).report("AAPL")
    kinds = [p.kind for p in report.problems if p.severity == "error"]
    assert kinds == ["bad_date", "missing_price", "ohlc", "ohlc", "ohlc"]  # high < low, C, O
    with pytest.raises(DateParseError, match=r"line 5: .*4 more problems found"):
        load(tmp_path)


def test_parquet_errors_name_the_row(tmp_path: Path) -> None:
    frame = pd.DataFrame([r.split(",") for r in good_rows()], columns=HEADER.split(","))
    frame[["Open", "High", "Low", "Close", "Volume"]] = frame[
        ["Open", "High", "Low", "Close", "Volume"]
    ].astype(float)
    frame.loc[41, "Close"] = np.nan
    frame.to_parquet(tmp_path / "AAPL.parquet", index=False)
    with pytest.raises(MissingPriceError, match=r"AAPL\.parquet, row 42: Close is empty or NaN"):
        load(tmp_path)


def test_a_jump_beyond_the_limit_points_to_adjusted_closes(tmp_path: Path) -> None:
    rows = good_rows()
    for i in range(100, len(rows)):  # an unadjusted 4:1 split: -75% and more
        cells = rows[i].split(",")
        rows[i] = ",".join([cells[0], *(repr(float(c) / 4.2) for c in cells[1:5]), cells[5]])
    write(tmp_path, "AAPL.csv", rows)
    with pytest.raises(FileJumpError, match=r"line 102: close moved -7\d\.\d%.*Adj Close"):
        load(tmp_path)


def test_a_symbol_in_the_config_without_a_file_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "AAPL.csv", good_rows())
    write(tmp_path, "SP500.csv", good_rows())
    cfg = config(tmp_path, ["AAPL", "NVDA"])
    with pytest.raises(MissingFileError, match=r"no file for NVDA in .*Fix: add NVDA\.csv"):
        FilesData.from_config(cfg)


def test_a_missing_benchmark_file_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "AAPL.csv", good_rows())
    with pytest.raises(MissingFileError, match="no file for SP500"):
        FilesData.from_config(config(tmp_path, ["AAPL"]))


def test_too_little_history_for_the_lookback_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "AAPL.csv", good_rows(200))
    write(tmp_path, "SP500.csv", good_rows(300))
    with pytest.raises(
        ShortHistoryError,
        match=r"AAPL\.csv: 200 sessions .*lookback_days = 252 needs at least 253.*Fix: add older",
    ):
        FilesData.from_config(config(tmp_path, ["AAPL"]))
    FilesData.from_config(config(tmp_path, ["AAPL"], lookback_days=150))


def test_a_gap_is_a_warning_up_to_the_limit_and_an_error_beyond(tmp_path: Path) -> None:
    rows = good_rows()
    write(tmp_path, "AAPL.csv", [*rows[:100], *rows[104:]])  # 4 sessions missing
    data = FilesData(tmp_path, today=TODAY)
    data.history("AAPL")
    assert any("4 NYSE session(s) missing" in w for w in data.warnings)
    strict = FilesData(tmp_path, today=TODAY, limits=Limits(max_gap_sessions=3))
    with pytest.raises(CalendarGapError, match=r"longest run 4 session\(s\).*max_gap_sessions"):
        strict.history("AAPL")


def test_a_stale_last_date_is_a_warning_unless_beyond_the_configured_limit(tmp_path: Path) -> None:
    write(tmp_path, "AAPL.csv", good_rows(300, start="2020-01-02"))
    data = FilesData(tmp_path, today=TODAY)
    data.history("AAPL")
    assert any("series end more than 5 days ago" in n for n in data.notes)
    strict = FilesData(
        tmp_path, today=TODAY, limits=Limits(max_last_age=pd.Timedelta(days=90).to_pytimedelta())
    )
    with pytest.raises(StaleFileError, match="max_last_age_days"):
        strict.history("AAPL")


def test_the_same_symbol_in_two_files_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "AAPL.csv", good_rows())
    frame = pd.read_csv(tmp_path / "AAPL.csv")
    frame.to_parquet(tmp_path / "AAPL.parquet", index=False)
    with pytest.raises(FileFormatError, match="AAPL is also in"):
        load(tmp_path)


def test_a_long_table_row_without_a_symbol_is_refused(tmp_path: Path) -> None:
    rows = [f"AAPL,{r}" for r in good_rows()]
    rows[7] = "," + rows[7].split(",", 1)[1]
    write(tmp_path, "prices.csv", rows, "Symbol," + HEADER)
    with pytest.raises(FileFormatError, match=r"prices\.csv, line 9: Symbol '' is empty"):
        load(tmp_path)


def test_an_empty_file_and_a_missing_folder_are_refused(tmp_path: Path) -> None:
    write(tmp_path, "AAPL.csv", [])
    with pytest.raises(FileFormatError, match="has no data rows"):
        load(tmp_path)
    with pytest.raises(MissingFileError, match="does not exist"):
        FilesData(tmp_path / "nowhere")


def config(folder: Path, symbols: list[str], lookback_days: int = 252) -> TradewindConfig:
    return TradewindConfig.model_validate(
        {
            "trading": {"symbols": symbols},
            "risk_management": {"max_position_size": 0.8},
            "portfolio_optimization": {"lookback_days": lookback_days},
            "data": {"source": "files", "path": str(folder), "stale_after_days": 60},
        }
    )
