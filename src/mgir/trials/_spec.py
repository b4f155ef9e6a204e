"""Trial specifications (``specs/trial-spec.md``, version 1): parsed strictly, in canonical units.

A spec describes a randomised trial as its paper does: who was enrolled, what each arm took, for
how long, and which endpoints were measured. Unknown keys are errors, every quantity states its
unit, and an endpoint the model cannot predict is an error naming it.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from mgir._errors import InvalidInputError, InvalidInputErrors
from mgir._records import Record, input_errors
from mgir.reference import resolve_salt
from mgir.units import analyte, convert, normalise_unit, parse_quantity, to_canonical

__all__ = [
    "CONDITIONS",
    "ENDPOINTS",
    "Arm",
    "Distribution",
    "TrialSpec",
    "parse_trial_spec",
    "read_trial_spec",
]

CONDITIONS: Final[tuple[str, ...]] = (
    "healthy",
    "insulin_resistant",
    "prediabetes",
    "t2d",
    "pcos",
    "metabolic_syndrome",
)
ENDPOINTS: Final[tuple[str, ...]] = (
    "serum_magnesium",
    "fasting_glucose",
    "fasting_insulin",
    "homa_ir",
    "quicki",
    "homa_beta",
    "hba1c",
    "urinary_magnesium",
)
"""Endpoints the model predicts (``hba1c`` and ``urinary_magnesium`` (mmol/day) are model
outputs too)."""

_BASELINE_ANALYTE: Final[dict[str, str | None]] = {
    "fasting_glucose": "fasting_glucose",
    "fasting_insulin": "fasting_insulin",
    "serum_magnesium": "serum_magnesium",
    "hba1c": "hba1c",
    "homa_ir": None,
    "quicki": None,
    "dietary_magnesium": None,
}


_INDEX_UNITS: Final[dict[str, str]] = {
    "homa_ir": "1",
    "quicki": "1",
    "homa_beta": "%",
    "urinary_magnesium": "mmol/day",
}
"""Units of the endpoints that are not labs of :mod:`mgir.units` (indices, a urinary rate)."""


@cache
def endpoint_units() -> dict[str, str]:
    """Canonical unit of every endpoint: a lab's from :func:`mgir.units.analyte`, else above."""
    return {
        name: analyte(lab).canonical_unit
        if (lab := _BASELINE_ANALYTE.get(name)) is not None
        else _INDEX_UNITS[name]
        for name in ENDPOINTS
    }


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _MeanSd(_Strict):
    mean: float
    sd: float = Field(ge=0)
    unit: str | None = None


class _Amount(_Strict):
    value: float = Field(gt=0)
    unit: str


class _Supplement(_Strict):
    salt: str
    salt_mass: _Amount | None = None
    elemental: _Amount | None = None


class _Arm(_Strict):
    name: str = Field(min_length=1)
    allocation: float = Field(default=1.0, gt=0)
    adherence: float = Field(default=1.0, ge=0, le=1)
    supplement: _Supplement | None = None


class _Population(_Strict):
    n: int = Field(ge=2)
    condition: Literal[
        "healthy", "insulin_resistant", "prediabetes", "t2d", "pcos", "metabolic_syndrome"
    ]
    age_years: _MeanSd | None = None
    female_fraction: float | None = Field(default=None, ge=0, le=1)
    bmi_kg_m2: _MeanSd | None = None
    egfr: _MeanSd | None = None
    baseline: dict[str, _MeanSd] = Field(default_factory=dict)


class _Analysis(_Strict):
    endpoints: list[str] = Field(min_length=1)
    reference_arm: str | None = None


class _Spec(_Strict):
    spec_version: Literal[1]
    name: str = Field(min_length=1)
    duration_weeks: float = Field(gt=0)
    seed: int | None = None
    population: _Population
    arms: list[_Arm] = Field(min_length=1)
    analysis: _Analysis


class Distribution(Record):
    """Mean and SD of a baseline quantity, in mgir's canonical unit."""

    mean: float
    sd: float
    unit: str


class Arm(Record):
    """One arm: its allocation, adherence and elemental Mg dose (0 for a control arm)."""

    name: str
    allocation: float
    adherence: float
    salt: str | None
    elemental_mg_per_day: float


class TrialSpec(Record):
    """A validated trial spec; every quantity in mgir's canonical unit."""

    name: str
    duration_weeks: float
    seed: int | None
    n: int
    condition: str
    female_fraction: float | None
    age_years: Distribution | None
    bmi_kg_m2: Distribution | None = None
    egfr_ml_per_min_1_73m2: Distribution | None
    baseline: dict[str, Distribution]
    arms: tuple[Arm, ...]
    endpoints: tuple[str, ...]
    reference_arm: str


