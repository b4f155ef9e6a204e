"""The person file (spec version 1): validation and the immutable :class:`Person` it yields.

:class:`PersonFile` is the typed input model (its JSON Schema is published in ``docs/schemas``).
:func:`parse_person` checks every section and every item of a document, collects *all* problems
and raises them at once, in file order (:class:`~mgir.InvalidInputErrors`), each naming the field,
the value in the unit the person typed, and what is allowed, with "did you mean" for misspelt lab
names, conditions and keys. Case is ignored where it is harmless (``sex = "Male"``,
``conditions = ["PCOS"]``). Nothing is guessed or silently dropped: two undated values of one lab,
a medicine listed twice, a time for a medicine that is not listed, a dose given both as salt and
elemental magnesium, or a number where a date belongs are errors.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Annotated, Any, Final, Literal, ParamSpec, TypeVar

import pydantic
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter

from mgir._errors import InvalidInputError, InvalidInputErrors, did_you_mean
from mgir._records import Record, input_errors
from mgir.reference import food_grams, life_stage_ages_years, resolve_food, resolve_salt
from mgir.units import (
    INSULIN_PMOL_PER_UIU_CONVENTIONAL,
    analyte,
    analyte_names,
    normalise_unit,
    parse_quantity,
    to_canonical,
    unit_family,
)

__all__ = [
    "CONDITIONS",
    "DietEntry",
    "LabValue",
    "OgttPoint",
    "Person",
    "PersonFile",
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
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date(value: object) -> object:
    """A date from TOML, or an ISO string from JSON; never a number read as a timestamp."""
    if isinstance(value, datetime):
        raise ValueError("a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError("a real calendar date (YYYY-MM-DD)") from None
    raise ValueError("a date written YYYY-MM-DD (numbers are not read as dates)")


def _lower(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Sex = Literal["female", "male"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Amount(_Strict):
    """A number with its unit, as typed (``{ value = 1, unit = "cup" }``)."""

    value: float
    unit: str


class PersonSection(_Strict):
    """The ``[person]`` table."""

    id: str | None = None
    age_years: float | None = None
    birth_date: IsoDate | None = None
    sex: Annotated[Sex, BeforeValidator(_lower)]
    pregnant: bool = False
    lactating: bool = False
    weight_kg: float | None = None
    height_cm: float | None = None
    conditions: list[str] = Field(default_factory=list)
    medications: list[str] = Field(default_factory=list)
    medication_times: dict[str, list[str]] = Field(default_factory=dict)


class LabEntry(_Strict):
    """One ``[[labs]]`` item."""

    name: str
    value: float
    unit: str
    date: Annotated[dt.date, BeforeValidator(_iso_date)] | None = None


class OgttEntry(_Strict):
    """One ``[[ogtt]]`` sample."""

    minutes: float
    glucose: Amount
    insulin: Amount


class DietItem(_Strict):
    """One ``[[diet]]`` entry."""

    day: IsoDate | None = None
    food: str
    amount: Amount


class SupplementItem(_Strict):
    """One ``[[supplements]]`` item: a salt and one daily amount (salt mass or elemental)."""

    salt: str
    salt_mass: Amount | None = None
    elemental: Amount | None = None


class PersonFile(_Strict):
    """The person file, spec version 1 (``docs/person-file.md``): what people write."""

    spec_version: Literal[1]
    person: PersonSection
    labs: list[LabEntry] = Field(default_factory=list)
    ogtt: list[OgttEntry] = Field(default_factory=list)
    diet: list[DietItem] = Field(default_factory=list)
    supplements: list[SupplementItem] = Field(default_factory=list)


# ----------------------------------------------------------------------------- the value objects


class LabValue(Record):
    """One laboratory value, converted to the analyte's canonical unit.

    Attributes
    ----------
    name
        Canonical lab name.
    value
        Value in ``unit`` (the canonical unit).
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
    date: dt.date | None = None


class OgttPoint(Record):
    """One OGTT sample: glucose (mmol/L) and insulin (µIU/mL), with the values as given."""

    minutes: float
    glucose_mmol_per_l: float
    insulin_uiu_per_ml: float
    given_insulin_value: float
    given_insulin_unit: str


