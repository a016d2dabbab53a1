"""The ``dashboard`` section: where the monitoring dashboard listens and how it refreshes.

The dashboard (``tradewind dashboard``, ``streamlit run src/dashboard/app.py``) reads the
mode's database and shows the runs; it changes nothing unless ``allow_resume`` is on, and then
only through a confirmed "resume after halt" that records who and why. It has no login of its
own, so it listens on the loopback address unless told otherwise, and refuses to offer the
resume form on an address other machines can reach.
"""

from __future__ import annotations

import ipaddress

from pydantic import Field, field_validator, model_validator

from tradewind.config.base import Section

LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost"})


def is_loopback(address: str) -> bool:
    """Whether ``address`` (an IP address or ``localhost``) is reachable from this machine only."""
    if address in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


class DashboardSection(Section):
    """The monitoring dashboard (``dashboard:``)."""

    address: str = Field(
        "127.0.0.1",
        description="Address the dashboard listens on: 127.0.0.1 (this machine only), or e.g. "
        "0.0.0.0 to let other machines on the network reach it.",
    )
    port: int = Field(8501, ge=1024, le=65535, description="TCP port (the runbook's 8501).")
    refresh_seconds: int = Field(
        60, ge=5, le=3600, description="Auto-refresh period while the NYSE is open."
    )
    closed_refresh_seconds: int = Field(
        900,
        ge=5,
        le=86400,
        description="Refresh period while the NYSE is closed (so an open page notices the "
        "next session and speeds up).",
    )
    allow_resume: bool = Field(
        False,
        description="Offer a confirmed 'resume after halt' form (records who and why); off: "
        "the dashboard is read-only and shows the `tradewind resume` command instead.",
    )

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        text = value.strip()
        if text in LOOPBACK_NAMES:
            return text
        try:
            ipaddress.ip_address(text)
        except ValueError:
            raise ValueError(
                f"must be an IP address (127.0.0.1, 0.0.0.0, ::1) or localhost, was {value!r}"
            ) from None
        return text

    @model_validator(mode="after")
    def _resume_only_on_loopback(self) -> DashboardSection:
        if self.allow_resume and not is_loopback(self.address):
            raise ValueError(
                f"allow_resume is true but address {self.address} is reachable from other "
                "machines and the dashboard has no login: anyone there could clear a halt. "
                "Keep address: 127.0.0.1 (reach it through an SSH tunnel) or set "
                "allow_resume: false"
            )
        return self