def _distribution(name: str, given: _MeanSd, field: str) -> Distribution:
    lab = _BASELINE_ANALYTE[name]
    if lab is None:
        unit = "mg/day" if name == "dietary_magnesium" else "1"
        if name == "dietary_magnesium":
            per_unit = parse_quantity(1.0, given.unit, field=f"{field}.unit", like="mg/day")
            scale = float(per_unit.to("mg/day").magnitude)
            return Distribution(mean=given.mean * scale, sd=given.sd * scale, unit=unit)
        if given.unit not in (None, "1", "dimensionless"):
            raise InvalidInputError(
                field=f"{field}.unit", value=given.unit, allowed=f"no unit ({name} is an index)"
            )
        return Distribution(mean=given.mean, sd=given.sd, unit=unit)
    item = analyte(lab)
    if given.unit is None:
        raise InvalidInputError(
            field=f"{field}.unit",
            value=None,
            allowed=f"a unit of {name}: {', '.join(item.accepted_units)}",
        )
    normalise_unit(item, given.unit, field=f"{field}.unit")  # a wrong unit names .unit
    mean = to_canonical(item, given.mean, given.unit, field=f"{field}.mean")
    # An SD is a difference: it scales by the conversion's slope, without the offset of an
    # affine one (HbA1c: % = 0.09148 x mmol/mol + 2.152).
    sd = (
        abs(convert(item, given.mean + given.sd, given.unit, item.canonical_unit) - mean)
        if given.sd
        else 0.0
    )
    return Distribution(mean=mean, sd=sd, unit=item.canonical_unit)


def _arm(arm: _Arm, field: str) -> Arm:
    s = arm.supplement
    if s is None:
        return Arm(
            name=arm.name,
            allocation=arm.allocation,
            adherence=arm.adherence,
            salt=None,
            elemental_mg_per_day=0.0,
        )
    match = resolve_salt(s.salt, field=f"{field}.supplement.salt")
    if (s.salt_mass is None) == (s.elemental is None):
        raise InvalidInputError(
            field=f"{field}.supplement",
            value=s.model_dump(exclude_none=True),
            allowed="either salt_mass or elemental, not both",
        )
    if s.elemental is not None:
        q = parse_quantity(
            s.elemental.value,
            s.elemental.unit,
            field=f"{field}.supplement.elemental",
            like="mg/day",
        )
        elemental = float(q.to("mg/day").magnitude)
    else:
        assert s.salt_mass is not None
        q = parse_quantity(
            s.salt_mass.value,
            s.salt_mass.unit,
            field=f"{field}.supplement.salt_mass",
            like="mg/day",
        )
        elemental = float(q.to("mg/day").magnitude) * match.salt.mg_fraction
    return Arm(
        name=arm.name,
        allocation=arm.allocation,
        adherence=arm.adherence,
        salt=match.salt.name,
        elemental_mg_per_day=elemental,
    )


def _content_errors(document: dict[str, Any]) -> list[InvalidInputError]:
    """Endpoint, salt and baseline-name problems, read from the raw document."""
    errors: list[InvalidInputError] = []
    analysis = document.get("analysis")
    endpoints = analysis.get("endpoints") if isinstance(analysis, dict) else None
    for i, endpoint in enumerate(endpoints if isinstance(endpoints, list) else []):
        if isinstance(endpoint, str) and endpoint not in ENDPOINTS:
            errors.append(
                InvalidInputError(
                    field=f"analysis.endpoints[{i}]",
                    value=endpoint,
                    allowed=f"an endpoint the model predicts: {', '.join(ENDPOINTS)}",
                )
            )
    arms = document.get("arms")
    for i, arm in enumerate(arms if isinstance(arms, list) else []):
        supplement = arm.get("supplement") if isinstance(arm, dict) else None
        salt = supplement.get("salt") if isinstance(supplement, dict) else None
        if isinstance(salt, str):
            try:
                resolve_salt(salt, field=f"arms[{i}].supplement.salt")
            except InvalidInputError as exc:
                errors.append(exc)
    population = document.get("population")
    baseline = population.get("baseline") if isinstance(population, dict) else None
    for name in baseline if isinstance(baseline, dict) else {}:
        if name not in _BASELINE_ANALYTE:
            errors.append(
                InvalidInputError(
                    field=f"population.baseline.{name}",
                    value=name,
                    allowed=f"one of {', '.join(_BASELINE_ANALYTE)}",
                )
            )
    return errors


