"""``tradewind data import`` and ``tradewind data export``: bring your own price files, or write any
source out as such files. Registered on the ``data`` group by :mod:`tradewind.cli.data_cmd`.
"""

from __future__ import annotations

import shlex
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.markup import escape
from rich.table import Table

from tradewind.cli.common import (
    ConfigOption,
    DataPathOption,
    JsonOption,
    config_with_source,
    console,
    err_console,
    friendly_errors,
    load,
    print_json,
)

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    from tradewind.config import TradewindConfig

if TYPE_CHECKING:  # imported where used: the CLI starts without the heavy stacks
    from tradewind.data.files.errors import Problem

SymbolsOption = typer.Option(
    None,
    "--symbols",
    help="Only these symbols: repeat the option or separate with commas (AAPL,MSFT).",
)


class ExportFormat(StrEnum):
    """File format written by ``data export``."""

    CSV = "csv"
    PARQUET = "parquet"


def import_files(
    path: Path = typer.Argument(..., help="A folder of CSV/Parquet files, or one file."),
    symbols: list[str] | None = SymbolsOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Validate price files and report, per symbol, rows, dates, gaps, adjustments and problems.

    Without --symbols, every file is checked, and so is every symbol the configuration needs
    (trading.symbols, data.benchmark, data.vix). Exit code 3 when any error is found.

    Example: ``tradewind data import ~/prices --symbols AAPL,MSFT,SPY``
    """
    cfg = load(config)
    with friendly_errors():
        from tradewind.data.files import FilesData

        cfg = config_with_source(cfg, "files", path)
        provider = FilesData.from_config(cfg, strict=False, lookback=True)
        provider.log_warnings = False  # the report below lists them
        wanted = _split(symbols) or _default_symbols(provider, cfg)
        reports = [provider.report(s) for s in wanted]
        vix = provider.vix_report()
    rows = [_row(r, provider.benchmark_symbol) for r in reports]
    if vix is not None:
        rows.append(_row(vix, provider.benchmark_symbol, role="vix"))
    found = [*provider.discovery, *(p for r in rows for p in r.pop("_problems"))]
    errors = sum(p.severity == "error" for p in found)
    vix_note = None if vix is not None else "no VIX file: the regime proxy is used and flagged"
    if as_json:
        print_json(
            {
                "path": str(path),
                "ok": errors == 0,
                "errors": errors,
                "symbols": rows,
                "folder_problems": [_problem_json(p) for p in provider.discovery],
                "vix": vix_note or provider.vix_symbol,
            }
        )
    else:
        _print_import(path, rows, found, provider.notes, vix_note)
    if errors:
        raise typer.Exit(3)


def export_files(
    source: str = typer.Option(..., "--source", "-s", help="bundled | synthetic | files."),
    to: Path = typer.Option(..., "--to", help="Folder to write (created if needed)."),
    fmt: ExportFormat = typer.Option(ExportFormat.CSV, "--format", "-f", help="csv | parquet."),
    symbols: list[str] | None = SymbolsOption,
    start: str | None = typer.Option(None, help="First date (YYYY-MM-DD)."),
    end: str | None = typer.Option(None, help="Last date (YYYY-MM-DD)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace existing files."),
    data_path: Path | None = DataPathOption,
    config: Path | None = ConfigOption,
    as_json: bool = JsonOption,
) -> None:
    """Write a source's bars, benchmark and VIX as files that --source files reads back.

    Example: ``tradewind data export --source bundled --to prices/ --format parquet``
    """
    from tradewind.cli.dates import parse_span

    cfg = load(config)
    with friendly_errors():
        from tradewind.data.files.export import export

        lo, hi = parse_span(start, end)
        cfg = config_with_source(cfg, source, data_path)
        provider = _export_provider(cfg, _split(symbols))
        written = export(
            provider,
            to,
            symbols=_split(symbols) or None,
            fmt=fmt.value,
            start=lo,
            end=hi,
            overwrite=overwrite,
        )
    payload = [
        {
            "symbol": w.symbol,
            "file": str(w.path),
            "rows": w.rows,
            "first": w.first.isoformat(),
            "last": w.last.isoformat(),
            "columns": list(w.columns),
        }
        for w in written
    ]
    if as_json:
        print_json({"source": provider.name, "to": str(to), "files": payload})
        return
    table = Table(title=f"Exported the {provider.name!r} source to {to}")
    for col in ("symbol", "file", "rows", "first", "last", "columns"):
        table.add_column(col)
    for w in written:
        first, last = w.first.isoformat()[:10], w.last.isoformat()[:10]
        table.add_row(w.symbol, str(w.path), str(w.rows), first, last, ",".join(w.columns))
    console.print(table)
    hint = import_hint(to, written, config)
    console.print(f"Check them with: {escape(hint)}", highlight=False, soft_wrap=True)
    console.print(
        f"then use them with --data {escape(str(to))} (trading.symbols must have files there)",
        highlight=False,
        soft_wrap=True,
    )


def import_hint(to: Path, written: list[Any], config: Path | None) -> str:
    """The ``data import`` command that checks exactly what was written (VIX is checked with
    them), so it works whatever symbols the configuration lists."""
    symbols = ",".join(w.symbol for w in written if w.symbol != "VIX")
    command = ["tradewind", "data", "import", str(to), "--symbols", symbols]
    if config is not None:
        command += ["--config", str(config)]
    return shlex.join(command)


# --- helpers ----------------------------------------------------------------------------------
def _split(values: list[str] | None) -> list[str]:
    out: list[str] = []
    for value in values or []:
        out += [v.strip() for v in value.replace(" ", ",").split(",") if v.strip()]
    return list(dict.fromkeys(out))


def _default_symbols(provider: Any, cfg: TradewindConfig) -> list[str]:
    """Every file's symbol, then what the config needs that has no file (reported missing)."""
    needed = [*cfg.trading.symbols, provider.benchmark_symbol]
    return list(dict.fromkeys([*provider.available_symbols(), *needed]))


def _export_provider(cfg: TradewindConfig, symbols: list[str]) -> Any:
    """The provider to export from. Flat runs are written as they are (no stale-run check):
    they are not malformed, and reading the files back flags them again under
    ``data.stale_bars``, as the source itself would."""
    from tradewind.data import get_market_data

    cfg = cfg.model_copy(update={"data": cfg.data.model_copy(update={"stale_bars": None})})
    if cfg.data.source == "files":
        from tradewind.data.files import FilesData

        return FilesData.from_config(cfg, strict=False)
    if symbols and cfg.data.source == "synthetic":
        trading = cfg.trading.model_copy(update={"symbols": [s for s in symbols if s != "SP500"]})
        cfg = cfg.model_copy(update={"trading": trading})
    return get_market_data(cfg)


def _row(report: Any, benchmark: str, role: str | None = None) -> dict[str, Any]:
    frame, cov, problems = report.frame, report.coverage, list(report.problems)
    has_bars = frame is not None and not frame.empty
    if role is None:
        role = "benchmark" if report.symbol == benchmark else "symbol"
    return {
        "symbol": report.symbol,
        "role": role,
        "file": report.file,
        "rows": len(frame) if has_bars else 0,
        "first": frame.index[0].isoformat() if has_bars else None,
        "last": frame.index[-1].isoformat() if has_bars else None,
        "interval": report.parsed.interval.value if has_bars else None,
        "derived_ohlc": bool(report.parsed.derived),
        "missing_sessions": cov.missing if cov else None,
        "longest_gap": cov.longest_gap if cov else None,
        "adjustment": report.parsed.adjustment or None,
        "errors": sum(p.severity == "error" for p in problems),
        "warnings": sum(p.severity == "warning" and not _is_age(p) for p in problems),
        "problems": [_problem_json(p) for p in problems],
        "_problems": problems,
    }


def _problem_json(p: Problem) -> dict[str, Any]:
    return {
        "severity": p.severity,
        "kind": p.kind,
        "where": p.where,
        "rows": list(p.rows),
        "count": p.count,
        "message": p.message,
        "fix": p.fix,
    }


def _print_import(
    path: Path,
    rows: list[dict[str, Any]],
    found: list[Problem],
    notes: list[str],
    vix_note: str | None,
) -> None:
    table = Table(title=f"Price files in {path}")
    for col in ("symbol", "rows", "first", "last", "gaps", "OHLC", "status"):
        table.add_column(col, no_wrap=col in ("symbol", "first", "last", "status"))
    for r in rows:
        gaps = "" if r["missing_sessions"] is None else f"{r['missing_sessions']}"
        if r["longest_gap"]:
            gaps += f" (longest {r['longest_gap']})"
        no_file = any(p["kind"] == "no_file" for p in r["problems"])
        status = "[red]no file[/]" if no_file else _status(r)
        name = r["symbol"] + (" (bench)" if r["role"] == "benchmark" else "")
        table.add_row(
            name,
            str(r["rows"]),
            (r["first"] or "")[:10],
            (r["last"] or "")[:10],
            gaps,
            _ohlc(r),
            status,
        )
    console.print(table)
    for p in found:
        if _is_age(p):
            continue  # summed up in one note below
        color = {"error": "red", "warning": "yellow"}.get(p.severity, "cyan")
        console.print(
            f"[{color}]{p.severity}[/]: {escape(str(p))}", highlight=False, soft_wrap=True
        )
    for note in notes:
        console.print(f"[cyan]note[/]: {escape(note)}", highlight=False, soft_wrap=True)
    if vix_note:
        console.print(f"[cyan]note[/]: {vix_note}")
    errors = sum(p.severity == "error" for p in found)
    if errors:
        err_console.print(f"[bold red]{errors} error(s)[/]: fix them before using these files.")
    else:
        console.print(f"[green]OK[/]: use them with --source files --data {path}")


def _is_age(p: Problem) -> bool:
    """A warning that a file ends long ago (shown once for all files, as a note)."""
    return p.kind == "stale" and p.severity == "warning" and not p.rows


def _ohlc(row: dict[str, Any]) -> str:
    if not row["rows"]:
        return ""
    if row["role"] == "vix":
        return "levels"
    kind = "derived" if row["derived_ohlc"] else "observed"
    return kind + (", adjusted" if row["adjustment"] and "scaled" in row["adjustment"] else "")


def _status(row: dict[str, Any]) -> str:
    if row["errors"]:
        return f"[red]{row['errors']} error(s)[/]"
    if row["warnings"]:
        return f"[yellow]{row['warnings']} warning(s)[/]"
    return "[green]ok[/]"
