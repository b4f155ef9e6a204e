"""Exceptions shared by every layer.

The hierarchy is small on purpose::

    MgirError
    ├── InvalidInputError (a ValueError)   bad input from a person, a file or a caller
    └── ReferenceDataError                       a packaged table is inconsistent (a bug in mgir)

``InvalidInputError`` always names the field, the value, its unit and what is allowed, so that the
CLI can print it as it is and the service can return it as a 422 body.
"""

from __future__ import annotations

from typing import Any

__all__ = ["InvalidInputError", "MgirError", "ReferenceDataError"]


class MgirError(Exception):
    """Base class of every error mgir raises on purpose."""


class InvalidInputError(MgirError, ValueError):
    """Input that mgir cannot accept.

    Parameters
    ----------
    field
        Where the value came from, as a person would find it (``"labs[2].unit"``,
        ``"fasting_glucose"``, ``"--elemental-mg"``).
    value
        The offending value, as given.
    allowed
        What would have been accepted, in words (``"one of mg/dL, mmol/L"``).
    unit
        The unit the value was given in, when there is one.
    """

    def __init__(self, *, field: str, value: Any, allowed: str, unit: str | None = None) -> None:
        self.field = field
        self.value = value
        self.unit = unit
        self.allowed = allowed
        shown = f"{value!r}" if unit is None else f"{value!r} {unit}"
        super().__init__(f"{field}: got {shown}; allowed: {allowed}")

    def as_dict(self) -> dict[str, Any]:
        """Return the error as a JSON-ready mapping."""
        return {
            "field": self.field,
            "value": self.value,
            "unit": self.unit,
            "allowed": self.allowed,
        }


class ReferenceDataError(MgirError):
    """A packaged reference table or the sources registry is inconsistent."""
