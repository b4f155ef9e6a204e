"""Parsing general quantities (doses, food amounts, rates) with a required dimension."""

from __future__ import annotations

import math
import re

from mgir._errors import InvalidInputError
from mgir.units._registry import Quantity, ureg

__all__ = ["parse_quantity"]

_UNIT_TEXT = re.compile(r"^[A-Za-zµμ°%][A-Za-zµμ°% /*.^()\-0-9]*$")
"""What a unit may look like: a letter first, then letters, spaces, / * . ^ ( ) and exponents.

pint reads ``;`` and ``#`` as the end of the text and evaluates numbers, so ``g;`` would be grams
and ``mg/0`` a division by zero; both are refused before pint sees them."""


def parse_quantity(
    value: object, unit: object, *, field: str, like: str, allowed: str | None = None
) -> Quantity:
    """Parse ``value`` ``unit`` into a Quantity with the dimension of ``like``.

    Parameters
    ----------
    value, unit
        As given by a person or a file.
    field
        Where the value came from, for the error message.
    like
        A unit with the required dimension (``"mg/day"``, ``"g"``).
    allowed
        Words for the error message; defaults to "a quantity convertible to <like>".

    Raises
    ------
    InvalidInputError
        If the unit is missing or unknown, has the wrong dimension, or the value is not finite.
    """
    wanted = allowed or f"a finite number with a unit convertible to {like}"
    if unit is None or not str(unit).strip():
        raise InvalidInputError(field=field, value=value, allowed=f"a unit is required: {wanted}")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInputError(field=field, value=value, unit=str(unit), allowed=wanted)
    text = str(unit).strip()
    if not _UNIT_TEXT.match(text) or re.search(r"(^|[/*(\s])\d", text):
        raise InvalidInputError(field=field, value=value, unit=str(unit), allowed=wanted)
    try:
        parsed_unit = ureg.parse_units(text.replace("µ", "u").replace("μ", "u"))
    except Exception as exc:
        raise InvalidInputError(field=field, value=value, unit=str(unit), allowed=wanted) from exc
    quantity = ureg.Quantity(float(value), parsed_unit)
    if quantity.dimensionality != ureg.parse_units(like).dimensionality:
        raise InvalidInputError(field=field, value=value, unit=str(unit), allowed=wanted)
    return quantity