class DietEntry(Record):
    """One food-diary entry as written; the knowledge base resolves food and amount."""

    day: date | None
    food: str
    amount_value: float
    amount_unit: str


class SupplementEntry(Record):
    """A supplement the person already takes: salt name and one daily amount (mg/day)."""

    salt: str
    salt_mass_mg_per_day: float | None
    elemental_mg_per_day: float | None


class Person(Record):
    """A validated person (spec version 1), every lab value in its canonical unit.

    ``labs`` holds the newest value of each lab; ``lab_history`` every value given, in file
    order. ``warnings`` lists what was accepted but deserves a look (e.g. a LOINC code whose
    unit family differs from the unit given). ``assessed_on`` is the date of assessment.
    """

    sex: Sex
    age_years: float
    assessed_on: date
    id: str | None = None
    pregnant: bool = False
    lactating: bool = False
    weight_kg: float | None = None
    height_cm: float | None = None
    conditions: tuple[str, ...] = ()
    medications: tuple[str, ...] = ()
    medication_times: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    labs: dict[str, LabValue] = Field(default_factory=dict)
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

    def with_insulin_factor(self, insulin_pmol_per_uiu: float) -> Person:
        """The same person with insulin given in pmol/L re-read with another factor."""
        if insulin_pmol_per_uiu == self.insulin_pmol_per_uiu:
            return self
        insulin = analyte("fasting_insulin")

        def convert(value: float, unit: str) -> float:
            return to_canonical(insulin, value, unit, insulin_pmol_per_uiu=insulin_pmol_per_uiu)

        history = tuple(
            lab.model_copy(update={"value": convert(lab.given_value, lab.given_unit)})
            if lab.name == "fasting_insulin"
            else lab
            for lab in self.lab_history
        )
        labs = {
            name: next(h for h in history if h.name == name and h.date == lab.date)
            for name, lab in self.labs.items()
        }
        ogtt = tuple(
            p.model_copy(
                update={"insulin_uiu_per_ml": convert(p.given_insulin_value, p.given_insulin_unit)}
            )
            for p in self.ogtt
        )
        return self.model_copy(
            update={
                "lab_history": history,
                "labs": labs,
                "ogtt": ogtt,
                "insulin_pmol_per_uiu": insulin_pmol_per_uiu,
            }
        )

    def with_diet(self, diet: Sequence[DietEntry]) -> Person:
        """The same person with another food diary (e.g. read from a diary CSV)."""
        return self.model_copy(update={"diet": tuple(diet)})


# ----------------------------------------------------------------------------- validation

_Model = TypeVar("_Model", bound=BaseModel)
_T = TypeVar("_T")
_P = ParamSpec("_P")


def _validate(
    model: type[_Model], raw: object, prefix: str, errors: list[InvalidInputError]
) -> _Model | None:
    """Validate ``raw``, recording every error.

    When only unknown keys were wrong, the model of the known keys is still returned, so that
    their values are checked too.
    """
    try:
        return model.model_validate(raw)
    except pydantic.ValidationError as exc:
        errors.extend(input_errors(exc, model, prefix))
        if not isinstance(raw, Mapping):
            return None
        known = {k: v for k, v in raw.items() if k in model.model_fields}
        try:
            return model.model_validate(known)
        except pydantic.ValidationError:
            return None


def _section(raw: object, errors: list[InvalidInputError]) -> PersonSection | None:
    """The [person] table; when a value is wrong, the valid fields are still checked."""
    section = _validate(PersonSection, raw, "person", errors)
    if section is not None or not isinstance(raw, Mapping):
        return section
    good: dict[str, Any] = {}
    for name, info in PersonSection.model_fields.items():
        if name not in raw:
            continue
        kind: Any = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
        adapter: TypeAdapter[Any] = TypeAdapter(kind, config=ConfigDict(strict=True))
        try:
            good[name] = adapter.validate_python(raw[name])
        except pydantic.ValidationError:
            continue  # already reported
    valid_age = "age_years" in good or "birth_date" in good
    if not valid_age:
        return None
    return PersonSection.model_construct(**{"sex": None, **good})


