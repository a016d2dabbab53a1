"""A fake FRED: ``/fred/series/observations`` in its documented JSON format.

Fixture source: https://fred.stlouisfed.org/docs/api/fred/series_observations.html (the JSON
example: ``realtime_start``, ``observation_start``, ``units``, ``count``, ``observations`` with
``date`` and ``value`` strings, ``"."`` for a missing value) and
https://fred.stlouisfed.org/docs/api/fred/errors.html (``{"error_code": 400,
"error_message": "Bad Request.  The value for variable api_key is not registered..."}``).
"""

from __future__ import annotations

import pandas as pd
from fake_http import FakeServer, Reply, Request

KEY = "abcdefghijklmnopqrstuvwxyz123456"


class FakeFred:
    """Serves ``levels`` (a Series by date) as VIXCLS up to ``today``; holidays as ``"."``."""

    def __init__(self, levels: pd.Series, today: str, holidays: tuple[str, ...] = ()) -> None:
        self.levels = levels
        self.today = pd.Timestamp(today)
        self.holidays = [pd.Timestamp(h) for h in holidays]
        self.server = FakeServer(self.handle)

    def __enter__(self) -> FakeFred:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.__exit__(*exc)

    @property
    def url(self) -> str:
        return self.server.url

    def handle(self, request: Request) -> Reply:
        q = request.query
        if request.path != "/fred/series/observations":
            return Reply(404, {"error_code": 404, "error_message": "Not Found"})
        if q.get("api_key") != KEY:
            return Reply(
                400,
                {
                    "error_code": 400,
                    "error_message": "Bad Request.  The value for variable api_key is not "
                    "registered.  Read https://fred.stlouisfed.org/docs/api/api_key.html",
                },
            )
        if q.get("series_id") != "VIXCLS":
            return Reply(
                400,
                {"error_code": 400, "error_message": "Bad Request.  The series does not exist."},
            )
        start = pd.Timestamp(q.get("observation_start", "1776-07-04"))
        end = min(pd.Timestamp(q.get("observation_end", "9999-12-31")), self.today)
        rows = [
            {"realtime_start": "2024-06-28", "realtime_end": "2024-06-28",
             "date": d.strftime("%Y-%m-%d"), "value": f"{v:.2f}"}
            for d, v in self.levels.items()
            if start <= d <= end
        ]  # fmt: skip
        for h in self.holidays:
            if start <= h <= end:
                rows.append({"realtime_start": "2024-06-28", "realtime_end": "2024-06-28",
                             "date": h.strftime("%Y-%m-%d"), "value": "."})  # fmt: skip
        rows.sort(key=lambda r: r["date"])
        return Reply(
            200,
            {
                "realtime_start": "2024-06-28",
                "realtime_end": "2024-06-28",
                "observation_start": start.strftime("%Y-%m-%d"),
                "observation_end": "9999-12-31",
                "units": "lin",
                "output_type": 1,
                "file_type": "json",
                "order_by": "observation_date",
                "sort_order": "asc",
                "count": len(rows),
                "offset": 0,
                "limit": 100000,
                "observations": rows,
            },
        )
