"""The strict base model every configuration section derives from."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """A frozen configuration section that rejects unknown keys and validates its defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


Fraction = float
"""A number in [0, 1] expressed as a fraction (0.10 means 10%)."""
