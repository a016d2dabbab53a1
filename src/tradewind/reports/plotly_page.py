"""A plotly figure as plain data, and the HTML plotly writes for it, without plotly's figure
classes.

``go.Figure`` validates and deep-copies every property it is given and every update, and its
first use imports plotly's validators and validates the whole template: about half a second for
the tearsheet of an 18-year run, for a figure whose shape never changes. Here the figure is the
dict ``Figure.to_dict()`` returns (key order included: the JSON text follows it), written as
``plotly.io.to_html(fig, full_html=False, include_plotlyjs=True)`` writes it with plotly's
``json`` engine (its choice without orjson, which tradewind does not install). What plotly
contributes is read from the installed package: plotly.js and the template.
``tests/reports/test_report_bytes.py`` checks the dicts and the HTML against plotly itself,
byte for byte; this module follows plotly.py 6-7 (numeric arrays as base64 typed arrays), the
versions ``pyproject.toml`` allows. Were plotly's writing to change, that test says where; the
page would still open (it is plotly's format, read by the plotly.js embedded).
"""

from __future__ import annotations

import base64
import datetime as dt
import importlib.util
import json
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

_TYPED = {
    "int8": "i1",
    "uint8": "u1",
    "int16": "i2",
    "uint16": "u2",
    "int32": "i4",
    "uint32": "u4",
    "float32": "f4",
    "float64": "f8",
}
"""numpy dtypes plotly writes as base64 typed arrays, and plotly.js's names for them."""

_SAFE = (("<", "\\u003c"), (">", "\\u003e"), ("/", "\\u002f"))
"""What plotly escapes in the JSON it puts in a page (``plotly.io._json._swap_json``)."""


def data_array(values: Any) -> Any:
    """A data array (a trace's ``x`` or ``y``) as ``Figure.to_dict()`` holds it: numbers as a
    base64 typed array (64-bit integers narrowed to the smallest type that holds them), any
    other values as a list, an empty array as an empty list."""
    array = np.asarray(values)
    if array.dtype.kind not in "uif":
        return array.astype(object).tolist()
    array = np.ascontiguousarray(array)
    if array.size == 0:
        return []
    if array.dtype in (np.int64, np.uint64):
        array = _narrowed(array)
    name = _TYPED.get(str(array.dtype))
    if name is None:  # a 64-bit integer too wide to narrow, or an exotic float
        return array.tolist()
    return {"dtype": name, "bdata": base64.b64encode(array.tobytes()).decode("ascii")}


def _narrowed(array: np.ndarray) -> np.ndarray:
    low, high = array.min(), array.max()
    kinds = ("int8", "int16", "int32") if array.dtype == np.int64 else ("uint8", "uint16", "uint32")
    for kind in kinds:
        info = np.iinfo(kind)
        if low >= info.min and high <= info.max:
            return array.astype(kind)
    return array


def trace(kind: str, props: Mapping[str, Any], row: int = 1) -> dict[str, Any]:
    """A trace of type ``kind`` on subplot row ``row`` of :func:`stacked_rows`, as plotly holds
    it: its properties in plotly's (alphabetical) order, then its type and axes."""
    suffix = "" if row == 1 else str(row)
    return {
        **_ordered(props),
        "type": kind,
        "xaxis": f"x{suffix}",
        "yaxis": f"y{suffix}",
    }


def _ordered(props: Mapping[str, Any]) -> dict[str, Any]:
    """Properties sorted by name, nested ones too (a data array's typed form left as it is)."""
    return {
        k: _ordered(v) if isinstance(v, Mapping) and k not in _DATA else v
        for k, v in sorted(props.items())
    }


_DATA = frozenset({"x", "y"})
"""The data arrays of the traces built here."""


