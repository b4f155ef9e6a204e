"""Chemical formulas: parsing, molar mass and elemental mass fractions.

Molar masses are computed from the formula with the packaged standard atomic weights
(``units/data/atomic_weights.csv``, source key ``ciaaw_atomic_weights``), so that every salt's
elemental magnesium fraction is reproducible arithmetic rather than a copied percentage.

The grammar is the usual one for salts: element symbols with optional counts, parenthesised
groups with a count, and hydrate parts after ``·`` or ``.`` with an optional leading count::

    MgO   Mg(OH)2   Mg3(C6H5O7)2   MgSO4·7H2O   Mg(C3H5O3)2.2H2O
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Mapping
from functools import cache
from importlib import resources
from types import MappingProxyType

from mgir._errors import InvalidInputError

__all__ = ["atomic_weights", "element_counts", "mass_fraction", "molar_mass_g_per_mol"]

_TOKEN = re.compile(r"([A-Z][a-z]?)|(\d+)|(\()|(\))")


@cache
def atomic_weights() -> Mapping[str, float]:
    """Return the standard atomic weights by element symbol, g/mol (CIAAW conventional values)."""
    text = resources.files("mgir.units").joinpath("data/atomic_weights.csv").read_text("utf-8")
    rows = csv.DictReader(io.StringIO(text))
    return MappingProxyType({r["symbol"]: float(r["atomic_weight_g_per_mol"]) for r in rows})


def _bad(formula: str, why: str) -> InvalidInputError:
    return InvalidInputError(
        field="formula", value=formula, allowed=f"a chemical formula such as MgSO4·7H2O ({why})"
    )


def _parse_part(formula: str, part: str) -> Counter[str]:
    stack: list[Counter[str]] = [Counter()]
    position = 0
    last: Counter[str] | None = None  # what a following count multiplies
    for match in _TOKEN.finditer(part):
        if match.start() != position:
            raise _bad(formula, f"unexpected {part[position : match.start()]!r}")
        position = match.end()
        symbol, digits, opening, closing = match.groups()
        if symbol:
            if symbol not in atomic_weights():
                raise _bad(formula, f"unknown element {symbol}")
            last = Counter({symbol: 1})
            stack[-1].update(last)
        elif digits:
            if last is None:
                raise _bad(formula, "a count must follow an element or a group")
            for element, count in last.items():
                stack[-1][element] += count * (int(digits) - 1)
            last = None
        elif opening:
            stack.append(Counter())
            last = None
        elif closing:
            if len(stack) == 1:
                raise _bad(formula, "unbalanced ')'")
            group = stack.pop()
            stack[-1].update(group)
            last = group
    if position != len(part) or len(stack) != 1:
        raise _bad(formula, "unbalanced '(' or trailing text")
    return stack[0]


@cache
def element_counts(formula: str) -> Mapping[str, int]:
    """Atoms of each element in one formula unit.

    Raises
    ------
    InvalidInputError
        If the formula does not parse or names an element without a packaged atomic weight.
    """
    total: Counter[str] = Counter()
    for part in re.split(r"[·.•]", formula.replace(" ", "")):
        if not part:
            raise _bad(formula, "empty part")
        lead = re.match(r"^(\d+)(?=[A-Z(])", part)
        multiplier = int(lead.group(1)) if lead else 1
        counts = _parse_part(formula, part[lead.end() :] if lead else part)
        for element, count in counts.items():
            total[element] += multiplier * count
    return MappingProxyType(dict(total))


def molar_mass_g_per_mol(formula: str) -> float:
    """Molar mass of the formula, g/mol, from the standard atomic weights."""
    weights = atomic_weights()
    return sum(weights[element] * count for element, count in element_counts(formula).items())


def mass_fraction(formula: str, element: str = "Mg") -> float:
    """Mass fraction (0-1) of ``element`` in the formula."""
    counts = element_counts(formula)
    return atomic_weights()[element] * counts.get(element, 0) / molar_mass_g_per_mol(formula)