def _items(raw: Mapping[str, Any], key: str, errors: list[InvalidInputError]) -> list[Any]:
    value = raw.get(key, [])
    if isinstance(value, list):
        return value
    errors.append(
        InvalidInputError(field=key, value=value, allowed=f"an array of tables ([[{key}]])")
    )
    return []


def _collect(
    errors: list[InvalidInputError], call: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs
) -> _T | None:
    """``call(*args, **kwargs)``, or None with its input errors recorded."""
    try:
        return call(*args, **kwargs)
    except InvalidInputError as exc:
        errors.extend(exc.errors)
        return None


def _age(
    section: PersonSection, assessed_on: date, errors: list[InvalidInputError]
) -> float | None:
    if (section.age_years is None) == (section.birth_date is None):
        errors.append(
            InvalidInputError(
                field="person.age_years",
                value=section.age_years,
                allowed="exactly one of person.age_years or person.birth_date",
            )
        )
        return None
    if section.birth_date is not None:
        born = section.birth_date
        if born > assessed_on:
            errors.append(
                InvalidInputError(
                    field="person.birth_date",
                    value=born.isoformat(),
                    allowed=f"a date on or before the assessment date {assessed_on.isoformat()}",
                )
            )
            return None
        years = (
            assessed_on.year
            - born.year
            - ((assessed_on.month, assessed_on.day) < (born.month, born.day))
        )
        if years >= 130:
            errors.append(
                InvalidInputError(
                    field="person.birth_date",
                    value=born.isoformat(),
                    allowed="a birth date less than 130 years before the assessment",
                )
            )
            return None
        return float(years)
    assert section.age_years is not None
    if not 0 <= section.age_years < 130:
        errors.append(
            InvalidInputError(
                field="person.age_years",
                value=section.age_years,
                unit="year",
                allowed="0 <= age < 130 years",
            )
        )
        return None
    return section.age_years


def _life_stage(section: PersonSection, age_years: float, errors: list[InvalidInputError]) -> None:
    """Pregnancy and lactation only at the ages the DRI table covers: no row is guessed."""
    for flag, state in (("pregnant", "pregnancy"), ("lactating", "lactation")):
        if not getattr(section, flag) or section.sex != "female":
            continue
        low, high = life_stage_ages_years(state)
        if not low <= age_years < high:
            errors.append(
                InvalidInputError(
                    field=f"person.{flag}",
                    value=True,
                    allowed=f"{state} requirements exist for ages {low:g} to under {high:g} "
                    f"years (the person is {age_years:g} years old)",
                )
            )


def _in_range(
    where: str,
    value: float | None,
    unit: str,
    low: float,
    high: float,
    errors: list[InvalidInputError],
) -> None:
    if value is not None and not low <= value <= high:
        errors.append(
            InvalidInputError(
                field=where, value=value, unit=unit, allowed=f"{low:g} to {high:g} {unit}"
            )
        )


