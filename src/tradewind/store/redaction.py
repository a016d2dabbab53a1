"""Secrets masked in what the store writes: every text, and every text inside JSON values.

Shared by the store's sessions (:class:`~tradewind.store.core.StoreCore` masks each row before
it is flushed) and the backtest archive's bulk writers; no SQLAlchemy needed.

:class:`RowMasker` masks exactly as :func:`clean` does, faster on a whole table: a backtest
archive holds tens of thousands of texts and JSON documents, almost none of which can hold a
secret, and running :func:`~tradewind.logsetup.redact` on each one cost more than writing them.
It first asks whether a column's text (or a JSON document's) could change at all (see
:meth:`RowMasker._may_mask`), and masks value by value only where it could.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from operator import itemgetter
from typing import Any

from tradewind.logsetup import redact


def clean(value: Any, secrets: Sequence[str]) -> Any:
    """``value`` with ``secrets`` and credential-shaped text masked in every string, dict key
    and list or tuple item (tuples become lists, as JSON stores them); other values as given."""
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {clean(k, secrets): clean(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v, secrets) for v in value]
    return value


_PLAIN = frozenset({int, float, bool, type(None)})
"""Types that hold no text."""
_EMPTY: dict[type, str] = {list: json.dumps([]), tuple: json.dumps(()), dict: json.dumps({})}
"""The JSON text of an empty document of each type."""

HINTS = ("authorization", "key", "secret", "password", "token", "signature", "discord", "telegram")
"""Lower-case words, one of which every text masked as credential-shaped contains: each pattern
of :func:`~tradewind.logsetup.redact` starts with ``authorization``, ``api key``/``app key``
(``key``), ``secret``, ``password``, ``token``, ``signature``, a Discord webhook URL or a
Telegram bot URL (a property test holds every pattern to these words)."""


class RowMasker:
    """Masks secrets, as :func:`clean` does, in many rows at once: each distinct string is
    masked once (a backtest repeats its reasons, symbols and ids thousands of times), and a
    column or JSON document whose text cannot hold a secret is passed through untouched."""

    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets = tuple(s for s in secrets if s)
        # Each secret as it appears inside JSON text: json.dumps escapes character by character,
        # so a string containing a secret has a JSON text containing the escaped secret.
        self._escaped = tuple(json.dumps(s)[1:-1] for s in self._secrets)
        self._seen: dict[str, str] = {}

    # --- one value ---------------------------------------------------------------------------
    def value(self, value: Any) -> Any:
        """``value`` masked (see :func:`clean`)."""
        kind = type(value)
        if kind in _PLAIN:  # most values of a JSON document: numbers
            return value
        if isinstance(value, str):
            masked = self._seen.get(value)
            if masked is None:
                masked = self._seen[value] = redact(value, self._secrets)
            return masked
        if isinstance(value, dict):
            if all(type(v) in _PLAIN for v in value.values()):  # e.g. targets: texts as keys
                return {self.value(k): v for k, v in value.items()}
            return {self.value(k): self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(v) for v in value]
        return value

    # --- many values -------------------------------------------------------------------------
    def texts(self, column: Sequence[Any]) -> Sequence[Any]:
        """The values of a text column masked (see :func:`clean`); ``column`` itself when no
        value changes."""
        try:
            distinct = set(column)
        except TypeError:  # a list or dict among them: each value walked
            return [self.value(v) for v in column]
        strings = [v for v in distinct if isinstance(v, str)]
        if not self._may_mask("\n".join(strings)):
            return column  # redact() would change none of them (see _may_mask)
        changed = {v: m for v in strings if (m := self.value(v)) != v}
        if not changed:
            return column
        return [changed.get(v, v) for v in column]

    def documents(self, column: Sequence[Any]) -> list[Any]:
        """The JSON documents of a column masked (see :func:`clean`), for a writer that encodes
        them itself: a document whose JSON text cannot hold a secret is kept as it is."""
        out = []
        for v in column:
            if type(v) in _PLAIN:
                out.append(v)
                continue
            try:
                text = json.dumps(v)
            except (TypeError, ValueError):  # not JSON: walked, for the writer to refuse it
                out.append(self.value(v))
                continue
            out.append(self.value(v) if self._may_mask(text, escaped=True) else v)
        return out

    def document_texts(self, column: Sequence[Any]) -> list[str | None]:
        """The JSON text (``json.dumps``) of each masked document of a column (None stays
        None, SQL NULL): each document is encoded once, and walked and encoded again only when
        its text could hold a secret."""
        dumps, empty = json.dumps, _EMPTY
        texts: list[str | None] = []
        for v in column:
            kind = type(v)
            if v is None:
                texts.append(None)
            elif kind in empty and not v:  # most documents of a backtest's cycles
                texts.append(empty[kind])
            else:
                texts.append(dumps(v))
        if not self._may_mask("\n".join(t for t in texts if t is not None), escaped=True):
            return texts  # nothing in the whole column could be masked (see _may_mask)
        return [
            t if t is None or not self._may_mask(t, escaped=True) else json.dumps(self.value(v))
            for v, t in zip(column, texts, strict=True)
        ]

    def rows(
        self,
        rows: Sequence[Sequence[Any]],
        texts: Collection[int],
        documents: Collection[int] = (),
    ) -> Sequence[Sequence[Any]]:
        """``rows`` with the values of columns ``texts`` (indexes) masked as texts and those of
        ``documents`` as JSON documents (see :meth:`documents`); the other columns (numbers,
        encoded times) as given. ``rows`` itself when no value changes."""
        changed: dict[int, Sequence[Any]] = {}
        for i in texts:
            column = list(map(itemgetter(i), rows))
            masked = self.texts(column)
            if masked is not column:
                changed[i] = masked
        for i in documents:
            column = list(map(itemgetter(i), rows))
            docs = self.documents(column)
            if any(m is not v for m, v in zip(docs, column, strict=True)):
                changed[i] = docs
        if not changed:
            return rows
        columns: list[Sequence[Any]] = list(zip(*rows, strict=True))
        for i, masked in changed.items():
            columns[i] = masked
        return list(zip(*columns, strict=True))

    # --- the fast path -----------------------------------------------------------------------
    def _may_mask(self, text: str, *, escaped: bool = False) -> bool:
        """False only when :func:`redact` would change no string that ``text`` contains
        whole (``escaped``: no string whose JSON text ``text`` contains).

        A string is changed only if it contains a secret, or matches one of redact()'s
        credential patterns, each of which contains one of :data:`HINTS` (matched ignoring
        case). Letters are never escaped in JSON text, so a hint in a string is a hint in its
        JSON text. Outside ASCII, case-insensitive matching has more equivalents (``ſ`` is an
        ``s``, ``K`` a ``k``): a text with any such character is never skipped. Cheap enough to
        run on a whole column joined (a hint cannot span the newline between two texts, and
        JSON text holds no raw newline); a false alarm only costs the value-by-value path.
        """
        if escaped:
            if "\\u" in text:  # a non-ASCII (or control) character was escaped
                return True
            needles = self._escaped
        else:
            if not text.isascii():
                return True
            needles = self._secrets
        lower = text.lower()
        return any(h in lower for h in HINTS) or any(s in text for s in needles)
