"""The person file (spec version 1): validation and the immutable :class:`Person` it yields.

The structure is checked by pydantic models that forbid unknown keys; the values are then converted
to canonical units with :mod:`mgir.units`. Every problem becomes an :class:`InvalidInputError` that
names the field (``labs[2].unit``), the value, the unit and what is allowed. Nothing is guessed:
two undated values of one lab, a time for a medication that is not listed, or a dose given both as
salt and elemental magnesium are errors.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Annotated, Any, Final, Literal, get_args, get_origin

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from mgir._errors import InvalidInputError
from mgir.units import (
    INSULIN_PMOL_PER_UIU_CONVENTIONAL,
    analyte,
    normalise_unit,
    parse_quantity,
    to_canonical,
)

__all__ = [
    "CONDITIONS",
    "DietEntry",
    "LabValue",
    "OgttPoint",
    "Person",
    "SupplementEntry",
    "parse_person",
]

CONDITIONS: Final[tuple[str, ...]] = (
    "t2d",
    "t1d",
    "prediabetes",
    "insulin_resistance",
    "pcos",
    "metabolic_syndrome",
    "ckd",
    "heart_block",
    "myasthenia_gravis",
    "bowel_obstruction",
    "chronic_diarrhoea",
    "alcohol_use_disorder",
)
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
LenientDate = Annotated[date, Field(strict=False)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _Amount(_Model):
    value: float
    unit: str


class _PersonSection(_Model):
    id: str | None = None
    age_years: float | None = None
    birth_date: LenientDate | None = None
    sex: Literal["female", "male"]
    pregnant: bool = False
    lactating: bool = False
    weight_kg: float | None = None
    height_cm: float | None = None
    conditions: list[str] = Field(default_factory=list)
    medications: list[str] = Field(default_factory=list)
    medication_times: dict[str, list[str]] = Field(default_factory=dict)


class _Lab(_Model):
    name: str
    value: float
    unit: str
    date: LenientDate | None = None


class _Ogtt(_Model):
    minutes: float
    glucose: _Amount
    insulin: _Amount


class _Diet(_Model):
    day: LenientDate | None = None
    food: str
    amount: _Amount


class _Supplement(_Model):
    salt: str
    salt_mass: _Amount | None = None
    elemental: _Amount | None = None


class _PersonFile(_Model):
    spec_version: Literal[1]
    person: _PersonSection
    labs: list[_Lab] = Field(default_factory=list)
    ogtt: list[_Ogtt] = Field(default_factory=list)
    diet: list[_Diet] = Field(default_factory=list)
    supplements: list[_Supplement] = Field(default_factory=list)


@dataclass(frozen=True, slots=True)
class LabValue:
    """One laboratory value, converted to the analyte's canonical unit.

    Attributes
    ----------
    name
        Canonical lab name.
    value
        Value in ``unit`` (the canonical unit).
    unit
        Canonical unit.
    given_value, given_unit
        What the file said.
    date
        Sampling date, if given.
    """

    name: str
    value: float
    unit: str
    given_value: float
    given_unit: str
    date: date | None = None


@dataclass(frozen=True, slots=True)
class OgttPoint:
    """One sample of an oral glucose tolerance test (glucose mmol/L, insulin µIU/mL)."""

    minutes: float
    glucose_mmol_per_l: float
    insulin_uiu_per_ml: float


@dataclass(frozen=True, slots=True)
class DietEntry:
    """One food-diary entry as written; the knowledge base resolves food and amount."""

    day: date | None
    food: str
    amount_value: float
    amount_unit: str


@dataclass(frozen=True, slots=True)
class SupplementEntry:
    """A supplement the person already takes: salt name and one daily amount (mg/day)."""

    salt: str
    salt_mass_mg_per_day: float | None
    elemental_mg_per_day: float | None


@dataclass(frozen=True, slots=True)
class Person:
    """A validated person (spec version 1), all lab values in canonical units.

    ``labs`` holds the newest value of each lab; ``lab_history`` holds every value given.
    ``warnings`` lists what was accepted but deserves a look (e.g. a LOINC code whose unit family
    differs from the unit given).
    """

    sex: Literal["female", "male"]
    age_years: float
    id: str | None = None
    pregnant: bool = False
    lactating: bool = False
    weight_kg: float | None = None
    height_cm: float | None = None
    conditions: tuple[str, ...] = ()
    medications: tuple[str, ...] = ()
    medication_times: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    labs: Mapping[str, LabValue] = field(default_factory=lambda: MappingProxyType({}))
    lab_history: tuple[LabValue, ...] = ()
    ogtt: tuple[OgttPoint, ...] = ()
    diet: tuple[DietEntry, ...] = ()
    supplements: tuple[SupplementEntry, ...] = ()
    insulin_pmol_per_uiu: float = INSULIN_PMOL_PER_UIU_CONVENTIONAL
    warnings: tuple[str, ...] = ()

    def lab(self, name: str) -> float | None:
        """Canonical value of the newest ``name`` lab, or None when absent."""
        item = self.labs.get(name)
        return None if item is None else item.value


def _location(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


def _model_at(loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The pydantic model that holds the last key of ``loc``."""
    model: type[BaseModel] = _PersonFile
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        info = model.model_fields.get(part)
        if info is None:
            return None
        annotation: Any = info.annotation
        while get_origin(annotation) is not None and not (
            isinstance(annotation, type) and issubclass(annotation, BaseModel)
        ):
            candidates = [
                a for a in get_args(annotation) if isinstance(a, type) and issubclass(a, BaseModel)
            ]
            if not candidates:
                return None
            annotation = candidates[0]
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return model


