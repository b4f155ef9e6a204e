"""The one pint registry of the package."""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING, Any, TypeAlias

import pint

__all__ = ["Quantity", "ureg"]


def _build_registry() -> pint.UnitRegistry[Any]:
    registry: pint.UnitRegistry[Any] = pint.UnitRegistry(
        autoconvert_offset_to_baseunit=False, cache_folder=None
    )
    definitions = resources.files("mgir.units").joinpath("_definitions.txt")
    with resources.as_file(definitions) as path:
        registry.load_definitions(str(path))
    registry.formatter.default_format = "~P"
    return registry


ureg: pint.UnitRegistry[Any] = _build_registry()
"""The package's unit registry. Quantities from other registries are not accepted."""

if TYPE_CHECKING:
    # One name for the annotation and the constructor: type checkers see pint's generic class.
    Quantity: TypeAlias = pint.Quantity[Any]
else:
    Quantity = ureg.Quantity
