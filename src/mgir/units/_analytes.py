"""Laboratory analytes: canonical units, accepted spellings and conversions.

Each analyte gets its own pint context that bridges mass, amount of substance, charge equivalents
and (for insulin) international units, so that every conversion goes through pint and no factor is
written twice. The constants live in ``analytes.toml`` beside this module, each with a source key.
"""

from __future__ import annotations

import math
import threading
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Final

from mgir._errors import InvalidInputError
from mgir.units._chemistry import molar_mass_g_per_mol
from mgir.units._registry import Quantity, ureg

__all__ = [
    "INSULIN_PMOL_PER_UIU_CONVENTIONAL",
    "INSULIN_PMOL_PER_UIU_WHO",
    "Analyte",
    "analyte",
    "analyte_names",
    "convert",
    "normalise_unit",
    "quantity_to_canonical",
    "to_canonical",
    "ucum",
    "unit_family",
]


def _table() -> dict[str, dict[str, Any]]:
    text = resources.files("mgir.units").joinpath("analytes.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


_INSULIN_FACTORS: Final[tuple[float, float]] = tuple(_table()["fasting_insulin"]["pmol_per_uiu"])

INSULIN_PMOL_PER_UIU_CONVENTIONAL: Final[float] = _INSULIN_FACTORS[0]
"""pmol/L per µIU/mL most laboratories and calculators use, 6.00 (``analytes.toml``, knopp2019)."""

INSULIN_PMOL_PER_UIU_WHO: Final[float] = _INSULIN_FACTORS[1]
"""pmol/L per µIU/mL from the WHO international standard, 6.945 (``analytes.toml``, knopp2019)."""

# Units that are the same quantity on a different scale, and so need their own registry unit.
_PINT_SPELLING: Final[Mapping[tuple[str, str], str]] = MappingProxyType(
    {
        ("hba1c", "%"): "hba1c_ngsp_percent",
        ("hba1c", "mmol/mol"): "hba1c_ifcc_mmol_per_mol",
    }
)


# mgir display spelling -> UCUM code (https://ucum.org), for the units where the two differ. Every
# other laboratory unit mgir accepts (mmol/L, mg/dL, ng/mL, %, mmol/mol, ...) is already valid UCUM.
_UCUM_SPELLING: Final[Mapping[str, str]] = MappingProxyType(
    {
        "µIU/mL": "u[IU]/mL",
        "mIU/L": "m[IU]/L",
        "µmol/L": "umol/L",
        "mEq/L": "meq/L",
    }
)


def _folded(unit: str) -> str:
    """Case, spaces, µ/μ/u and IU/U folded away."""
    key = unit.strip().replace(" ", "").replace("µ", "u").replace("μ", "u").lower()
    return key.replace("iu", "u")


# UCUM writes the international unit as the arbitrary unit [IU]: u[IU]/mL is µIU/mL.
_UCUM_KEYS: Final[Mapping[str, str]] = MappingProxyType(
    {_folded(code): _folded(display) for display, code in _UCUM_SPELLING.items()}
)


def _spelling_key(unit: str) -> str:
    """Fold the spellings people type onto one key: case, spaces, µ/μ/u, IU/U, UCUM codes."""
    key = _folded(unit)
    return _UCUM_KEYS.get(key, key)


@dataclass(frozen=True, slots=True)
class Analyte:
    """A laboratory analyte and what mgir accepts for it.

    Attributes
    ----------
    name
        Canonical lab name used in person files (``fasting_glucose``).
    canonical_unit
        The unit every calculator receives values in.
    accepted_units
        Display spellings accepted on input (other spellings of these fold onto them).
    molar_mass_g_per_mol, valence
        Bridges between mass, amount and charge, when they apply.
    bounds_canonical
        Values outside this closed interval (canonical unit) are rejected as impossible.
    loinc
        LOINC code -> the unit family that code implies.
    source_keys
        Keys into the sources registry for every constant above.
    """

    name: str
    description: str
    canonical_unit: str
    accepted_units: tuple[str, ...]
    bounds_canonical: tuple[float, float]
    molar_mass_g_per_mol: float | None = None
    valence: int | None = None
    loinc: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    source_keys: tuple[str, ...] = ()

    @property
    def context_name(self) -> str:
        """Name of this analyte's pint context."""
        return f"mgir_{self.name}"

    def pint_unit(self, display_unit: str) -> str:
        """Registry spelling of one of the accepted display units."""
        return _PINT_SPELLING.get((self.name, display_unit), display_unit)


def _scale(factor: Quantity) -> Any:
    """A pint transformation that multiplies by ``factor``."""

    def transform(_registry: Any, value: Quantity, **_: Any) -> Quantity:
        product: Quantity = value * factor
        return product

    return transform


def _make_context(item: Analyte) -> Any:
    import pint  # noqa: PLC0415  (pint is imported with the registry, on first use)

    ctx = pint.Context(
        item.context_name, defaults={"insulin_pmol_per_uiu": INSULIN_PMOL_PER_UIU_CONVENTIONAL}
    )
    if item.molar_mass_g_per_mol is not None:
        molar_mass = ureg.Quantity(item.molar_mass_g_per_mol, "g/mol")
        ctx.add_transformation("[mass]/[volume]", "[substance]/[volume]", _scale(1 / molar_mass))
        ctx.add_transformation("[substance]/[volume]", "[mass]/[volume]", _scale(molar_mass))
    if item.valence is not None:
        charge = ureg.Quantity(item.valence, "Eq/mol")
        ctx.add_transformation(
            "[charge_equivalent]/[volume]", "[substance]/[volume]", _scale(1 / charge)
        )
        ctx.add_transformation(
            "[substance]/[volume]", "[charge_equivalent]/[volume]", _scale(charge)
        )
    if item.name == "fasting_insulin":

        def activity_to_amount(
            registry: Any,
            x: Quantity,
            insulin_pmol_per_uiu: float = INSULIN_PMOL_PER_UIU_CONVENTIONAL,
        ) -> Quantity:
            per_activity: Quantity = registry.Quantity(
                insulin_pmol_per_uiu, "pmol/L"
            ) / registry.Quantity(1.0, "µIU/mL")
            amount: Quantity = x * per_activity
            return amount

        def amount_to_activity(
            registry: Any,
            x: Quantity,
            insulin_pmol_per_uiu: float = INSULIN_PMOL_PER_UIU_CONVENTIONAL,
        ) -> Quantity:
            per_activity: Quantity = registry.Quantity(
                insulin_pmol_per_uiu, "pmol/L"
            ) / registry.Quantity(1.0, "µIU/mL")
            activity: Quantity = x / per_activity
            return activity

        ctx.add_transformation(
            "[biological_activity]/[volume]",
            "[substance]/[volume]",
            activity_to_amount,  # type: ignore[arg-type]
        )
        ctx.add_transformation(
            "[substance]/[volume]",
            "[biological_activity]/[volume]",
            amount_to_activity,  # type: ignore[arg-type]
        )
    return ctx


@cache
def _analytes() -> Mapping[str, Analyte]:
    raw = _table()
    items: dict[str, Analyte] = {}
    for name, spec in raw.items():
        keys = tuple(sorted({str(v) for k, v in spec.items() if k.endswith("_source")}))
        item = Analyte(
            name=name,
            description=str(spec["description"]),
            canonical_unit=str(spec["canonical_unit"]),
            accepted_units=tuple(str(u) for u in spec["accepted_units"]),
            bounds_canonical=(
                float(spec["bounds_canonical"][0]),
                float(spec["bounds_canonical"][1]),
            ),
            molar_mass_g_per_mol=(
                molar_mass_g_per_mol(spec["formula"])
                if "formula" in spec
                else spec.get("molar_mass_g_per_mol")
            ),
            valence=spec.get("valence"),
            loinc=MappingProxyType(dict(spec.get("loinc", {}))),
            source_keys=keys,
        )
        items[name] = item
    return MappingProxyType(items)


# pint enables a context by pushing it on the registry's shared stack for the length of a
# conversion: two threads converting at once (the clinic service's worker threads, Dask's) pull
# each other's contexts out from under them. Conversions through a context hold this lock.
_CONTEXT_LOCK = threading.RLock()


@cache
def _contexts() -> None:
    """Register every analyte's pint context (once, when the first conversion needs them)."""
    with _CONTEXT_LOCK:
        for item in _analytes().values():
            ureg.add_context(_make_context(item))


def analyte_names() -> tuple[str, ...]:
    """Return the canonical lab names mgir understands."""
    return tuple(_analytes())


def analyte(name: str, *, field: str = "name") -> Analyte:
    """Look up an analyte by canonical name or LOINC code.

    Raises
    ------
    InvalidInputError
        If the name is neither a canonical lab name nor a known LOINC code.
    """
    table = _analytes()
    if name in table:
        return table[name]
    for item in table.values():
        if name in item.loinc:
            return item
    raise InvalidInputError(
        field=field,
        value=name,
        allowed="a canonical lab name ("
        + ", ".join(table)
        + ") or a LOINC code mgir knows ("
        + ", ".join(code for item in table.values() for code in item.loinc)
        + ")",
    )


def normalise_unit(item: Analyte, unit: str | None, *, field: str = "unit") -> str:
    """Return the accepted display spelling of ``unit`` for ``item``.

    ``uU/mL``, ``µIU/mL`` and ``mIU/L`` are all insulin activity; ``mg/dl`` is ``mg/dL``. UCUM
    codes are read too (``u[IU]/mL``, ``m[IU]/L``, ``umol/L``, ``meq/L``; see :func:`ucum`). A unit
    that does not belong to the analyte is an error that lists the accepted units.
    """
    if unit is None or not str(unit).strip():
        raise InvalidInputError(
            field=field,
            value=unit,
            allowed=f"a unit is required for {item.name}: one of " + ", ".join(item.accepted_units),
        )
    wanted = _spelling_key(str(unit))
    for display in item.accepted_units:
        if _spelling_key(display) == wanted:
            return display
    raise InvalidInputError(
        field=field,
        value=unit,
        allowed=f"a unit of {item.name}: one of " + ", ".join(item.accepted_units),
    )


@cache
def _lab_units() -> tuple[str, ...]:
    """Every accepted display unit of every analyte, once each, in table order."""
    return tuple(dict.fromkeys(u for item in _analytes().values() for u in item.accepted_units))


def unit_family(item: Analyte, unit: str) -> str:
    """The family of a unit of ``item``: what a LOINC code's property distinguishes.

    Mass, amount of substance and biological activity per volume are different families (LOINC
    gives each its own code: ``19123-9`` is serum magnesium by mass, ``2601-3`` by amount);
    milliequivalents count with amounts (LOINC reports mEq/L under the molar code); a scale
    without a volume (HbA1c in % or mmol/mol) is a family of its own.

    Parameters
    ----------
    item
        The analyte.
    unit
        Any spelling of one of its accepted units (UCUM included).
    """
    spelled = normalise_unit(item, unit)
    dimensions = dict(ureg.Quantity(1, item.pint_unit(spelled)).dimensionality)
    if "[length]" not in dimensions:
        return spelled
    if "[charge_equivalent]" in dimensions:
        dimensions["[substance]"] = dimensions.pop("[charge_equivalent]")
    return " ".join(f"{name}^{power:g}" for name, power in sorted(dimensions.items()))


def ucum(unit: str) -> str:
    """Return the UCUM code of a laboratory unit mgir accepts.

    UCUM (the Unified Code for Units of Measure) is the unit code system of FHIR ``Quantity.code``
    and HL7 messages. It differs from mgir's display spelling for four units: ``µIU/mL`` is
    ``u[IU]/mL``, ``mIU/L`` is ``m[IU]/L``, ``µmol/L`` is ``umol/L`` and ``mEq/L`` is ``meq/L``;
    every other laboratory unit (``mmol/L``, ``mg/dL``, ``ng/mL``, ``%``, ...) is returned as it
    is. The inverse needs no function: :func:`normalise_unit` (and so :func:`convert` and
    :func:`to_canonical`) reads UCUM codes as the display units they stand for.

    Parameters
    ----------
    unit
        A laboratory unit in any spelling :func:`normalise_unit` accepts for some analyte
        (``"µIU/mL"``, ``"uU/mL"``, ``"mg/dl"``, or already a UCUM code such as ``"u[IU]/mL"``).

    Returns
    -------
    str
        The UCUM code (case-sensitive form), e.g. ``"u[IU]/mL"`` for ``"µIU/mL"``.

    Raises
    ------
    InvalidInputError
        If ``unit`` is not a laboratory unit of any analyte mgir knows.

    Examples
    --------
    >>> ucum("µIU/mL"), ucum("mEq/L"), ucum("mg/dL")
    ('u[IU]/mL', 'meq/L', 'mg/dL')
    """
    units = _lab_units()
    wanted = _spelling_key(str(unit))
    for display in units:
        if _spelling_key(display) == wanted:
            return _UCUM_SPELLING.get(display, display)
    raise InvalidInputError(
        field="unit",
        value=unit,
        allowed="a laboratory unit mgir knows: one of " + ", ".join(units),
    )


def convert(
    item: Analyte,
    value: float,
    from_unit: str,
    to_unit: str,
    *,
    insulin_pmol_per_uiu: float = INSULIN_PMOL_PER_UIU_CONVENTIONAL,
) -> float:
    """Convert ``value`` of ``item`` between two of its accepted units.

    Parameters
    ----------
    item
        The analyte (molar mass, valence and insulin factor come from it).
    value
        Magnitude in ``from_unit``.
    from_unit, to_unit
        Any spelling of the analyte's accepted units.
    insulin_pmol_per_uiu
        pmol/L per µIU/mL for insulin; 6.00 by default, 6.945 for WHO-standard assays.
    """
    source = item.pint_unit(normalise_unit(item, from_unit, field="from_unit"))
    target = item.pint_unit(normalise_unit(item, to_unit, field="to_unit"))
    _contexts()
    quantity = ureg.Quantity(value, source)
    with _CONTEXT_LOCK:
        converted = quantity.to(
            target, item.context_name, insulin_pmol_per_uiu=insulin_pmol_per_uiu
        )
    return float(converted.magnitude)


def to_canonical(
    item: Analyte,
    value: float,
    unit: str | None,
    *,
    field: str | None = None,
    insulin_pmol_per_uiu: float = INSULIN_PMOL_PER_UIU_CONVENTIONAL,
) -> float:
    """Validate a lab value and return it in the analyte's canonical unit.

    Raises
    ------
    InvalidInputError
        For a missing or foreign unit, a non-finite value, or a value outside the possible range.
    """
    where = field or item.name
    display = normalise_unit(item, unit, field=f"{where}.unit")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidInputError(field=where, value=value, unit=display, allowed="a finite number")
    canonical = convert(
        item, float(value), display, item.canonical_unit, insulin_pmol_per_uiu=insulin_pmol_per_uiu
    )
    low, high = item.bounds_canonical
    if not low <= canonical <= high:
        if display == item.canonical_unit:
            shown = f"{low:g} to {high:g} {item.canonical_unit}"
        else:
            low_given = convert(
                item, low, item.canonical_unit, display, insulin_pmol_per_uiu=insulin_pmol_per_uiu
            )
            high_given = convert(
                item, high, item.canonical_unit, display, insulin_pmol_per_uiu=insulin_pmol_per_uiu
            )
            shown = (
                f"{low_given:.4g} to {high_given:.4g} {display} "
                f"({low:g} to {high:g} {item.canonical_unit})"
            )
        raise InvalidInputError(
            field=where,
            value=value,
            unit=display,
            allowed=f"a possible {item.description.lower()}: from {shown}",
        )
    return canonical


def quantity_to_canonical(
    item: Analyte,
    quantity: Quantity,
    *,
    field: str | None = None,
    insulin_pmol_per_uiu: float = INSULIN_PMOL_PER_UIU_CONVENTIONAL,
) -> float:
    """Validate a pint Quantity of ``item`` and return its magnitude in the canonical unit.

    Raises
    ------
    InvalidInputError
        If the quantity is not from the package registry, has a unit foreign to the analyte, or a
        value outside the possible range.
    """
    where = field or item.name
    if not isinstance(quantity, ureg.Quantity):
        raise InvalidInputError(
            field=where,
            value=quantity,
            allowed=f"a mgir.units.Quantity in one of {', '.join(item.accepted_units)}",
        )
    unit_text = str(quantity.units)
    _contexts()
    import pint  # noqa: PLC0415  (already imported with the registry)

    try:
        with _CONTEXT_LOCK:
            magnitude = float(
                quantity.to(
                    item.pint_unit(item.canonical_unit),
                    item.context_name,
                    insulin_pmol_per_uiu=insulin_pmol_per_uiu,
                ).magnitude
            )
    except pint.errors.DimensionalityError as exc:
        raise InvalidInputError(
            field=f"{where}.unit",
            value=unit_text,
            allowed=f"a unit of {item.name}: one of " + ", ".join(item.accepted_units),
        ) from exc
    return to_canonical(
        item, magnitude, item.canonical_unit, field=where, insulin_pmol_per_uiu=insulin_pmol_per_uiu
    )