def _from_validation_error(error: pydantic.ValidationError) -> InvalidInputError:
    first = error.errors()[0]
    loc = tuple(first["loc"])
    where = _location(loc)
    if first["type"] == "extra_forbidden":
        model = _model_at(loc)
        keys = ", ".join(model.model_fields) if model else "see the person-file spec"
        return InvalidInputError(
            field=where,
            value=first["input"],
            allowed=f"no key {loc[-1]!r} here; known keys: {keys}",
        )
    if first["type"] == "missing":
        return InvalidInputError(field=where, value=None, allowed="this key is required")
    return InvalidInputError(field=where, value=first.get("input"), allowed=first["msg"])


def _age(section: _PersonSection, assessed_on: date) -> float:
    if (section.age_years is None) == (section.birth_date is None):
        raise InvalidInputError(
            field="person.age_years",
            value=section.age_years,
            allowed="exactly one of person.age_years or person.birth_date",
        )
    if section.birth_date is not None:
        born = section.birth_date
        if born > assessed_on:
            raise InvalidInputError(
                field="person.birth_date",
                value=born.isoformat(),
                allowed=f"a date on or before {assessed_on.isoformat()}",
            )
        years = (
            assessed_on.year
            - born.year
            - ((assessed_on.month, assessed_on.day) < (born.month, born.day))
        )
        return float(years)
    assert section.age_years is not None
    if not 0 <= section.age_years < 130:
        raise InvalidInputError(
            field="person.age_years",
            value=section.age_years,
            unit="year",
            allowed="0 <= age < 130 years",
        )
    return section.age_years


def _check_range(where: str, value: float | None, unit: str, low: float, high: float) -> None:
    if value is not None and not low <= value <= high:
        raise InvalidInputError(
            field=where, value=value, unit=unit, allowed=f"{low:g} to {high:g} {unit}"
        )


