"""Magnesium supplement salts: lookup by name or alias, and mass conversions.

Molar mass and the elemental magnesium fraction of every salt are computed from its formula
(:mod:`mgir.units`), never copied from a label. Conversions between salt mass,
elemental magnesium mass and amount of substance accept and return pint quantities at the
boundary; the arithmetic is plain floats.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Final, Literal

from mgir._errors import InvalidInputError, did_you_mean
from mgir.reference._tables import load_table
from mgir.units import atomic_weights, element_counts, mass_fraction, ureg
from mgir.units import molar_mass_g_per_mol as _molar_mass

if TYPE_CHECKING:
    import pint

__all__ = [
    "MG_G_PER_MOL",
    "Salt",
    "SaltMatch",
    "elemental_to_salt",
    "mg_to_mmol",
    "mmol_to_mg",
    "resolve_salt",
    "salt",
    "salt_to_elemental",
    "salts",
]

BioClass = Literal["higher", "lower", "uncertain"]
Laxative = Literal["low", "moderate", "high", "uncertain"]
MG_G_PER_MOL: Final[float] = atomic_weights()["Mg"]
"""Standard atomic weight of magnesium, 24.305 g/mol (``units/data/atomic_weights.csv``, CIAAW)."""


@dataclass(frozen=True, slots=True)
class Salt:
    """One magnesium salt.

    Attributes
    ----------
    formula
        Anhydrous formula; ``full_formula`` adds the waters of hydration.
    molar_mass_g_per_mol
        Computed from ``full_formula`` and the standard atomic weights, g/mol.
    mg_fraction
        Elemental magnesium mass fraction (0-1), computed.
    mg_atoms
        Magnesium atoms per formula unit.
    bioavailability_class, laxative_effect, preference_rank
        Relative bioavailability, laxative tendency and repletion preference (``None``: not
        chosen for repletion), with ``evidence`` and ``source_key``.
    """

    salt_id: str
    name: str
    formula: str
    hydrate_waters: int
    aliases: tuple[str, ...]
    assumed_aliases: tuple[str, ...]
    bioavailability_class: BioClass
    bioavailability_note: str
    laxative_effect: Laxative
    preference_rank: int | None
    evidence: str
    source_key: str
    note: str | None
    full_formula: str
    molar_mass_g_per_mol: float
    mg_fraction: float
    mg_atoms: int


@dataclass(frozen=True, slots=True)
class SaltMatch:
    """A resolved salt name: the salt and whether the name only maps to it by assumption."""

    salt: Salt
    assumed: bool
    given: str


def _key(name: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9·()]+", " ", name.lower().replace(".", "·")).split())


@cache
def salts() -> Mapping[str, Salt]:
    """All packaged salts keyed by ``salt_id``."""
    out: dict[str, Salt] = {}
    for row in load_table("salts").rows:
        waters = int(row["hydrate_waters"])
        full = row["formula"] + (f"·{waters}H2O" if waters else "")
        out[row["salt_id"]] = Salt(
            salt_id=row["salt_id"],
            name=row["name"],
            formula=row["formula"],
            hydrate_waters=waters,
            aliases=tuple(a.strip() for a in row["aliases"].split(";") if a.strip()),
            assumed_aliases=tuple(
                a.strip() for a in (row["assumed_aliases"] or "").split(";") if a.strip()
            ),
            bioavailability_class=row["bioavailability_class"],
            bioavailability_note=row["bioavailability_note"],
            laxative_effect=row["laxative_effect"],
            preference_rank=row["preference_rank"],
            evidence=row["evidence"],
            source_key=row["source_key"],
            note=row["note"],
            full_formula=full,
            molar_mass_g_per_mol=_molar_mass(full),
            mg_fraction=mass_fraction(full, "Mg"),
            mg_atoms=element_counts(full).get("Mg", 0),
        )
    return MappingProxyType(out)


@cache
def _names() -> Mapping[str, tuple[str, bool]]:
    names: dict[str, tuple[str, bool]] = {}
    for item in salts().values():
        exact = (item.salt_id, item.name, item.full_formula, *item.aliases)
        for name in exact:
            names[_key(name)] = (item.salt_id, False)
        for name in item.assumed_aliases:
            names[_key(name)] = (item.salt_id, True)
    return MappingProxyType(names)


def resolve_salt(name: str, *, field: str = "salt") -> SaltMatch:
    """Resolve a salt name, alias or formula ("Epsom salt", "magnesium glycinate", "MgO").

    Generic names such as "magnesium citrate" resolve by a documented assumption
    (``assumed=True``; see the salt's ``note``). "glycinate" alone is read as
    "magnesium glycinate".

    Raises
    ------
    InvalidInputError
        If the name is not known; ``allowed`` lists the known names.
    """
    names = _names()
    key = _key(str(name))
    hit = names.get(key) or names.get(f"magnesium {key}")
    if hit is None:
        known = sorted(s.name for s in salts().values())
        hint = did_you_mean(str(name), [*known, *(a for s in salts().values() for a in s.aliases)])
        raise InvalidInputError(
            field=field,
            value=name,
            allowed=f"a known magnesium salt{hint}: {', '.join(known)} "
            "(their aliases and formulas are accepted too)",
        )
    return SaltMatch(salt=salts()[hit[0]], assumed=hit[1], given=str(name))


def salt(name: str) -> Salt:
    """Return the salt for a name, alias, formula or id (see :func:`resolve_salt`)."""
    return resolve_salt(name).salt


def _mass(quantity: pint.Quantity[float], field: str) -> float:
    if not isinstance(quantity, ureg.Quantity):
        raise InvalidInputError(field=field, value=quantity, allowed="a pint Quantity of mass")
    if quantity.dimensionality != ureg.milligram.dimensionality:
        raise InvalidInputError(
            field=field,
            value=quantity.magnitude,
            unit=str(quantity.units),
            allowed="a mass (mg, g)",
        )
    value = float(quantity.to("mg").magnitude)
    if not value >= 0 or value == float("inf"):
        raise InvalidInputError(field=field, value=value, unit="mg", allowed="a finite mass >= 0")
    return value


def salt_to_elemental(salt_mass: pint.Quantity[float], item: Salt) -> pint.Quantity[float]:
    """Elemental magnesium in a mass of salt (mass in, mass in mg out)."""
    return ureg.Quantity(_mass(salt_mass, "salt_mass") * item.mg_fraction, "mg")


def elemental_to_salt(elemental: pint.Quantity[float], item: Salt) -> pint.Quantity[float]:
    """Mass of salt that holds an elemental magnesium mass (mg out)."""
    return ureg.Quantity(_mass(elemental, "elemental_mg") / item.mg_fraction, "mg")


def mg_to_mmol(elemental: pint.Quantity[float]) -> pint.Quantity[float]:
    """Amount of substance of elemental magnesium, mmol (1 mmol = 24.305 mg)."""
    return ureg.Quantity(_mass(elemental, "elemental_mg") / MG_G_PER_MOL, "mmol")


def mmol_to_mg(amount: pint.Quantity[float]) -> pint.Quantity[float]:
    """Mass of an amount of magnesium, mg (1 mmol = 24.305 mg)."""
    if not isinstance(amount, ureg.Quantity) or amount.dimensionality != ureg.mmol.dimensionality:
        raise InvalidInputError(field="amount", value=amount, allowed="a pint Quantity in mmol")
    return ureg.Quantity(float(amount.to("mmol").magnitude) * MG_G_PER_MOL, "mg")