def template(name: str) -> dict[str, Any]:
    """The plotly template ``name`` (``plotly_white``...) as a figure's ``layout.template``
    holds it: plotly's own template file (as ``plotly.io.templates`` reads it), in the order
    plotly's classes give its properties (by name; the trace types of ``data`` by their plural,
    ``barpolar`` before ``bar``)."""
    raw = _plotly_file(f"package_data/templates/{name}.json")
    loaded = _sorted(json.loads(raw.decode("utf-8")))
    data = loaded.get("data", {})
    return {**loaded, "data": {k: data[k] for k in sorted(data, key=lambda k: k + "s")}}


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_sorted(v) for v in value]
    return value


def stacked_rows(
    row_heights: Sequence[float], spacing: float, titles: Sequence[str]
) -> dict[str, Any]:
    """The layout ``plotly.subplots.make_subplots(rows=len(row_heights), cols=1,
    shared_xaxes=True, vertical_spacing=spacing, row_heights=row_heights,
    subplot_titles=titles)`` makes: each row's axes and the titles, the same arithmetic in the
    same order (``plotly/_subplots.py``), so every domain is the same float."""
    rows = len(row_heights)
    total = float(sum(row_heights))
    heights = [(1.0 - spacing * (rows - 1)) * (h / total) for h in row_heights]
    heights.reverse()  # plotly lays rows out from the bottom (start_cell "top-left")
    starts = [sum(heights[:r]) + r * spacing for r in range(rows)[::-1]]
    x_domain = [0.0, 1.0]  # one column, the whole width
    layout: dict[str, Any] = {}
    y_domains = []
    for r in range(rows):
        y_domain = [_clamped(starts[r] + 0.0), _clamped(starts[r] + heights[-1 - r] - 0.0)]
        y_domains.append(y_domain)
        n = "" if r == 0 else str(r + 1)
        x_axis: dict[str, Any] = {"anchor": f"y{n}", "domain": list(x_domain)}
        if r < rows - 1:  # every x axis matches the bottom row's, which alone shows its ticks
            x_axis.update(matches=f"x{rows}", showticklabels=False)
        layout[f"xaxis{n}"] = x_axis
        layout[f"yaxis{n}"] = {"anchor": f"x{n}", "domain": y_domain}
    titled = [
        {
            "font": {"size": 16},
            "showarrow": False,
            "text": title,
            "x": sum(x_domain) / 2.0,
            "xanchor": "center",
            "xref": "paper",
            "y": y_domains[r][1],
            "yanchor": "bottom",
            "yref": "paper",
        }
        for r, title in enumerate(titles)
        if title and r < rows
    ]
    if titled:  # plotly leaves out an empty list
        layout["annotations"] = titled
    return layout


def _clamped(y: float) -> float:
    """plotly's rounding of a domain end a rounding error outside ``[0, 1]``."""
    if -0.01 < y < 0.0:
        return 0.0
    if 1.0 < y < 1.01:
        return 1.0
    if not 0.0 <= y <= 1.0:
        raise ValueError(f"a subplot domain end {y} is outside [0, 1]")
    return y


def figure_json(obj: Any) -> str:
    """``obj`` as plotly's ``to_json_plotly`` writes it with the ``json`` engine: compact, NaN
    and infinities as ``null``, times in ISO format, ``<``, ``>`` and ``/`` escaped."""
    try:
        text = json.dumps(obj, separators=(",", ":"), default=_encode, allow_nan=False)
    except ValueError:  # a NaN or infinity outside a typed array: plotly writes it as null
        loose = json.dumps(obj, separators=(",", ":"), default=_encode)
        text = json.dumps(json.loads(loose, parse_constant=lambda _: None), separators=(",", ":"))
    for unsafe, safe in _SAFE:
        if unsafe in text:
            text = text.replace(unsafe, safe)
    return text


def _encode(obj: Any) -> Any:
    """What plotly's JSON encoder makes of values JSON has no type for (the ones used here)."""
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, dt.datetime | dt.date):
        return obj.isoformat()
    raise TypeError(f"{type(obj).__name__} is not JSON serializable")