def _labs(
    raw: list[_Lab], insulin_factor: float, warnings: list[str]
) -> tuple[dict[str, LabValue], tuple[LabValue, ...]]:
    history: list[LabValue] = []
    for i, lab in enumerate(raw):
        where = f"labs[{i}]"
        item = analyte(lab.name, field=f"{where}.name")
        canonical = to_canonical(
            item, lab.value, lab.unit, field=where, insulin_pmol_per_uiu=insulin_factor
        )
        if lab.name in item.loinc:
            implied = item.loinc[lab.name]
            given = normalise_unit(item, lab.unit, field=f"{where}.unit")
            if given != implied:
                warnings.append(
                    f"{where}: LOINC {lab.name} is reported in {implied} but the value is given "
                    f"in {given}; converted by unit, check the code"
                )
        history.append(
            LabValue(
                name=item.name,
                value=canonical,
                unit=item.canonical_unit,
                given_value=lab.value,
                given_unit=lab.unit,
                date=lab.date,
            )
        )
    newest: dict[str, LabValue] = {}
    for name in dict.fromkeys(v.name for v in history):
        values = [(i, v) for i, v in enumerate(history) if v.name == name]
        if len(values) > 1 and any(v.date is None for _, v in values):
            i, v = next((i, v) for i, v in values if v.date is None)
            raise InvalidInputError(
                field=f"labs[{i}].date",
                value=None,
                allowed=f"a date on every {name} value when there are several (which is newest?)",
            )
        dates = [v.date for _, v in values]
        if len(values) > 1 and len(set(dates)) < len(dates):
            i, v = values[-1]
            raise InvalidInputError(
                field=f"labs[{i}].date", value=str(v.date), allowed=f"one {name} value per date"
            )
        newest[name] = max(values, key=lambda pair: pair[1].date or date.min)[1]
    return newest, tuple(history)


def _supplements(raw: list[_Supplement]) -> tuple[SupplementEntry, ...]:
    out = []
    for i, item in enumerate(raw):
        where = f"supplements[{i}]"
        if (item.salt_mass is None) == (item.elemental is None):
            raise InvalidInputError(
                field=where, value=item.salt, allowed="exactly one of salt_mass or elemental"
            )
        amount = item.salt_mass or item.elemental
        assert amount is not None
        key = "salt_mass" if item.salt_mass is not None else "elemental"
        quantity = parse_quantity(
            amount.value,
            amount.unit,
            field=f"{where}.{key}",
            like="mg/day",
            allowed="a daily amount such as 400 mg/day",
        )
        mg_per_day = float(quantity.to("mg/day").magnitude)
        _check_range(f"{where}.{key}.value", mg_per_day, "mg/day", 1e-9, 50_000)
        out.append(
            SupplementEntry(
                salt=item.salt,
                salt_mass_mg_per_day=mg_per_day if key == "salt_mass" else None,
                elemental_mg_per_day=mg_per_day if key == "elemental" else None,
            )
        )
    return tuple(out)


