"""Scoring the model on published results it was not fitted to (the validation suite).

Each entry of the suite is a folder with ``spec.toml`` (a trial spec) and ``observed.toml``:
the published between-arm effects with their 95 % confidence intervals and sources::

    source_key = "zhang2016_mg_status_meta"
    note = "what was read, and every assumption of the spec"

    [[effects]]
    endpoint = "serum_magnesium"
    arm = "magnesium"
    measure = "difference_in_change"     # or difference_at_end
    estimate = 0.04
    ci95 = [0.02, 0.06]
    unit = "mmol/L"

A cohort entry holds ``cohort.toml`` instead: published incidence ratios of diabetes that the
progression model predicts in its virtual IFG cohort (:func:`mgir.model.progression_checks`)::

    source_key = "dong2011_mg_intake_diabetes"
    note = "what was read, and how the model's ratio is made"

    [[effects]]
    check = "incidence_ratio_per_100_mg_intake"
    estimate = 0.86
    ci95 = [0.82, 0.89]

A cross-section entry holds ``cross_section.toml``: the survey's own relation of ln HOMA-IR to
dietary Mg intake, computed from the package's NHANES table, against the model's
(:func:`mgir.trials.nhanes_intake_cross_section`)::

    source_key = "nhanes_2015_2016"
    note = "what is compared"

    [[effects]]
    check = "ln_homa_ir_per_100_mg_intake"
    adjustment = "crude"                 # or adjusted (energy intake, age, sex, BMI)

An effect scores *inside* when the model's difference (or ratio) lies within the published
interval, and *sign agrees* when the model's effect is on the side of no effect (0 for a
difference, 1 for a ratio) that the published estimate is on (counted only where the interval
excludes no effect). The calibration never reads this folder, and the trials the project
reserves for its independent validation are in neither.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final, Literal, TypeVar

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from mgir._errors import InvalidInputError, InvalidInputErrors
from mgir._records import Record, input_errors
from mgir.model import progression_checks
from mgir.reference import source
from mgir.trials._cross_section import IntakeCrossSection, nhanes_intake_cross_section
from mgir.trials._spec import TrialSpec, read_trial_spec
from mgir.trials._typical import predict_typical

__all__ = [
    "PLATEAU_FRACTION",
    "TimeCourseScore",
    "ValidationScore",
    "score_time_course",
    "score_validation",
]

_CANONICAL_UNIT: Final[dict[str, str]] = {
    "serum_magnesium": "mmol/L",
    "fasting_glucose": "mmol/L",
    "fasting_insulin": "uU/mL",
    "homa_ir": "1",
    "quicki": "1",
    "homa_beta": "%",
    "hba1c": "%",
    "urinary_magnesium": "mmol/day",
}


class _Effect(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    endpoint: str
    arm: str
    measure: Literal["difference_in_change", "difference_at_end"]
    estimate: float
    ci95: tuple[float, float]
    unit: str
    note: str = ""


class _Observed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source_key: str
    note: str
    effects: list[_Effect] = Field(min_length=1)


_COHORT_CHECKS: Final[dict[str, str]] = {
    # published measure -> key of mgir.model.progression_checks
    "incidence_ratio_per_100_mg_intake": "rate_ratio_per_100_mg_intake",
    "incidence_ratio_lowest_vs_highest_serum_mg": "rate_ratio_lowest_vs_highest_serum_mg",
}


class _CohortEffect(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    check: Literal[
        "incidence_ratio_per_100_mg_intake", "incidence_ratio_lowest_vs_highest_serum_mg"
    ]
    estimate: float = Field(gt=0)
    ci95: tuple[float, float]
    note: str = ""


class _Cohort(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source_key: str
    note: str
    effects: list[_CohortEffect] = Field(min_length=1)


class _CrossSectionEffect(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    check: Literal["ln_homa_ir_per_100_mg_intake"]
    adjustment: Literal["crude", "adjusted"]


class _CrossSection(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source_key: str
    note: str
    effects: list[_CrossSectionEffect] = Field(min_length=1)


class _Plateau(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    endpoint: str
    arm: str
    published_weeks: float = Field(gt=0)
    note: str = ""


class _TimeCourse(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source_key: str
    note: str
    horizon_weeks: int = Field(gt=1, le=260)
    agreement_factor: float = Field(gt=1)
    plateaus: list[_Plateau] = Field(min_length=1)


_T = TypeVar("_T", _Observed, _Cohort, _CrossSection, _TimeCourse)

PLATEAU_FRACTION: Final = 0.9
"""The model's plateau time: the first week its effect reaches this share of its horizon effect."""


class TimeCourseScore(Record):
    """When a published effect plateaus against when the model's does."""

    entry: str
    endpoint: str
    arm: str
    reference: str
    unit: str
    published_weeks: float
    model_weeks: float
    """First whole week at which the model's effect reaches 90 % of its effect at the horizon."""
    horizon_weeks: int
    effect_at_horizon: float
    agrees: bool
    """Model plateau within ``agreement_factor`` (either way) of the published one."""
    agreement_factor: float
    source_key: str