def _person_section(
    section: PersonSection, errors: list[InvalidInputError]
) -> tuple[tuple[str, ...], tuple[str, ...], dict[str, tuple[str, ...]]]:
    """Conditions, medications and medication times, checked."""
    if section.pregnant and section.lactating:
        errors.append(
            InvalidInputError(
                field="person.lactating", value=True, allowed="not both pregnant and lactating"
            )
        )
    for flag in ("pregnant", "lactating"):
        if getattr(section, flag) and section.sex == "male":
            errors.append(
                InvalidInputError(
                    field=f"person.{flag}", value=True, allowed="true only when sex = 'female'"
                )
            )
    _in_range("person.weight_kg", section.weight_kg, "kg", 0.5, 400, errors)
    _in_range("person.height_cm", section.height_cm, "cm", 30, 250, errors)
    conditions: list[str] = []
    for i, condition in enumerate(section.conditions):
        code = condition.strip().lower()
        if code not in CONDITIONS:
            errors.append(
                InvalidInputError(
                    field=f"person.conditions[{i}]",
                    value=condition,
                    allowed="one of " + ", ".join(CONDITIONS) + did_you_mean(code, CONDITIONS),
                )
            )
        elif code in conditions:
            errors.append(
                InvalidInputError(
                    field=f"person.conditions[{i}]", value=condition, allowed="each condition once"
                )
            )
        else:
            conditions.append(code)
    medications: list[str] = []
    for i, raw in enumerate(section.medications):
        name = " ".join(raw.split()).lower()
        if not name:
            errors.append(
                InvalidInputError(
                    field=f"person.medications[{i}]", value=raw, allowed="a generic medicine name"
                )
            )
        elif name in medications:
            errors.append(
                InvalidInputError(
                    field=f"person.medications[{i}]",
                    value=raw,
                    allowed="each medicine once (it is already listed)",
                )
            )
        else:
            medications.append(name)
    times: dict[str, tuple[str, ...]] = {}
    written: dict[str, str] = {}
    for name, clock in section.medication_times.items():
        where = f"person.medication_times.{name}"
        key = " ".join(name.split()).lower()
        if key in written:
            errors.append(
                InvalidInputError(
                    field=where,
                    value=name,
                    allowed=f"each medicine once (already given as {written[key]!r}); "
                    "put all its times in one list",
                )
            )
            continue
        written[key] = name
        if key not in medications:
            errors.append(
                InvalidInputError(
                    field=where,
                    value=name,
                    allowed="a medicine listed in person.medications ("
                    + (", ".join(medications) or "none listed")
                    + ")"
                    + did_you_mean(key, medications),
                )
            )
        good = True
        for j, text in enumerate(clock):
            if not _CLOCK.match(text):
                good = False
                errors.append(
                    InvalidInputError(
                        field=f"{where}[{j}]",
                        value=text,
                        allowed="a 24-h clock time HH:MM, e.g. 08:00",
                    )
                )
        if len(set(clock)) != len(clock):
            good = False
            errors.append(
                InvalidInputError(field=where, value=clock, allowed="each time of day once")
            )
        if good:
            times[key] = tuple(sorted(clock))
    return tuple(conditions), tuple(medications), times


def _lab_name_error(where: str, name: str) -> InvalidInputError:
    names = analyte_names()
    codes = [code for n in names for code in analyte(n).loinc]
    return InvalidInputError(
        field=f"{where}.name",
        value=name,
        allowed="a canonical lab name ("
        + ", ".join(names)
        + ") or a LOINC code mgir knows ("
        + ", ".join(codes)
        + ")"
        + did_you_mean(name, [*names, *codes]),
    )


def _labs(
    raw: list[Any], insulin_factor: float, warnings: list[str], errors: list[InvalidInputError]
) -> tuple[dict[str, LabValue], tuple[LabValue, ...]]:
    history: list[tuple[int, LabValue]] = []
    for i, item in enumerate(raw):
        where = f"labs[{i}]"
        lab = _validate(LabEntry, item, where, errors)
        if lab is None:
            continue
        key = lab.name.strip()
        try:
            found = analyte(key)
        except InvalidInputError:
            try:
                found = analyte(key.lower())  # "Fasting_Glucose": case is harmless here
            except InvalidInputError:
                errors.append(_lab_name_error(where, lab.name))
                continue
        named = f"{where} {found.name}"
        canonical = _collect(
            errors,
            to_canonical,
            found,
            lab.value,
            lab.unit,
            field=named,
            insulin_pmol_per_uiu=insulin_factor,
        )
        if canonical is None:
            continue
        if key in found.loinc:
            implied = found.loinc[key]
            given = normalise_unit(found, lab.unit, field=f"{where}.unit")
            if unit_family(found, given) != unit_family(found, implied):
                warnings.append(
                    f"{where}: LOINC {key} is reported in {implied} but the value is given "
                    f"in {given}; converted by unit, check the code"
                )
        history.append(
            (
                i,
                LabValue(
                    name=found.name,
                    value=canonical,
                    unit=found.canonical_unit,
                    given_value=lab.value,
                    given_unit=lab.unit,
                    date=lab.date,
                ),
            )
        )
    newest: dict[str, LabValue] = {}
    for name in dict.fromkeys(v.name for _, v in history):
        values = [(i, v) for i, v in history if v.name == name]
        undated = [i for i, v in values if v.date is None]
        if len(values) > 1 and undated:
            errors.append(
                InvalidInputError(
                    field=f"labs[{undated[0]}].date",
                    value=None,
                    allowed=f"a date on every {name} value when there are several "
                    "(which is newest?)",
                )
            )
            continue
        seen: dict[date | None, int] = {}
        for i, v in values:
            if v.date in seen:
                errors.append(
                    InvalidInputError(
                        field=f"labs[{i}].date",
                        value=str(v.date),
                        allowed=f"one {name} value per date (labs[{seen[v.date]}] has this date)",
                    )
                )
            seen[v.date] = i
        newest[name] = max(values, key=lambda pair: pair[1].date or date.min)[1]
    return newest, tuple(v for _, v in history)