def plotly_js() -> bytes:
    """The plotly.js bundled with the installed plotly (what ``include_plotlyjs=True`` embeds),
    as UTF-8."""
    return _plotly_file("package_data/plotly.min.js")


def _plotly_file(relative: str) -> bytes:
    """A data file of the installed plotly package, read as ``pkgutil.get_data`` reads it but
    without importing plotly (found, not run)."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("plotly is not installed: pip install plotly")
    for folder in spec.submodule_search_locations:
        path = Path(folder) / relative
        if path.is_file():
            return path.read_bytes()
    raise FileNotFoundError(f"the installed plotly has no {relative}")


def traces_json(traces: Sequence[Mapping[str, Any]]) -> str:
    """``figure_json(traces)``, each distinct ``x`` list encoded once: most of a figure's
    traces share the same times (the JSON of a list is its items' JSON joined by commas)."""
    done: dict[int, str] = {}
    parts = []
    for t in traces:
        x = t.get("x")
        text = figure_json(t) if not isinstance(x, list) or len(x) < 2 else None
        if text is None:
            shared = done.get(id(x))
            if shared is None:
                shared = done[id(x)] = figure_json(x)
            text = figure_json({**t, "x": _MARK})
            if text.count(_MARK_JSON) == 1:
                text = text.replace(_MARK_JSON, shared)
            else:  # the mark is in the trace's own text too: encode it whole
                text = figure_json(t)
        parts.append(text)
    return "[" + ",".join(parts) + "]"


_MARK = "\x00x"
_MARK_JSON = json.dumps(_MARK)
"""Where an encoded ``x`` list goes (:func:`traces_json`)."""


def figure_div(figure: Mapping[str, Any], div_id: str | None = None) -> bytes:
    """``figure`` (a dict as ``Figure.to_dict()`` returns) as the ``<div>`` that
    ``plotly.io.to_html(figure, full_html=False, include_plotlyjs=True)`` writes, in UTF-8,
    plotly.js embedded (the div's id is random, as plotly's, unless ``div_id`` is given)."""
    return b"".join(figure_div_parts(figure, div_id))


def figure_div_parts(figure: Mapping[str, Any], div_id: str | None = None) -> list[bytes]:
    """:func:`figure_div` in pieces, to be written one after the other: plotly.js's bytes as
    they are read (never decoded nor copied into one page: they are most of it)."""
    plot_id = div_id or str(uuid.uuid4())
    data = traces_json(figure.get("data", []))
    layout_dict = figure.get("layout", {})
    layout = figure_json(layout_dict)
    template_layout = layout_dict.get("template", {}).get("layout", {})
    height = _css(layout_dict.get("height", template_layout.get("height", "100%")))
    width = _css(layout_dict.get("width", template_layout.get("width", "100%")))
    config = json.dumps({"responsive": True})
    script = (
        f'                if (document.getElementById("{plot_id}")) {{'
        f"                    Plotly.newPlot("
        f'                        "{plot_id}",'
        f"                        {data},"
        f"                        {layout},"
        f"                        {config}"
        f"                    )"
        f"                }}"
    )
    before = (
        f'<div style="height:{height}; width:{width};">'
        "                        <script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>\n"
        "        <script>"
    )
    after = (
        "</script>    "
        f'            <div id="{plot_id}" class="plotly-graph-div" '
        f'style="height:100%; width:100%;"></div>'
        f"            <script>"
        f"                window.PLOTLYENV=window.PLOTLYENV || {{}};"
        f"                {script};"
        f"            </script>"
        f"        </div>"
    )
    return [before.encode("utf-8"), plotly_js(), after.encode("utf-8")]


def _css(size: Any) -> str:
    """A div size as plotly writes it: numbers in pixels, anything else as given."""
    try:
        float(size)
    except (TypeError, ValueError):
        return str(size)
    return f"{size}px"
