"""Turn pydantic validation errors into problems that name the YAML path, the value and the fix."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Any, get_args, get_origin

import annotated_types
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from tradewind.config.secrets import SECRET_ENV_NAMES
from tradewind.domain.errors import ConfigProblem

_RANGE_ERRORS = frozenset({"greater_than", "greater_than_equal", "less_than", "less_than_equal"})
_SECRET_KEY = re.compile(r"(password|secret|token|api_key|apikey|webhook|app_key|pin)", re.I)


def format_validation_error(err: ValidationError, root: type[BaseModel]) -> list[ConfigProblem]:
    """One :class:`ConfigProblem` per problem in ``err``: its YAML path, message and fix."""
    problems: list[ConfigProblem] = []
    for e in err.errors():
        problems.extend(_format_one(e, root))
    return problems


def _format_one(e: Any, root: type[BaseModel]) -> list[ConfigProblem]:
    loc: tuple[str | int, ...] = tuple(p for p in e["loc"] if p != "[key]")
    path = ".".join(str(p) for p in loc) or "(top level)"
    kind: str = e["type"]
    value = e.get("input")
    if kind == "cross_field":
        return [_with_fix(p, text, joiner=" ") for p, text in e["ctx"]["problems"]]
    if kind == "extra_forbidden":
        return [_unknown_key(loc, root)]
    if kind == "missing":
        return [ConfigProblem(path, "required key is missing", f"add {loc[-1]}")]
    field = _field_at(root, loc)
    allowed = _allowed(field, e)
    shown = _show(value)
    msg = e["msg"]
    if kind == "value_error":
        return [_with_fix(path, msg.removeprefix("Value error, "))]
    if kind in ("literal_error", "enum"):
        choices = _choices(e)
        hint = _did_you_mean(str(value), choices)
        return [
            ConfigProblem(
                path, f"{shown} is not allowed", f"allowed values: {', '.join(choices)}{hint}"
            )
        ]
    if kind in _RANGE_ERRORS and allowed:
        return [
            ConfigProblem(
                path, f"must be in {allowed}, was {shown}", f"use a value in {allowed}", joiner=" "
            )
        ]
    text = msg.rstrip(".")
    text = text[:1].lower() + text[1:]
    fix = f"allowed: {allowed}" if allowed else _type_fix(kind)
    return [ConfigProblem(path, f"{text}, was {shown}", fix)]


def _with_fix(path: str, text: str, *, joiner: str = ": ") -> ConfigProblem:
    """A problem whose message carries its fix after the first ``"; "``."""
    message, _, fix = text.partition("; ")
    return ConfigProblem(path, message, fix, joiner=joiner)


_TYPE_FIXES = (
    (("float", "int", "decimal"), "write a number"),
    (("bool",), "write true or false"),
    (("string", "str"), "write text"),
    (("list", "tuple", "set"), "write a list, e.g. [AAPL, MSFT]"),
    (("dict", "model"), "write a mapping of keys and values"),
    (("date", "datetime"), "write a date as YYYY-MM-DD"),
)


def _type_fix(kind: str) -> str:
    """How to write a value of the type a pydantic error ``kind`` expected."""
    for prefixes, fix in _TYPE_FIXES:
        if kind.startswith(prefixes):
            return fix
    return "see the configuration reference in the README"


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _unknown_key(loc: tuple[str | int, ...], root: type[BaseModel]) -> ConfigProblem:
    key = str(loc[-1])
    parent = loc[:-1]
    where = ".".join(str(p) for p in parent) or "the top level"
    path = ".".join(str(p) for p in loc)
    if _SECRET_KEY.search(key):
        names = ", ".join(n for n in SECRET_ENV_NAMES if _close(key, n))
        return ConfigProblem(
            path,
            "credentials must not be written in YAML",
            f"set them in the environment or .env instead ({names})",
        )
    model = _model_at(root, parent)
    known = sorted(model.model_fields) if model else []
    hint = _did_you_mean(key, known)
    return ConfigProblem(
        path, f"unknown key {key!r} under {where}{hint}", f"allowed keys: {', '.join(known)}"
    )


def _close(key: str, env_name: str) -> bool:
    parts = set(key.lower().replace("-", "_").split("_"))
    return bool(parts & set(env_name.lower().split("_")))


def _did_you_mean(value: str, choices: Sequence[str]) -> str:
    match = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _choices(e: Any) -> list[str]:
    expected = str(e.get("ctx", {}).get("expected", ""))
    return re.findall(r"'([^']*)'", expected)


def _model_at(root: type[BaseModel], loc: Sequence[str | int]) -> type[BaseModel] | None:
    model: type[BaseModel] | None = root
    skip_key = False
    for part in loc:
        if skip_key:  # the previous field was a mapping: this part is one of its keys
            skip_key = False
            continue
        if model is None:
            return None
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        model, skip_key = _as_model(field.annotation)
    return None if skip_key else model


def _as_model(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """The model behind ``annotation`` and whether a mapping key comes before it in a path."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    if get_origin(annotation) is dict:
        args = get_args(annotation)
        inner = _as_model(args[1])[0] if len(args) == 2 else None
        return inner, True
    return None, False


def _field_at(root: type[BaseModel], loc: tuple[str | int, ...]) -> FieldInfo | None:
    if not loc:
        return None
    model = _model_at(root, loc[:-1])
    return model.model_fields.get(str(loc[-1])) if model else None


def _allowed(field: FieldInfo | None, e: Any) -> str:
    """Describe the allowed range of a numeric field, e.g. ``(0, 1]``."""
    if field is None:
        return ""
    lo: object = None
    hi: object = None
    lo_open = hi_open = False
    for m in field.metadata:
        if isinstance(m, annotated_types.Gt):
            lo, lo_open = m.gt, True
        elif isinstance(m, annotated_types.Ge):
            lo, lo_open = m.ge, False
        elif isinstance(m, annotated_types.Lt):
            hi, hi_open = m.lt, True
        elif isinstance(m, annotated_types.Le):
            hi, hi_open = m.le, False
        elif isinstance(m, annotated_types.MinLen):
            return f"at least {m.min_length} item(s)"
    if lo is None and hi is None:
        return ""
    left = ("(" if lo_open else "[") + (str(lo) if lo is not None else "-inf")
    right = (str(hi) if hi is not None else "inf") + (")" if hi_open else "]")
    return f"{left}, {right}"