def _ogtt(
    raw: list[Any], insulin_factor: float, errors: list[InvalidInputError]
) -> tuple[OgttPoint, ...]:
    glucose, insulin = analyte("fasting_glucose"), analyte("fasting_insulin")
    points: list[OgttPoint] = []
    for i, item in enumerate(raw):
        where = f"ogtt[{i}]"
        entry = _validate(OgttEntry, item, where, errors)
        if entry is None:
            continue
        _in_range(f"{where}.minutes", entry.minutes, "min", 0, 300, errors)
        g = _collect(
            errors,
            to_canonical,
            glucose,
            entry.glucose.value,
            entry.glucose.unit,
            field=f"{where}.glucose",
        )
        ins = _collect(
            errors,
            to_canonical,
            insulin,
            entry.insulin.value,
            entry.insulin.unit,
            field=f"{where}.insulin",
            insulin_pmol_per_uiu=insulin_factor,
        )
        if g is None or ins is None:
            continue
        points.append(
            OgttPoint(
                minutes=entry.minutes,
                glucose_mmol_per_l=g,
                insulin_uiu_per_ml=ins,
                given_insulin_value=entry.insulin.value,
                given_insulin_unit=entry.insulin.unit,
            )
        )
    minutes = [p.minutes for p in points]
    if len(set(minutes)) != len(minutes):
        errors.append(
            InvalidInputError(
                field="ogtt", value=minutes, unit="min", allowed="one sample per time point"
            )
        )
    if points and min(minutes) != 0:
        errors.append(
            InvalidInputError(
                field="ogtt", value=minutes, unit="min", allowed="a fasting sample at 0 minutes"
            )
        )
    return tuple(sorted(points, key=lambda p: p.minutes))


def _diet(raw: list[Any], errors: list[InvalidInputError]) -> tuple[DietEntry, ...]:
    out = []
    for i, item in enumerate(raw):
        where = f"diet[{i}]"
        entry = _validate(DietItem, item, where, errors)
        if entry is None:
            continue
        if not entry.food.strip():
            errors.append(
                InvalidInputError(
                    field=f"{where}.food",
                    value=entry.food,
                    allowed="an NDB number or a food description",
                )
            )
            continue
        found = _collect(errors, resolve_food, entry.food, field=f"{where}.food")
        if found is None:
            continue
        grams = _collect(
            errors,
            food_grams,
            found,
            entry.amount.value,
            entry.amount.unit,
            field=f"{where}.amount",
        )
        if grams is None:
            continue
        out.append(
            DietEntry(
                day=entry.day,
                food=entry.food.strip(),
                amount_value=entry.amount.value,
                amount_unit=entry.amount.unit,
            )
        )
    return tuple(out)


def _supplements(raw: list[Any], errors: list[InvalidInputError]) -> tuple[SupplementEntry, ...]:
    out = []
    for i, item in enumerate(raw):
        where = f"supplements[{i}]"
        entry = _validate(SupplementItem, item, where, errors)
        if entry is None:
            continue
        _collect(errors, resolve_salt, entry.salt, field=f"{where}.salt")
        if (entry.salt_mass is None) == (entry.elemental is None):
            errors.append(
                InvalidInputError(
                    field=where, value=entry.salt, allowed="exactly one of salt_mass or elemental"
                )
            )
            continue
        amount = entry.salt_mass or entry.elemental
        assert amount is not None
        key = "salt_mass" if entry.salt_mass is not None else "elemental"
        quantity = _collect(
            errors,
            parse_quantity,
            amount.value,
            amount.unit,
            field=f"{where}.{key}",
            like="mg/day",
            allowed="a daily amount such as 400 mg/day",
        )
        if quantity is None:
            continue
        mg_per_day = float(quantity.to("mg/day").magnitude)
        if not 0 < mg_per_day <= 50_000:
            errors.append(
                InvalidInputError(
                    field=f"{where}.{key}",
                    value=amount.value,
                    unit=amount.unit,
                    allowed="more than 0 and at most 50,000 mg/day",
                )
            )
            continue
        out.append(
            SupplementEntry(
                salt=entry.salt,
                salt_mass_mg_per_day=mg_per_day if key == "salt_mass" else None,
                elemental_mg_per_day=mg_per_day if key == "elemental" else None,
            )
        )
    return tuple(out)


