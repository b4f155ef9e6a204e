"""``evaluate(person, options)``: intake → assessment → plan → projection, decided once.

This is the one clinical pipeline: the CLI, the report and the clinic service call it and add
nothing clinical of their own. One set of options (:class:`CareOptions`) reaches every step, and
the :class:`Evaluation` carries its provenance (mgir and knowledge-base versions, model parameter
set, time, and every override with who gave it, when and why).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from functools import cache
from importlib import metadata, resources
from typing import Any, Final, Literal

import pydantic
from pydantic import Field, field_validator

from mgir._errors import InvalidInputError, InvalidInputErrors
from mgir._records import Record, input_errors
from mgir.assessment import Assessment, DietEntry, Person, assess
from mgir.care._projection import Projection, project
from mgir.planning import Override, Plan, PlanOptions, plan
from mgir.reference import resolve_salt
from mgir.units import INSULIN_PMOL_PER_UIU_CONVENTIONAL, INSULIN_PMOL_PER_UIU_WHO

__all__ = [
    "SCHEMA_VERSION",
    "CareOptions",
    "Evaluation",
    "Provenance",
    "evaluate",
    "knowledge_base_version",
    "read_plan",
    "schemas",
]

SCHEMA_VERSION: Final[str] = "mgir.evaluation/1"


class CareOptions(Record):
    """Every choice a clinician or researcher makes for one evaluation.

    Attributes
    ----------
    insulin_pmol_per_uiu
        pmol/L per µIU/mL for insulin given in pmol/L: 6.0 (default) or 6.945.
    homa_ir_cutoff
        Key of the HOMA-IR cut-off (``mgir cutoffs``); None = the packaged default.
    ul_basis
        ``iom`` or ``eu`` (the EU supplemental limit where it is lower).
    overrides
        Recorded overrides (who, when, why): ``upper_limit``, ``renal``.
    requested_elemental_mg_per_day, requested_salt
        A dose (total supplemental Mg, mg/day) or a salt instead of the policy default.
    supplement_requested
        A supplement is asked for even where the rules do not indicate one (a simulated scenario,
        or a clinician's choice); every safety rule still applies, and if the rules do not allow
        it the evaluation is an input error naming the rule.
    diary
        Food-diary entries to use instead of the person file's ``[[diet]]``.
    project
        Whether to run the model projection.
    weeks, draws, seed
        Projection horizon, parameter draws for the bands, and their seed.
    """

    insulin_pmol_per_uiu: float = INSULIN_PMOL_PER_UIU_CONVENTIONAL
    homa_ir_cutoff: str | None = None
    ul_basis: Literal["iom", "eu"] = "iom"
    overrides: tuple[Override, ...] = ()
    requested_elemental_mg_per_day: float | None = None
    requested_salt: str | None = None
    supplement_requested: bool = False
    diary: tuple[DietEntry, ...] | None = None
    project: bool = True
    weeks: float = 16.0
    draws: int = Field(default=100, ge=2, le=10_000)
    seed: int = Field(default=0, ge=0, le=2**32 - 1)

    @field_validator("insulin_pmol_per_uiu")
    @classmethod
    def _factor(cls, value: float) -> float:
        if value not in (INSULIN_PMOL_PER_UIU_CONVENTIONAL, INSULIN_PMOL_PER_UIU_WHO):
            raise ValueError(
                f"{INSULIN_PMOL_PER_UIU_CONVENTIONAL:g} or {INSULIN_PMOL_PER_UIU_WHO:g} pmol/L "
                "per µIU/mL"
            )
        return value

    @field_validator("weeks")
    @classmethod
    def _weeks(cls, value: float) -> float:
        if not 0 < value <= 520:
            raise ValueError("more than 0 and at most 520 weeks")
        return value

    def with_plan(self, plan: Plan) -> CareOptions:
        """These options set to reproduce ``plan``'s supplement (its salt, total and overrides)."""
        supplement = plan.supplement
        if supplement is None:
            raise InvalidInputError(
                field="plan.supplement", value=None, allowed="a plan with a supplement"
            )
        return self.model_copy(
            update={
                "overrides": plan.overrides,
                "requested_salt": supplement.salt,
                "requested_elemental_mg_per_day": supplement.total_mg_per_day
                / supplement.dose_factor,
                "supplement_requested": True,
            }
        )

    def with_supplement(self, salt: str, *, field: str = "requested_salt") -> CareOptions:
        """These options with a supplement asked for (a scenario); the salt must be known."""
        resolve_salt(salt, field=field)
        return self.model_copy(update={"requested_salt": salt, "supplement_requested": True})

    def plan_options(self) -> PlanOptions:
        """The plan's share of the options."""
        return PlanOptions(
            overrides=self.overrides,
            requested_elemental_mg_per_day=self.requested_elemental_mg_per_day,
            requested_salt=self.requested_salt,
            supplement_requested=self.supplement_requested,
            ul_basis=self.ul_basis,
        )


class Provenance(Record):
    """Where a result came from."""

    schema_version: str = SCHEMA_VERSION
    mgir_version: str
    knowledge_base_version: str
    model_version: str | None
    model_parameter_set: str | None
    generated_at: datetime
    options: CareOptions
    overrides: tuple[Override, ...]


class Evaluation(Record):
    """One person's assessment, plan and projection, with their provenance.

    ``plan`` is None when only the assessment was asked for; ``projection`` is None when not
    asked for, and ``projection_note`` says why there is none when it was asked for.
    """

    assessment: Assessment
    plan: Plan | None
    projection: Projection | None
    projection_note: str | None = None
    provenance: Provenance

    @property
    def person(self) -> Person:
        """The person evaluated."""
        return self.assessment.person


def _version() -> str:
    try:
        return metadata.version("mgir")
    except metadata.PackageNotFoundError:  # a source tree that was not installed
        return "0+unknown"


@cache
def knowledge_base_version() -> str:
    """Version of the packaged knowledge base: ``<newest table version>+<sha256 prefix>``.

    The hash covers every packaged data file (reference tables, sources, analytes, atomic
    weights), so any edit of a clinical number changes it.
    """
    digest = hashlib.sha256()
    versions = []
    for package, folder in (("mgir.reference", "data"), ("mgir.units", "data"), ("mgir.units", "")):
        root = resources.files(package).joinpath(folder) if folder else resources.files(package)
        for entry in sorted(root.iterdir(), key=lambda e: e.name):
            if not entry.is_file() or entry.name.endswith((".py", ".pyc")):
                continue
            data = entry.read_bytes()
            digest.update(entry.name.encode() + b"\0" + data)
            if entry.name.endswith(".meta.toml"):
                for line in data.decode("utf-8").splitlines():
                    if line.startswith("version"):
                        versions.append(line.split("=", 1)[1].strip().strip('"'))
                        break
    newest = max((v for v in versions if v[:4].isdigit()), default="0")
    return f"{newest}+{digest.hexdigest()[:12]}"


def _model_ids() -> tuple[str | None, str | None]:
    try:
        from mgir.model import MODEL_VERSION, calibration_id  # noqa: PLC0415  (loaded on demand)
    except ImportError:  # pragma: no cover - the model ships with the core
        return None, None
    return MODEL_VERSION, calibration_id()


def evaluate(
    person: Person,
    options: CareOptions | None = None,
    *,
    stages: Literal["assessment", "plan", "projection"] = "projection",
    now: datetime | None = None,
) -> Evaluation:
    """Run the clinical pipeline for one person.

    Parameters
    ----------
    person
        A validated person (:func:`mgir.assessment.parse_person`).
    options
        One set of options for every step (:class:`CareOptions`).
    stages
        How far to go: ``assessment``, ``plan`` or ``projection`` (the projection runs only when
        ``options.project`` is also true).
    now
        The time recorded in the provenance (default: now, UTC).

    Returns
    -------
    Evaluation
        Assessment, plan, projection and provenance.

    Raises
    ------
    InvalidInputError
        Bad options (a requested dose above the UL without an override, an unknown salt or
        cut-off), or a requested supplement the safety rules do not allow for this person.
    """
    options = options or CareOptions()
    person = person.with_insulin_factor(options.insulin_pmol_per_uiu)
    if options.diary is not None:
        person = person.with_diet(options.diary)
    assessment = assess(person, homa_ir_cutoff=options.homa_ir_cutoff)
    person_plan: Plan | None = None
    projection: Projection | None = None
    note: str | None = None
    if stages != "assessment":
        person_plan = plan(assessment, options.plan_options())
        if options.supplement_requested and person_plan.supplement is None:
            why = person_plan.supplement_decision
            if person_plan.blocks:
                why = "; ".join(f"{b.code}: {b.message}" for b in person_plan.blocks)
            raise InvalidInputError(
                field="supplement",
                value=options.requested_salt or "a supplement",
                allowed=f"a supplement the safety rules allow for this person (not here: {why})",
            )
    if stages == "projection" and options.project and person_plan is not None:
        outcome = project(
            assessment, person_plan, weeks=options.weeks, draws=options.draws, seed=options.seed
        )
        if isinstance(outcome, str):
            note = outcome
        else:
            projection = outcome
    model_version, parameter_set = _model_ids()
    used = person_plan.overrides if person_plan is not None else ()
    return Evaluation(
        assessment=assessment,
        plan=person_plan,
        projection=projection,
        projection_note=note,
        provenance=Provenance(
            mgir_version=_version(),
            knowledge_base_version=knowledge_base_version(),
            model_version=model_version,
            model_parameter_set=parameter_set,
            generated_at=now or datetime.now(UTC),
            options=options,
            overrides=used,
        ),
    )


def read_plan(
    document: Mapping[str, Any], person: Person, options: CareOptions | None = None
) -> Plan:
    """Validate a plan read back from a file against the same rules, for this person.

    ``document`` is a plan (``mgir plan --json``) or an evaluation holding one. The plan's
    supplement must be exactly what the rules give for this person with the plan's own salt,
    dose and recorded overrides; an edited dose (above the UL without a recorded override, or
    different from what the rules allow) is an input error naming the field.

    Returns
    -------
    Plan
        The plan read, once it has passed the check.
    """
    options = options or CareOptions()
    raw = document.get("plan", document) if isinstance(document, Mapping) else document
    if raw is None:
        raise InvalidInputError(field="plan", value=None, allowed="a plan document")
    try:
        given = Plan.model_validate(raw)
    except pydantic.ValidationError as exc:
        InvalidInputErrors.raise_if_any(input_errors(exc, Plan, "plan"))
        raise
    supplement = given.supplement
    if supplement is None:
        raise InvalidInputError(
            field="plan.supplement",
            value=None,
            allowed="a plan with a supplement (this plan recommends none)",
        )
    if supplement.dose_factor <= 0:
        raise InvalidInputError(
            field="plan.supplement.dose_factor", value=supplement.dose_factor, allowed="> 0"
        )
    checked = evaluate(
        person, options.with_plan(given).model_copy(update={"project": False}), stages="plan"
    ).plan
    assert checked is not None
    assert checked.supplement is not None
    if abs(checked.supplement.elemental_mg_per_day - supplement.elemental_mg_per_day) > 1.0:
        raise InvalidInputError(
            field="plan.supplement.elemental_mg_per_day",
            value=supplement.elemental_mg_per_day,
            unit="mg/day",
            allowed=f"{checked.supplement.elemental_mg_per_day:g} mg/day, what the rules give for "
            "this person with this plan's dose and overrides (the plan was edited or made for "
            "someone else)",
        )
    return given


def schemas() -> dict[str, dict[str, Any]]:
    """JSON Schemas of what enters (person file, options) and what leaves (evaluation, ...)."""
    from mgir.assessment import Assessment as _Assessment  # noqa: PLC0415
    from mgir.assessment import PersonFile  # noqa: PLC0415

    models: Sequence[tuple[str, type[pydantic.BaseModel]]] = (
        ("person-file", PersonFile),
        ("care-options", CareOptions),
        ("evaluation", Evaluation),
        ("assessment", _Assessment),
        ("plan", Plan),
        ("projection", Projection),
    )
    out = {}
    for name, model in models:
        mode: Literal["validation", "serialization"] = (
            "validation" if name in ("person-file", "care-options") else "serialization"
        )
        out[name] = model.model_json_schema(mode=mode)
    return out
