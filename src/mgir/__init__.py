"""mgir: magnesium and insulin resistance.

Assess a person from labs with units handled correctly, build a safe, cited magnesium plan, and
simulate the magnesium-insulin-glucose circle with a calibrated mechanistic model. Decision support
and research software, not a medical device.
"""

from __future__ import annotations

from mgir._errors import InvalidInputError as InvalidInputError
from mgir._errors import InvalidInputErrors as InvalidInputErrors
from mgir._errors import MgirError as MgirError
from mgir._errors import ReferenceDataError as ReferenceDataError

__all__ = [
    "InvalidInputError",
    "InvalidInputErrors",
    "MgirError",
    "ReferenceDataError",
    "__version__",
]


def __getattr__(name: str) -> str:
    # The version is read from the installed metadata on first use: importlib.metadata costs
    # ~50 ms, which every command would otherwise pay at start-up.
    if name == "__version__":
        from importlib import metadata  # noqa: PLC0415

        try:
            return metadata.version("mgir")
        except metadata.PackageNotFoundError:  # a source tree that was not installed
            return "0+unknown"
    raise AttributeError(name)
