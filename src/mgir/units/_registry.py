"""The one pint registry of the package, built on first use.

Importing :mod:`mgir.units` does not import pint: commands that never touch a unit
(``mgir --help``) start faster. The registry's parsed definitions are cached by pint on disk
(``cache_folder=":auto:"``, the user's cache directory), which makes later builds about ten times
faster.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, TypeAlias, cast

if TYPE_CHECKING:
    import pint

__all__ = ["Quantity", "registry", "ureg"]


@cache
def registry() -> pint.UnitRegistry[Any]:
    """Build (once) and return the package's unit registry."""
    import pint  # noqa: PLC0415  (deferred: pint and numpy cost ~0.2 s to import)

    try:
        built: pint.UnitRegistry[Any] = pint.UnitRegistry(
            autoconvert_offset_to_baseunit=False, cache_folder=":auto:"
        )
    except OSError:  # an unwritable cache directory: build without the cache
        built = pint.UnitRegistry(autoconvert_offset_to_baseunit=False, cache_folder=None)
    definitions = resources.files("mgir.units").joinpath("_definitions.txt")
    with resources.as_file(definitions) as path:
        built.load_definitions(str(path))
    built.formatter.default_format = "~P"
    return built


class _LazyRegistry:
    """Stands for the registry until an attribute is first used."""

    def __getattr__(self, name: str) -> Any:
        return getattr(registry(), name)


ureg = cast("pint.UnitRegistry[Any]", _LazyRegistry())
"""The package's unit registry (built on first attribute access)."""

if TYPE_CHECKING:
    # One name for the annotation and the constructor: type checkers see pint's generic class.
    Quantity: TypeAlias = pint.Quantity[Any]
else:

    def Quantity(value: Any, units: Any = None) -> Any:  # noqa: N802  (stands for a class)
        """A quantity of the package registry (``Quantity(5.0, "mmol/L")``)."""
        return registry().Quantity(value, units)