def parse_trial_spec(document: dict[str, Any]) -> TrialSpec:
    """Validate a trial spec document (parsed TOML) and convert it to canonical units.

    Raises
    ------
    InvalidInputError, InvalidInputErrors
        Every problem, each naming the key, the value and what is allowed.
    """
    try:
        spec = _Spec.model_validate(document)
    except pydantic.ValidationError as exc:
        # Report the spec's other problems too: one bad range must not hide a wrong salt.
        structural = input_errors(exc, _Spec)
        seen = {e.field for e in structural}
        extra = [e for e in _content_errors(document) if e.field not in seen]
        InvalidInputErrors.raise_if_any([*structural, *extra])
        raise  # pragma: no cover - raise_if_any raised
    errors: list[InvalidInputError] = []
    baseline: dict[str, Distribution] = {}
    for name, given in spec.population.baseline.items():
        field = f"population.baseline.{name}"
        if name not in _BASELINE_ANALYTE:
            errors.append(
                InvalidInputError(
                    field=field, value=name, allowed=f"one of {', '.join(_BASELINE_ANALYTE)}"
                )
            )
            continue
        try:
            baseline[name] = _distribution(name, given, field)
        except InvalidInputError as exc:
            errors.append(exc)
    for i, endpoint in enumerate(spec.analysis.endpoints):
        if endpoint not in ENDPOINTS:
            errors.append(
                InvalidInputError(
                    field=f"analysis.endpoints[{i}]",
                    value=endpoint,
                    allowed=f"an endpoint the model predicts: {', '.join(ENDPOINTS)}",
                )
            )
    arms: list[Arm] = []
    for i, arm in enumerate(spec.arms):
        try:
            arms.append(_arm(arm, f"arms[{i}]"))
        except InvalidInputError as exc:
            errors.append(exc)
    names = [a.name for a in spec.arms]
    if len(set(names)) != len(names):
        errors.append(InvalidInputError(field="arms", value=names, allowed="unique arm names"))
    egfr = None
    if spec.population.egfr is not None:
        given = spec.population.egfr
        if given.unit is None or given.unit.replace(" ", "") not in (
            "mL/min/1.73m2",
            "mL/min/1.73m²",
        ):
            errors.append(
                InvalidInputError(
                    field="population.egfr.unit", value=given.unit, allowed="mL/min/1.73m2"
                )
            )
        else:
            egfr = Distribution(mean=given.mean, sd=given.sd, unit="mL/min/1.73m2")
    bmi = spec.population.bmi_kg_m2
    if (
        bmi is not None
        and bmi.unit is not None
        and bmi.unit.replace(" ", "")
        not in (
            "kg/m2",
            "kg/m²",
        )
    ):
        errors.append(
            InvalidInputError(field="population.bmi_kg_m2.unit", value=bmi.unit, allowed="kg/m2")
        )
    reference = spec.analysis.reference_arm
    if reference is None:
        reference = next((a.name for a in spec.arms if a.supplement is None), None)
    if reference is None or reference not in names:
        errors.append(
            InvalidInputError(
                field="analysis.reference_arm",
                value=reference,
                allowed=f"one of the arms ({', '.join(names)}); default: the first control arm",
            )
        )
    InvalidInputErrors.raise_if_any(errors)
    assert reference is not None
    return TrialSpec(
        name=spec.name,
        duration_weeks=spec.duration_weeks,
        seed=spec.seed,
        n=spec.population.n,
        condition=spec.population.condition,
        female_fraction=spec.population.female_fraction,
        age_years=None
        if spec.population.age_years is None
        else Distribution(
            mean=spec.population.age_years.mean, sd=spec.population.age_years.sd, unit="year"
        ),
        bmi_kg_m2=None
        if spec.population.bmi_kg_m2 is None
        else Distribution(
            mean=spec.population.bmi_kg_m2.mean, sd=spec.population.bmi_kg_m2.sd, unit="kg/m2"
        ),
        egfr_ml_per_min_1_73m2=egfr,
        baseline=baseline,
        arms=tuple(arms),
        endpoints=tuple(spec.analysis.endpoints),
        reference_arm=reference,
    )


def read_trial_spec(path: str | Path) -> TrialSpec:
    """Read and validate a trial spec TOML file (see :func:`parse_trial_spec`)."""
    p = Path(path)
    try:
        document = tomllib.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInputError(
            field="SPEC", value=str(p), allowed=f"a readable file ({exc.strerror})"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInputError(field="SPEC", value=str(p), allowed=f"valid TOML ({exc})") from None
    return parse_trial_spec(document)