_SECTIONS: Final[tuple[str, ...]] = (
    "spec_version",
    "person",
    "labs",
    "ogtt",
    "diet",
    "supplements",
)


def _order(document: Mapping[str, Any]) -> Callable[[InvalidInputError], tuple[int, int, str]]:
    """Sort key putting errors in the document's order (sections as written, then items)."""
    position = {key: i for i, key in enumerate(document)}

    def key(error: InvalidInputError) -> tuple[int, int, str]:
        match = re.match(r"^([a-z_]+)(?:\[(\d+)\])?", error.field)
        section = match.group(1) if match else ""
        index = int(match.group(2)) if match and match.group(2) else -1
        return position.get(section, len(position)), index, ""

    return key


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
        Date of assessment: age from ``birth_date`` is taken at this date. Defaults to today.
    insulin_pmol_per_uiu
        pmol/L per µIU/mL for insulin given in pmol/L: 6.00 (default) or 6.945.

    Raises
    ------
    InvalidInputError
        One problem; or :class:`~mgir.InvalidInputErrors` listing every problem of the document
        in file order, each naming the field, the value, the unit and what is allowed.
    """
    when = assessed_on or date.today()
    errors: list[InvalidInputError] = []
    if not isinstance(data, Mapping):
        raise InvalidInputError(
            field="(file)", value=type(data).__name__, allowed="a table of keys"
        )
    for key in data:
        if key not in _SECTIONS:
            errors.append(
                InvalidInputError(
                    field=str(key),
                    value=key,
                    allowed=f"no top-level key {key!r}{did_you_mean(str(key), _SECTIONS)}; "
                    "known keys: " + ", ".join(_SECTIONS),
                )
            )
    if data.get("spec_version") != 1 or isinstance(data.get("spec_version"), bool):
        errors.append(
            InvalidInputError(
                field="spec_version",
                value=data.get("spec_version"),
                allowed="1 (the only version of the person file)",
            )
        )
    section = None
    if "person" in data:
        section = _section(data["person"], errors)
    else:
        errors.append(InvalidInputError(field="person", value=None, allowed="a [person] table"))
    warnings: list[str] = []
    age = None if section is None else _age(section, when, errors)
    if section is not None and age is not None:
        _life_stage(section, age, errors)
    conditions, medications, times = (
        ((), (), {}) if section is None else _person_section(section, errors)
    )
    labs, history = _labs(_items(data, "labs", errors), insulin_pmol_per_uiu, warnings, errors)
    ogtt = _ogtt(_items(data, "ogtt", errors), insulin_pmol_per_uiu, errors)
    diet = _diet(_items(data, "diet", errors), errors)
    supplements = _supplements(_items(data, "supplements", errors), errors)
    errors.sort(key=_order(data))
    InvalidInputErrors.raise_if_any(errors)
    assert section is not None
    assert age is not None
    return Person(
        id=section.id,
        sex=section.sex,
        age_years=age,
        assessed_on=when,
        pregnant=section.pregnant,
        lactating=section.lactating,
        weight_kg=section.weight_kg,
        height_cm=section.height_cm,
        conditions=conditions,
        medications=medications,
        medication_times=times,
        labs=labs,
        lab_history=history,
        ogtt=ogtt,
        diet=diet,
        supplements=supplements,
        insulin_pmol_per_uiu=insulin_pmol_per_uiu,
        warnings=tuple(warnings),
    )
