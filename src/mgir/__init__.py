"""mgir: magnesium and insulin resistance.

Assess a person from labs with units handled correctly, build a safe, cited magnesium plan, and
simulate the magnesium-insulin-glucose circle with a calibrated mechanistic model. Decision support
and research software, not a medical device.
"""

from __future__ import annotations

from importlib import metadata

from mgir._errors import InvalidInputError as InvalidInputError
from mgir._errors import MgirError as MgirError
from mgir._errors import ReferenceDataError as ReferenceDataError

try:
    __version__: str = metadata.version("mgir")
except metadata.PackageNotFoundError:  # a source tree that was not installed
    __version__ = "0+unknown"

__all__ = ["InvalidInputError", "MgirError", "ReferenceDataError", "__version__"]
