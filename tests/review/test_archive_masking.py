"""The archive masks secrets exactly as it did before issue 28's seventh round, fast paths and all.

``masking_reference.py`` is the former masking (verbatim): every value of every row walked, the
regular expressions run on every string. The new one skips numeric columns, and texts and JSON
documents whose text cannot hold a secret. Checked three ways:

* a backtest whose decisions, orders, notes, events and fallback reasons carry secrets (plain,
  with JSON-escaped characters, non-ASCII, short, and credential-shaped text without a
  configured value) is archived through the former masking and through both new writers, on
  SQLite and PostgreSQL, and every row of every table is compared;
* none of those secrets reaches the database file;
* property tests: strings built from the pieces of every credential pattern of
  :func:`~tradewind.logsetup.redact`, alone and nested in JSON documents, come out of
  :class:`~tradewind.store.redaction.RowMasker` as the former masker and :func:`clean` make them.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from pathlib import Path
from typing import Any

import masking_reference
import pytest
from backtestkit import stops_backtest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_archive_rows import assert_same

from tradewind.backtest.runner import BacktestRun
from tradewind.domain.types import TradingMode
from tradewind.logsetup import _PATTERNS, redact
from tradewind.review import archive
from tradewind.review.bulk import EngineWriter
from tradewind.store import Store
from tradewind.store.connect import WRITE_OPTION
from tradewind.store.redaction import HINTS, RowMasker, clean

MODE = TradingMode.BACKTEST.value
LONG = "sk-LIVE-9f8e7d6c5b4a"  # made-up credentials, as .env would hold them
ODD = 'pw"Quo\\tZq81'  # a quote and a backslash: escaped in JSON text
UNI = "s\u00e9cr\u20ac7Zq81"  # non-ASCII: escaped in JSON text
SHORT = "4821"  # a PIN: masked as a whole token only
SECRETS = [LONG, ODD, UNI, SHORT]
SHAPED = {  # credential-shaped text masked without a configured value: (text, what must go)
    "token=u7Yy2bQx9KeLm": "u7Yy2bQx9KeLm",
    "\u017fecret: Hq3vL0pzW": "Hq3vL0pzW",  # a long s: "secret" to a case-blind pattern
    "Authorization: Bearer abc.def.ghi": "abc.def.ghi",
    "hook https://discord.com/api/webhooks/123/xyzzyQ": "xyzzyQ",
    "https://api.telegram.org/bot999:AAbbccDD/sendMessage": "999:AAbbccDD",
}


@pytest.fixture(scope="module")
def run() -> BacktestRun:
    """The stops backtest with a secret in every kind of text the archive writes, nested in
    the cycles' JSON documents (reasons, notes, the orders' reasons) and in plain columns."""
    done = stops_backtest()
    rec = done.summary.recorder
    shaped = list(SHAPED)
    for i, text in enumerate([*shaped, f"GET /bars failed: {LONG}", f"odd {ODD}", UNI]):
        rec.event(rec.ts[3 + i], "provider_error", text)
    traded = [i for i, d in enumerate(rec.decisions) if len(d.orders) >= 2][:2]
    for n, i in enumerate(traded):
        d = rec.decisions[i]
        first = dataclasses.replace(d.orders[0], reason=f"rebalance ({LONG})")
        second = dataclasses.replace(d.orders[1], reason=f"stop {ODD} pin {SHORT}")
        rec.decisions[i] = dataclasses.replace(
            d,
            reasons=(*d.reasons, f"note with {LONG}", f"pin {SHORT} used"),
            notes=(*d.notes, *shaped[n::2], f"odd {ODD}", f"{UNI}!"),
            orders=(first, second, *d.orders[2:]),
            fallback_reason=f"fell back: {shaped[n]}",
        )
    return done


def former(url: str, run: BacktestRun) -> None:
    """The archive written through the former masking (verbatim) over the engine writer."""
    with Store(url, mode=MODE) as store, store.engine.connect() as conn:
        conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            masker = masking_reference.RowMasker(SECRETS)
            writer = masking_reference._Masking(EngineWriter(conn), masker)
            archive.write_archive(writer, run, "bt", MODE)


def test_sqlite_archives_mask_as_the_former_masking(run: BacktestRun, tmp_path: Path) -> None:
    old, stdlib, engine = (f"sqlite:///{tmp_path / n}.db" for n in ("old", "stdlib", "engine"))
    former(old, run)
    archive.record(stdlib, run, "bt", mode=MODE, secrets=SECRETS)
    with Store(engine, mode=MODE, secrets=SECRETS) as store:
        archive.archive_backtest(store, run, "bt")
    assert_same(stdlib, old, run)
    assert_same(engine, old, run)


def test_postgres_archive_masks_as_the_former_masking(run: BacktestRun, pg_url: str) -> None:
    import psycopg

    name, host = pg_url.split("@/")[1].split("?host=")
    with psycopg.connect(host=host, user="tw", dbname="postgres") as conn:
        conn.autocommit = True
        conn.execute(f'CREATE DATABASE "{name}_former"')
    old = f"postgresql+psycopg://tw@/{name}_former?host={host}"
    former(old, run)
    archive.record(pg_url, run, "bt", mode=MODE, secrets=SECRETS)
    assert_same(pg_url, old, run)


@pytest.mark.parametrize("writer", ["stdlib", "engine"])
def test_no_secret_reaches_the_database_file(run: BacktestRun, tmp_path: Path, writer: str) -> None:
    path = tmp_path / "bt.db"
    if writer == "stdlib":
        archive.record(f"sqlite:///{path}", run, "bt", mode=MODE, secrets=SECRETS)
    else:
        with Store(f"sqlite:///{path}", mode=MODE, secrets=SECRETS) as store:
            archive.archive_backtest(store, run, "bt")
    data = b"".join(p.read_bytes() for p in sorted(tmp_path.iterdir()))  # the file, any WAL
    assert b"GET /bars failed" in data and b"rebalance (***)" in data  # the texts are there...
    assert b"pin *** used" in data and b"pin 4821" not in data
    with sqlite3.connect(path) as con:  # every cell as text too: a page break splits nothing
        tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        rows = [r for t in tables for r in con.execute(f'SELECT * FROM "{t}"')]  # noqa: S608
        cells = "\n".join(str(cell) for row in rows for cell in row)
    for secret in [LONG, ODD, UNI, *SHAPED.values()]:  # ...without the secrets, raw or JSON-escaped
        for form in {secret, json.dumps(secret)[1:-1]}:
            assert form.encode() not in data and form not in cells, secret


# --- property tests ------------------------------------------------------------------------

PIECES = [
    *HINTS, "KEY", "Token", "api_key", "app-key", "\u017f", "\u212a", "ecret", "ey", " ", "=",
    ": ", '"', "'", "\\", "\n", "\u00e9", "bearer ", "x1", "0.", "_", "https://", "discord.com",
    "/api/webhooks/", "api.telegram.org/bot", "/", LONG, ODD, UNI, SHORT, LONG[:5], ODD[:4],
]  # fmt: skip
"""Pieces of credential patterns, of the secrets, and of what JSON escapes."""
pieced = st.lists(st.sampled_from(PIECES), max_size=8).map("".join)
shaped = st.one_of(*(st.from_regex(p) for p in _PATTERNS))
texts = st.one_of(pieced, shaped, st.text(max_size=12))
documents = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.tuples(inner, inner)
        | st.dictionaries(texts, inner, max_size=3)
    ),
    max_leaves=8,
)
secret_sets = st.sampled_from([[], SECRETS, [SHORT], [ODD], [UNI]])


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(text=texts, secrets=secret_sets)
def test_a_text_is_masked_as_redact_masks_it(text: str, secrets: list[str]) -> None:
    masker = RowMasker(secrets)
    assert list(masker.texts([text, None, 1.5])) == [redact(text, secrets), None, 1.5]


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(doc=documents, secrets=secret_sets)
def test_a_document_is_masked_as_clean_masks_it(doc: Any, secrets: list[str]) -> None:
    want = None if doc is None else json.dumps(clean(doc, secrets))  # None: SQL NULL
    masker = RowMasker(secrets)
    assert masker.document_texts([doc, None]) == [want, None]
    assert json.dumps(masker.documents([doc])[0]) == json.dumps(clean(doc, secrets))


@settings(max_examples=200, deadline=None, database=None, derandomize=True)
@given(
    rows=st.lists(st.tuples(st.integers(), texts, documents, st.floats(), texts), max_size=6),
    secrets=secret_sets,
)
def test_rows_are_masked_as_the_former_masker_masks_them(
    rows: list[tuple[Any, ...]], secrets: list[str]
) -> None:
    """Column 4 is skipped (an encoded time, in the former masker's terms)."""
    want = masking_reference.RowMasker(secrets).rows(rows, [False, False, False, False, True])
    got = RowMasker(secrets).rows(rows, [1], [2])
    plain = [0, 1, 3, 4]  # the documents compared as JSON text: a tuple is stored as a list
    assert [[r[i] for i in plain] for r in got] == [[r[i] for i in plain] for r in want]
    assert [json.dumps(r[2]) for r in got] == [json.dumps(r[2]) for r in want]


@pytest.mark.parametrize(
    "text",
    ["\u017fecret=Hq3vL0pzW", "api_\u212aey: abc123", "to\u212aen=abc", "pa\u017f\u017fword=x"],
)
def test_case_blind_look_alikes_are_masked_alone(text: str) -> None:
    """Non-ASCII letters a case-blind pattern reads as ASCII ones (a long s, a Kelvin sign),
    with no other hint in the text, the document or the column."""
    assert redact(text) != text  # the premise: redact() masks it
    masker = RowMasker([])
    assert masker.texts([text, "plain"]) == [redact(text), "plain"]
    assert masker.document_texts([[text], ["plain"]]) == [json.dumps([redact(text)]), '["plain"]']
    assert masker.documents([{"why": [text]}]) == [{"why": [redact(text)]}]


@pytest.mark.parametrize("secret", [ODD, UNI, "tab\there\nnewline"])
def test_a_secret_json_escapes_is_masked_in_documents(secret: str) -> None:
    """A secret whose JSON text differs from it (quotes, backslashes, control or non-ASCII
    characters), alone in its document and column: no hint to give it away."""
    masker = RowMasker([secret])
    doc = {"why": [f"x {secret} y"]}
    assert masker.document_texts([doc]) == [json.dumps({"why": ["x *** y"]})]
    assert masker.documents([doc]) == [{"why": ["x *** y"]}]
