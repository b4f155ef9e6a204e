"""Exceptions shared by every layer.

The hierarchy is small on purpose::

    MgirError
    ├── InvalidInputError (a ValueError)   bad input from a person, a file or a caller
    │   └── InvalidInputErrors                   several of them, reported at once in file order
    └── ReferenceDataError                       a packaged table is inconsistent (a bug in mgir)

``InvalidInputError`` always names the field, the value, its unit and what is allowed, so that the
CLI can print it as it is and the service can return it as a 422 body.
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Sequence
from typing import Any

__all__ = [
    "InvalidInputError",
    "InvalidInputErrors",
    "MgirError",
    "ReferenceDataError",
    "did_you_mean",
    "shown",
]


class MgirError(Exception):
    """Base class of every error mgir raises on purpose."""


def _plain(value: Any) -> Any:
    """A NumPy scalar or array as the Python number or list it stands for."""
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "shape", None) == ():
        return item()
    tolist = getattr(value, "tolist", None)
    if callable(tolist) and getattr(value, "shape", None) is not None:
        return tolist()
    return value


def shown(value: Any, unit: str | None = None) -> str:
    """A value as a person typed it: ``-5 mg/dL``, ``'maybe'``, ``[1, 2]`` (never a NumPy repr)."""
    plain = _plain(value)
    if isinstance(plain, bool) or plain is None:
        text = repr(plain)
    elif isinstance(plain, numbers.Real):
        number = float(plain)
        text = f"{number:g}" if math.isfinite(number) else str(number)
    elif isinstance(plain, list | tuple):
        text = "[" + ", ".join(shown(v) for v in plain) + "]"
    else:
        text = repr(plain)
    return text if unit is None else f"{text} {unit}"


def did_you_mean(value: str, candidates: Sequence[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest candidate (case-insensitive), or ``""``."""
    folded = {c.lower(): c for c in candidates}
    wanted = str(value).strip().lower()
    close = difflib.get_close_matches(wanted, list(folded), n=1, cutoff=0.6)
    if not close and len(wanted) >= 3:  # "glucose" for "fasting_glucose_mg_dl"
        close = sorted((c for c in folded if wanted in c), key=len)[:1]
    return f" (did you mean {folded[close[0]]!r}?)" if close else ""


class InvalidInputError(MgirError, ValueError):
    """Input that mgir cannot accept.

    Parameters
    ----------
    field
        Where the value came from, as a person would find it (``"labs[2].unit"``,
        ``"labs[0] fasting_glucose"``, ``"--elemental-mg"``, ``"row 4, column sex"``).
    value
        The offending value, as given.
    allowed
        What would have been accepted, in words (``"one of mg/dL, mmol/L"``).
    unit
        The unit the value was given in, when there is one.
    """

    def __init__(self, *, field: str, value: Any, allowed: str, unit: str | None = None) -> None:
        self.field = field
        self.value = _plain(value)
        self.unit = unit
        self.allowed = allowed
        super().__init__(f"{field}: got {shown(value, unit)}; allowed: {allowed}")

    def as_dict(self) -> dict[str, Any]:
        """Return the error as a JSON-ready mapping."""
        value = self.value
        if isinstance(value, float) and not math.isfinite(value):
            value = str(value)
        elif not isinstance(value, str | int | float | bool | list | type(None)):
            value = repr(value)
        return {"field": self.field, "value": value, "unit": self.unit, "allowed": self.allowed}

    @property
    def errors(self) -> tuple[InvalidInputError, ...]:
        """Every error this one stands for (itself, for a single error)."""
        return (self,)


class InvalidInputErrors(InvalidInputError):  # noqa: N818  (a group of InvalidInputError)
    """Several input errors of one document, in file order; ``str()`` lists one per line.

    Its own ``field``, ``value``, ``unit`` and ``allowed`` are those of the first error, so code
    that handles one error handles this too.
    """

    def __init__(self, errors: Sequence[InvalidInputError]) -> None:
        if not errors:
            raise ValueError("InvalidInputErrors needs at least one error")
        flat = tuple(e for error in errors for e in error.errors)
        first = flat[0]
        super().__init__(
            field=first.field, value=first.value, allowed=first.allowed, unit=first.unit
        )
        self._errors = flat
        self.args = ("\n".join(str(e) for e in flat),)

    @property
    def errors(self) -> tuple[InvalidInputError, ...]:
        """Every error, in file order."""
        return self._errors

    def as_dict(self) -> dict[str, Any]:
        """The first error's mapping with ``errors``: every error's mapping."""
        out = super().as_dict()
        out["errors"] = [e.as_dict() for e in self._errors]
        return out

    @classmethod
    def raise_if_any(cls, errors: Sequence[InvalidInputError]) -> None:
        """Raise the single error, or all of them, when there are any."""
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise cls(errors)


class ReferenceDataError(MgirError):
    """A packaged reference table or the sources registry is inconsistent."""