def parse_person(
    data: Mapping[str, Any],
    *,
    assessed_on: date | None = None,
    insulin_pmol_per_uiu: float = INSULIN_PMOL_PER_UIU_CONVENTIONAL,
) -> Person:
    """Validate a person document (parsed TOML or JSON) and return a :class:`Person`.

    Parameters
    ----------
    data
        The document, spec version 1 (see ``docs/person-file.md``).
    assessed_on
        Date of assessment, used to compute age from ``birth_date``; defaults to 1970-01-01 if a
        birth date is given without it (callers pass today's date).
    insulin_pmol_per_uiu
        pmol/L per µIU/mL for insulin given in pmol/L: 6.00 (default) or 6.945.

    Raises
    ------
    InvalidInputError
        Naming the field, the value, the unit and what is allowed.
    """
    try:
        doc = _PersonFile.model_validate(dict(data))
    except pydantic.ValidationError as exc:
        raise _from_validation_error(exc) from None
    section = doc.person
    if section.birth_date is not None and assessed_on is None:
        raise InvalidInputError(
            field="person.birth_date",
            value=section.birth_date.isoformat(),
            allowed="an assessment date alongside a birth date",
        )
    age = _age(section, assessed_on or date.today())
    if section.pregnant and section.lactating:
        raise InvalidInputError(
            field="person.lactating", value=True, allowed="not both pregnant and lactating"
        )
    for flag in ("pregnant", "lactating"):
        if getattr(section, flag) and section.sex != "female":
            raise InvalidInputError(
                field=f"person.{flag}", value=True, allowed="true only when sex = 'female'"
            )
    _check_range("person.weight_kg", section.weight_kg, "kg", 0.5, 400)
    _check_range("person.height_cm", section.height_cm, "cm", 30, 250)
    for i, condition in enumerate(section.conditions):
        if condition not in CONDITIONS:
            raise InvalidInputError(
                field=f"person.conditions[{i}]",
                value=condition,
                allowed="one of " + ", ".join(CONDITIONS),
            )
    medications = tuple(m.strip().lower() for m in section.medications)
    for i, name in enumerate(medications):
        if not name:
            raise InvalidInputError(
                field=f"person.medications[{i}]", value=name, allowed="a generic medicine name"
            )
    times: dict[str, tuple[str, ...]] = {}
    for name, clock in section.medication_times.items():
        where = f"person.medication_times.{name}"
        if name.strip().lower() not in medications:
            raise InvalidInputError(
                field=where,
                value=name,
                allowed="a medicine listed in person.medications (" + ", ".join(medications) + ")",
            )
        for j, text in enumerate(clock):
            if not _CLOCK.match(text):
                raise InvalidInputError(
                    field=f"{where}[{j}]", value=text, allowed="a 24-h clock time HH:MM, e.g. 08:00"
                )
        times[name.strip().lower()] = tuple(sorted(clock))
    warnings: list[str] = []
    labs, history = _labs(doc.labs, insulin_pmol_per_uiu, warnings)
    glucose, insulin = analyte("fasting_glucose"), analyte("fasting_insulin")
    ogtt = []
    for i, point in enumerate(doc.ogtt):
        _check_range(f"ogtt[{i}].minutes", point.minutes, "min", 0, 300)
        ogtt.append(
            OgttPoint(
                minutes=point.minutes,
                glucose_mmol_per_l=to_canonical(
                    glucose, point.glucose.value, point.glucose.unit, field=f"ogtt[{i}].glucose"
                ),
                insulin_uiu_per_ml=to_canonical(
                    insulin,
                    point.insulin.value,
                    point.insulin.unit,
                    field=f"ogtt[{i}].insulin",
                    insulin_pmol_per_uiu=insulin_pmol_per_uiu,
                ),
            )
        )
    minutes = [p.minutes for p in ogtt]
    if len(set(minutes)) != len(minutes):
        raise InvalidInputError(
            field="ogtt", value=minutes, unit="min", allowed="one sample per time point"
        )
    diet = []
    for i, entry in enumerate(doc.diet):
        if not entry.food.strip():
            raise InvalidInputError(
                field=f"diet[{i}].food",
                value=entry.food,
                allowed="an NDB number or a food description",
            )
        if not entry.amount.value > 0:
            raise InvalidInputError(
                field=f"diet[{i}].amount.value",
                value=entry.amount.value,
                unit=entry.amount.unit,
                allowed="an amount > 0",
            )
        diet.append(
            DietEntry(
                day=entry.day,
                food=entry.food.strip(),
                amount_value=entry.amount.value,
                amount_unit=entry.amount.unit,
            )
        )
    return Person(
        id=section.id,
        sex=section.sex,
        age_years=age,
        pregnant=section.pregnant,
        lactating=section.lactating,
        weight_kg=section.weight_kg,
        height_cm=section.height_cm,
        conditions=tuple(section.conditions),
        medications=medications,
        medication_times=MappingProxyType(times),
        labs=MappingProxyType(labs),
        lab_history=history,
        ogtt=tuple(sorted(ogtt, key=lambda p: p.minutes)),
        diet=tuple(diet),
        supplements=_supplements(doc.supplements),
        insulin_pmol_per_uiu=insulin_pmol_per_uiu,
        warnings=tuple(warnings),
    )