class ValidationScore(Record):
    """One published effect against the model's prediction for the trial's typical subject."""

    entry: str
    trial: str
    endpoint: str
    arm: str
    reference: str
    measure: str
    unit: str
    observed: float
    ci_low: float
    ci_high: float
    predicted: float
    inside: bool
    significant: bool
    sign_agrees: bool | None
    source_key: str


def _read_observed(path: Path, kind: type[_T]) -> _T:
    try:
        document: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        observed = kind.model_validate(document)
    except OSError as exc:
        raise InvalidInputError(
            field="observed", value=str(path), allowed=f"a readable file ({exc.strerror})"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInputError(
            field="observed", value=str(path), allowed=f"TOML ({exc})"
        ) from None
    except pydantic.ValidationError as exc:
        InvalidInputErrors.raise_if_any(input_errors(exc, kind, prefix=str(path)))
        raise  # pragma: no cover
    source(observed.source_key)
    return observed


def _score_cohort(entry: Path, checks: Mapping[str, float]) -> list[ValidationScore]:
    cohort = _read_observed(entry / "cohort.toml", _Cohort)
    rows = []
    for effect in cohort.effects:
        low, high = sorted(effect.ci95)
        value = float(checks[_COHORT_CHECKS[effect.check]])
        significant = not (low <= 1.0 <= high)
        rows.append(
            ValidationScore(
                entry=entry.name,
                trial="IFG cohort (NHANES 2017-2020), 5 years",
                endpoint="incident_diabetes",
                arm="",
                reference="",
                measure=effect.check,
                unit="ratio",
                observed=effect.estimate,
                ci_low=low,
                ci_high=high,
                predicted=value,
                inside=low <= value <= high,
                significant=significant,
                sign_agrees=((value - 1.0) * (effect.estimate - 1.0) > 0) if significant else None,
                source_key=cohort.source_key,
            )
        )
    return rows


def _score_cross_section(entry: Path, section: IntakeCrossSection) -> list[ValidationScore]:
    described = _read_observed(entry / "cross_section.toml", _CrossSection)
    rows = []
    for effect in described.effects:
        low, high = section.observed_ci95[effect.adjustment]
        observed = section.observed_slope[effect.adjustment]
        value = section.model_slope
        significant = not (low <= 0.0 <= high)
        rows.append(
            ValidationScore(
                entry=entry.name,
                trial=f"NHANES 2015-2016 adults without diabetes (n = {section.n_people})",
                endpoint="homa_ir",
                arm="",
                reference="",
                measure=f"{effect.check} ({effect.adjustment})",
                unit="ln",
                observed=observed,
                ci_low=low,
                ci_high=high,
                predicted=value,
                inside=low <= value <= high,
                significant=significant,
                sign_agrees=(value * observed > 0) if significant else None,
                source_key=described.source_key,
            )
        )
    return rows


def _check_endpoint_and_arm(spec: TrialSpec, where: str, endpoint: str, arm: str) -> None:
    """A published effect names an endpoint of the spec and one of its non-reference arms."""
    if endpoint not in spec.endpoints:
        raise InvalidInputError(
            field=f"{where}.endpoint",
            value=endpoint,
            allowed=f"an endpoint of the spec: {', '.join(spec.endpoints)}",
        )
    if arm not in {a.name for a in spec.arms} or arm == spec.reference_arm:
        raise InvalidInputError(field=f"{where}.arm", value=arm, allowed="a non-reference arm")


def score_validation(
    folder: str | Path,
    *,
    dt_days: float = 0.5,
    cohort_checks: Mapping[str, float] | Callable[[], Mapping[str, float]] = progression_checks,
    cross_section: IntakeCrossSection | Callable[[], IntakeCrossSection] = (
        nhanes_intake_cross_section
    ),
) -> list[ValidationScore]:
    """Score the model on every entry (sub-folder) of a validation suite.

    Parameters
    ----------
    folder : str or Path
        The suite: one sub-folder per published trial or meta-analysis, each holding
        ``spec.toml`` and ``observed.toml``.
    dt_days : float
        Solver step (days).
    cohort_checks : mapping or callable
        The progression model's incidence ratios for cohort entries, or what computes them
        (default :func:`mgir.model.progression_checks`: fits the virtual IFG cohort, about a
        minute); computed once, and only when the suite has a cohort entry.
    cross_section : IntakeCrossSection or callable
        The NHANES intake cross-section, or what computes it (default
        :func:`mgir.trials.nhanes_intake_cross_section`); computed once, and only when the suite
        has a cross-section entry.

    Returns
    -------
    list of ValidationScore
        One row per published effect, in folder then file order.

    Raises
    ------
    InvalidInputError
        A spec or observed file that does not validate, an effect whose endpoint the spec does
        not list, a unit other than the endpoint's canonical unit, or an unknown source.
    """
    rows: list[ValidationScore] = []
    entries = sorted(p for p in Path(folder).iterdir() if p.is_dir())
    checks: Mapping[str, float] | None = None
    section: IntakeCrossSection | None = None
    for entry in entries:
        if (entry / "cross_section.toml").is_file():
            if section is None:
                section = cross_section() if callable(cross_section) else cross_section
            rows += _score_cross_section(entry, section)
            continue
        if (entry / "cohort.toml").is_file():
            if checks is None:
                checks = cohort_checks() if callable(cohort_checks) else cohort_checks
            rows += _score_cohort(entry, checks)
            continue
        spec = read_trial_spec(entry / "spec.toml")
        observed = _read_observed(entry / "observed.toml", _Observed)
        predicted = predict_typical(spec, dt_days=dt_days)
        for i, effect in enumerate(observed.effects):
            where = f"{entry.name}/observed.toml effects[{i}]"
            _check_endpoint_and_arm(spec, where, effect.endpoint, effect.arm)
            unit = _CANONICAL_UNIT[effect.endpoint]
            if effect.unit != unit:
                raise InvalidInputError(
                    field=f"{where}.unit", value=effect.unit, allowed=f"{unit} (canonical)"
                )
            low, high = sorted(effect.ci95)
            key = "change" if effect.measure == "difference_in_change" else "end"
            value = (
                predicted[effect.arm][effect.endpoint][key]
                - predicted[spec.reference_arm][effect.endpoint][key]
            )
            significant = not (low <= 0.0 <= high)
            rows.append(
                ValidationScore(
                    entry=entry.name,
                    trial=spec.name,
                    endpoint=effect.endpoint,
                    arm=effect.arm,
                    reference=spec.reference_arm,
                    measure=effect.measure,
                    unit=unit,
                    observed=effect.estimate,
                    ci_low=low,
                    ci_high=high,
                    predicted=value,
                    inside=low <= value <= high,
                    significant=significant,
                    sign_agrees=(value * effect.estimate > 0) if significant else None,
                    source_key=observed.source_key,
                )
            )
    return rows


def score_time_course(folder: str | Path, *, dt_days: float = 0.5) -> list[TimeCourseScore]:
    """Score when the model's effects plateau, for every entry with ``time_course.toml``.

    The entry's trial spec is run to every whole week up to ``horizon_weeks``; the model's
    plateau is the first week its between-arm effect reaches :data:`PLATEAU_FRACTION` of its
    effect at the horizon. It *agrees* when it lies within ``agreement_factor`` of the published
    plateau (either way): published plateaus are read off meta-regression curves, without an
    interval. The file::

        source_key = "zhang2016_mg_status_meta"
        note = "what was read"
        horizon_weeks = 52
        agreement_factor = 2.0

        [[plateaus]]
        endpoint = "serum_magnesium"
        arm = "magnesium"
        published_weeks = 20

    Raises
    ------
    InvalidInputError
        A file that does not validate, an endpoint the spec does not list, or a reference arm.
    """
    rows: list[TimeCourseScore] = []
    for entry in sorted(p for p in Path(folder).iterdir() if (p / "time_course.toml").is_file()):
        spec = read_trial_spec(entry / "spec.toml")
        course = _read_observed(entry / "time_course.toml", _TimeCourse)
        for i, plateau in enumerate(course.plateaus):
            where = f"{entry.name}/time_course.toml plateaus[{i}]"
            _check_endpoint_and_arm(spec, where, plateau.endpoint, plateau.arm)
        weeks = range(1, course.horizon_weeks + 1)
        runs = [predict_typical(spec, dt_days=dt_days, duration_weeks=w) for w in weeks]
        for plateau in course.plateaus:
            effect = [
                r[plateau.arm][plateau.endpoint]["change"]
                - r[spec.reference_arm][plateau.endpoint]["change"]
                for r in runs
            ]
            final = effect[-1]
            if not (math.isfinite(final) and final != 0.0):
                raise InvalidInputError(
                    field=f"{entry.name}/time_course.toml {plateau.endpoint}",
                    value=final,
                    unit=_CANONICAL_UNIT[plateau.endpoint],
                    allowed="an endpoint the arm moves (no plateau without an effect)",
                )
            reached = next(
                w
                for w, e in zip(weeks, effect, strict=True)
                if abs(e) >= PLATEAU_FRACTION * abs(final)
            )
            ratio = reached / plateau.published_weeks
            rows.append(
                TimeCourseScore(
                    entry=entry.name,
                    endpoint=plateau.endpoint,
                    arm=plateau.arm,
                    reference=spec.reference_arm,
                    unit=_CANONICAL_UNIT[plateau.endpoint],
                    published_weeks=plateau.published_weeks,
                    model_weeks=float(reached),
                    horizon_weeks=course.horizon_weeks,
                    effect_at_horizon=final,
                    agrees=1.0 / course.agreement_factor <= ratio <= course.agreement_factor,
                    agreement_factor=course.agreement_factor,
                    source_key=course.source_key,
                )
            )
    return rows
