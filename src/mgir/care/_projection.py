"""The projection: the person's model trajectories without a change and with the plan's supplement.

The model starts from the person's serum magnesium; without one it starts from the serum
magnesium distribution of the person's population (type 2 diabetes, prediabetes, PCOS or adults,
by sex), says so in a notice, and carries that spread into the bands. Each output says whether it
is anchored on the person's own measured labs, on their population, or on the reference adult,
so that a figure shows only what was measured. The same safety rules as the
plan apply: the supplement simulated is the plan's; projected serum magnesium above the "high"
band and a person outside the model's calibrated population are flagged.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from mgir._records import Record
from mgir.assessment import Assessment, Notice, homa_caveats
from mgir.planning import Plan
from mgir.reference import check_medications, lab_variability, serum_magnesium_bands

if TYPE_CHECKING:
    from mgir.model import InsulinPrior, PersonFit, Regimen, SerumMgPrior

__all__ = [
    "OutputSeries",
    "Projection",
    "ProjectionArm",
    "fit_person_model",
    "insulin_prior",
    "model_labs",
    "model_mg_balance",
    "plan_regimen",
    "project",
    "serum_mg_prior",
]

OutputName = Literal["serum_magnesium", "fasting_glucose", "fasting_insulin", "homa_ir", "hba1c"]
_LABS_OF: dict[str, tuple[str, ...]] = {
    "serum_magnesium": ("serum_magnesium",),
    "fasting_glucose": ("fasting_glucose",),
    "fasting_insulin": ("fasting_insulin",),
    "homa_ir": ("fasting_glucose", "fasting_insulin"),
    "hba1c": ("hba1c",),
}
_UNITS: dict[str, str] = {
    "serum_magnesium": "mmol/L",
    "fasting_glucose": "mmol/L",
    "fasting_insulin": "µIU/mL",
    "homa_ir": "1",
    "hba1c": "%",
}


class OutputSeries(Record):
    """One output of one arm over time: central run and band (canonical units).

    ``anchored``: ``measured`` when the person's own labs set its starting point, else
    ``reference_adult`` (the model's reference adult stands in for a missing lab).
    ``central`` is the median over the parameter draws (equal to ``median``): the run at the
    least-squares estimate can sit outside the band where the posterior is skewed.
    ``low``/``high`` bound the person's true value; ``lab_low``/``lab_high`` bound a single
    follow-up measurement, which also scatters by the person's day-to-day biological variation
    and the assay's imprecision (``lab_variability.csv``). They are ``None`` where mgir has no
    sourced variation (serum Mg).
    """

    name: OutputName
    unit: str
    anchored: Literal["measured", "population", "reference_adult"]
    central: tuple[float, ...]
    low: tuple[float, ...]
    median: tuple[float, ...]
    high: tuple[float, ...]
    lab_low: tuple[float, ...] | None = None
    lab_high: tuple[float, ...] | None = None

    @property
    def start(self) -> float:
        """Value at day 0."""
        return self.central[0]

    @property
    def end(self) -> float:
        """Value at the last day."""
        return self.central[-1]


class ProjectionArm(Record):
    """One scenario: no change, or the plan's supplement."""

    label: str
    salt: str | None
    elemental_mg_per_day: float
    outputs: dict[str, OutputSeries]


class Projection(Record):
    """Model trajectories for the person (population evidence in a model, not a promise).

    Attributes
    ----------
    weeks
        Horizon.
    days
        Save times (days), shared by every series.
    quantiles
        Levels of the band (low, median, high).
    arms
        ``no change`` and, when the plan has a supplement, the plan's supplement.
    labs_used
        Which model inputs were measured, which came from the person's population (serum Mg)
        and which took the reference adult's value.
    notices
        Flags: outside the calibrated population, projected serum magnesium above the "high"
        band, fits that could not reproduce the labs.
    draws_tried, draws_used
        Parameter draws sampled and kept (conditioned on the labs).
    model
        Model provenance (version, parameter set, solver, seed).
    """

    weeks: float
    days: tuple[float, ...]
    quantiles: tuple[float, ...]
    arms: tuple[ProjectionArm, ...]
    labs_used: dict[str, str]
    notices: tuple[Notice, ...]
    draws_tried: int
    draws_used: int
    model: dict[str, Any]

    def long_rows(self) -> list[dict[str, Any]]:
        """One row per arm, output and day: the trajectories as a long table."""
        return [
            {
                "arm": arm.label,
                "output": series.name,
                "unit": series.unit,
                "anchored": series.anchored,
                "day": day,
                "central": series.central[k],
                "low": series.low[k],
                "median": series.median[k],
                "high": series.high[k],
            }
            for arm in self.arms
            for series in arm.outputs.values()
            for k, day in enumerate(self.days)
        ]


def _measurement_log_sd(name: str) -> float | None:
    """SD of ln(measured / true) for one lab: within-person biological and analytical CVs.

    HOMA-IR is glucose times insulin, so its log-variances add. None where a component has no
    sourced variation.
    """
    parts = {"homa_ir": ("fasting_glucose", "fasting_insulin")}.get(name, (name,))
    variations = [lab_variability(lab) for lab in parts]
    if any(v is None for v in variations):
        return None
    return math.hypot(*(v.measurement_log_sd for v in variations if v is not None))


def _outside_calibration(assessment: Assessment) -> list[Notice]:
    person = assessment.person
    out: list[str] = []
    if person.age_years < 18:
        out.append(f"age {person.age_years:g} y (the calibration trials enrolled adults)")
    if person.pregnant:
        out.append("pregnancy")
    if person.lactating:
        out.append("lactation")
    egfr = assessment.kidney.egfr.value
    if egfr is not None and egfr < 30:
        out.append(f"eGFR {egfr:.0f} mL/min/1.73 m² (below 30)")
    not_valid = [rule for rule, effect, _, _ in homa_caveats(person) if effect == "not_interpreted"]
    if not_valid:
        out.append("type 1 diabetes or insulin therapy (injected insulin is not in the model)")
    if not out:
        return []
    return [
        Notice(
            code="outside_calibrated_population",
            message="Outside the model's calibrated population: " + "; ".join(out) + ". Read the "
            "projection as illustration only.",
            source="mgir_calibration",
        )
    ]


def model_labs(assessment: Assessment) -> dict[str, Any]:
    """The person's inputs to :func:`mgir.model.fit_person`, in its canonical units.

    Labs the person does not have are ``None``; a diary intake that is only a lower bound is
    not an intake (the one intake policy).
    """
    person = assessment.person
    intake = assessment.intake
    return {
        "fasting_glucose_mmol_per_l": person.lab("fasting_glucose"),
        "fasting_insulin_uiu_per_ml": person.lab("fasting_insulin"),
        "serum_mg_mmol_per_l": person.lab("serum_magnesium"),
        "egfr_ml_per_min_1_73m2": assessment.kidney.egfr.value,
        "dietary_intake_mg_per_day": None if intake.lower_bound else intake.mean_mg_per_day,
        "hba1c_percent": person.lab("hba1c"),
        "medicines": tuple(person.medications),
    }


def serum_mg_prior(assessment: Assessment) -> SerumMgPrior | None:
    """The person's population serum Mg when they have no serum Mg lab, else None."""
    from mgir.model import population_serum_mg  # noqa: PLC0415  (the model loads on demand)

    person = assessment.person
    if person.lab("serum_magnesium") is not None:
        return None
    return population_serum_mg(sex=person.sex, conditions=person.conditions)


def insulin_prior(assessment: Assessment) -> InsulinPrior | None:
    """Fasting insulin of people like the person, or None.

    Given when the person's fasting glucose is measured but their insulin is not, for adults
    (20 years or older: the survey's adults) who are not pregnant or lactating (excluded from
    the survey sample, and insulin resistance rises in pregnancy) and not on insulin therapy
    (:func:`mgir.model.population_insulin`). A BMI outside the survey's range leaves BMI out.
    """
    from mgir.model import (  # noqa: PLC0415  (the model loads on demand)
        INSULIN_MODEL_BMI_RANGE_KG_PER_M2,
        population_insulin,
    )

    person = assessment.person
    glucose = person.lab("fasting_glucose")
    if person.lab("fasting_insulin") is not None or glucose is None or person.age_years < 20:
        return None
    if person.pregnant or person.lactating:
        return None
    if any(effect == "not_interpreted" for _, effect, _, _ in homa_caveats(person)):
        return None  # injected insulin: the survey's fasting insulin does not describe them
    bmi = _bmi(assessment)
    low, high = INSULIN_MODEL_BMI_RANGE_KG_PER_M2
    return population_insulin(
        fasting_glucose_mmol_per_l=glucose,
        sex=person.sex,
        age_years=person.age_years,
        bmi_kg_per_m2=bmi if bmi is not None and low <= bmi <= high else None,
        hba1c_percent=person.lab("hba1c"),
    )


def _bmi(assessment: Assessment) -> float | None:
    person = assessment.person
    if person.weight_kg is None or person.height_cm is None:
        return None
    return float(person.weight_kg / (person.height_cm / 100.0) ** 2)


def plan_regimen(plan: Plan) -> Regimen:
    """The plan's supplement as a model regimen from day 0 (no supplement: none)."""
    from mgir.model import Regimen, model_salt_name  # noqa: PLC0415

    supplement = plan.supplement
    if supplement is None:
        return Regimen.none()
    return Regimen.constant(model_salt_name(supplement.salt), supplement.elemental_mg_per_day)


def model_mg_balance(assessment: Assessment) -> Literal["steady_state", "intake"]:
    """How the person's Mg balance starts in the model.

    ``intake`` when their recorded intake cannot sustain their measured serum Mg (they are
    losing Mg, or the diary under-counts), else ``steady_state`` (see
    :func:`mgir.model.fit_person`). A person who already takes a supplement stays at steady
    state: the supplement is not in the model's "no change" run, and the steady-state fit
    accounts for it where a diary-driven balance would not.
    """
    from mgir.model import fit_person  # noqa: PLC0415

    labs = model_labs(assessment)
    if labs["serum_mg_mmol_per_l"] is None or not labs["dietary_intake_mg_per_day"]:
        return "steady_state"
    if assessment.person.supplements:
        return "steady_state"
    possible = fit_person(**labs).mg_steady_state_possible
    return "intake" if possible is not None and not bool(possible[0]) else "steady_state"


def fit_person_model(assessment: Assessment) -> tuple[PersonFit, SerumMgPrior | None]:
    """The person fitted to their labs as the projection's central run starts them.

    A missing serum Mg is the population mean (:func:`serum_mg_prior`, returned so that the
    caller can say so); a recorded intake that cannot sustain the measured serum Mg starts the
    person losing Mg (:func:`model_mg_balance`).
    """
    from mgir.model import fit_person  # noqa: PLC0415

    labs = model_labs(assessment)
    prior = serum_mg_prior(assessment)
    insulin = insulin_prior(assessment)
    insulin_source = "measured"
    if insulin is not None:
        labs["fasting_insulin_uiu_per_ml"] = insulin.median_uiu_per_ml
        insulin_source = "population"
    if prior is None:
        return (
            fit_person(
                **labs, mg_balance=model_mg_balance(assessment), insulin_source=insulin_source
            ),
            None,
        )
    labs["serum_mg_mmol_per_l"] = prior.mean_mmol_per_l
    return fit_person(**labs, serum_mg_source="population", insulin_source=insulin_source), prior


def project(
    assessment: Assessment,
    plan: Plan,
    *,
    weeks: float,
    draws: int,
    seed: int,
) -> Projection | str:
    """Simulate the person with and without the plan's supplement.

    Returns the :class:`Projection`, or a sentence saying why there is none.
    """
    from mgir.model import (  # noqa: PLC0415  (the model loads only when a projection is asked for)
        MODEL_VERSION,
        Output,
        Regimen,
        UncertainSimulation,
        calibration_id,
        simulate_person,
    )

    person = assessment.person
    labs = model_labs(assessment)
    # A missing serum Mg comes from the person's population, with its spread in the bands.
    prior = serum_mg_prior(assessment)
    # A missing fasting insulin comes from people like the person (glucose, age, sex, BMI).
    insulin = insulin_prior(assessment)
    mg_balance = model_mg_balance(assessment) if prior is None else "steady_state"
    days = weeks * 7.0
    outputs = {
        "serum_magnesium": Output.SERUM_MG,
        "fasting_glucose": Output.FASTING_GLUCOSE,
        "fasting_insulin": Output.FASTING_INSULIN,
        "homa_ir": Output.HOMA_IR,
        "hba1c": Output.HBA1C,
    }
    quantiles = (0.05, 0.5, 0.95)

    def run(regimen: Regimen) -> UncertainSimulation:
        return simulate_person(
            days=days,
            regimen=regimen,
            n_draws=draws,
            seed=seed,
            quantiles=quantiles,
            serum_mg_prior=prior,
            insulin_prior=insulin,
            mg_balance=mg_balance,
            **labs,
        )

    def series(result: UncertainSimulation) -> dict[str, OutputSeries]:
        out = {}
        for name, output in outputs.items():
            band = result.bands(output)
            measured = all(lab in person.labs for lab in _LABS_OF[name])
            from_population = (
                name == "serum_magnesium"
                or (name == "hba1c" and "fasting_glucose" in person.labs)
                or (name in ("fasting_insulin", "homa_ir") and insulin is not None)
            )
            anchored: Literal["measured", "population", "reference_adult"] = (
                "measured" if measured else "population" if from_population else "reference_adult"
            )
            log_sd = _measurement_log_sd(name)
            lab_band = None if log_sd is None else result.measured_bands(output, log_sd)
            out[name] = OutputSeries(
                name=name,
                unit=_UNITS[name],
                anchored=anchored,
                # The draws' median, not the least-squares run: where the posterior is skewed
                # (a parameter the trials barely constrain) that run can sit outside the band.
                central=tuple(float(v) for v in band[1]),
                low=tuple(float(v) for v in band[0]),
                median=tuple(float(v) for v in band[1]),
                high=tuple(float(v) for v in band[-1]),
                lab_low=None if lab_band is None else tuple(float(v) for v in lab_band[0]),
                lab_high=None if lab_band is None else tuple(float(v) for v in lab_band[-1]),
            )
        return out

    baseline = run(Regimen.none())
    arms = [
        ProjectionArm(
            label="no change", salt=None, elemental_mg_per_day=0.0, outputs=series(baseline)
        )
    ]
    results = [baseline]
    supplement = plan.supplement
    if supplement is not None:
        treated = run(plan_regimen(plan))
        results.append(treated)
        arms.append(
            ProjectionArm(
                label=f"{supplement.elemental_mg_per_day:g} mg/day {supplement.salt}",
                salt=supplement.salt,
                elemental_mg_per_day=supplement.elemental_mg_per_day,
                outputs=series(treated),
            )
        )
    notices = _outside_calibration(assessment)
    if prior is not None:
        notices.append(
            Notice(
                code="serum_mg_from_population",
                message="Serum magnesium was not measured: the projection starts from the "
                f"{prior.describe()}, and its bands include that spread. Measure serum "
                "magnesium to project this person.",
                source=";".join(prior.source_keys),
                severity="caution",
            )
        )
    if insulin is not None:
        bmi = _bmi(assessment)
        left_out = (
            f" BMI {bmi:.1f} kg/m² is outside the survey's range, so BMI is left out."
            if bmi is not None and "bmi" not in insulin.covariates
            else ""
        )
        notices.append(
            Notice(
                code="insulin_from_population",
                message="Fasting insulin was not measured: the projection starts from the "
                f"{insulin.describe()}, and its bands include that spread.{left_out} Measure "
                "fasting insulin to project this person's insulin resistance.",
                source=";".join(insulin.source_keys),
                severity="caution",
            )
        )
    if mg_balance == "intake":
        fitted = baseline.fit.fitted
        diary = assessment.intake.diary
        n_days = len(diary.days) if diary is not None else 0
        serum_band = baseline.bands(Output.SERUM_MG)
        notices.append(
            Notice(
                code="mg_negative_balance",
                message=f"The food diary ({n_days} day{'s' if n_days != 1 else ''}) gives "
                f"{labs['dietary_intake_mg_per_day']:.0f} mg/day, which cannot sustain serum "
                f"magnesium {labs['serum_mg_mmol_per_l']:.2f} mmol/L. Either the diary is "
                "incomplete (common: check it first) or the person is losing magnesium. The "
                "projection takes the diary as right: it starts the person losing about "
                f"{-fitted['net_mg_balance_mg_per_day']:.0f} mg/day, both arms start off "
                "steady state, and without a supplement serum magnesium heads towards "
                f"{fitted['serum_mg_at_intake_steady_state_mmol_per_l']:.2f} mmol/L "
                f"({serum_band[0, -1]:.2f}–{serum_band[-1, -1]:.2f} at {weeks:g} weeks over "
                "the model's uncertainty).",
                source="mgir_model_choice",
                severity="caution",
            )
        )
    high = next(b for b in serum_magnesium_bands("status") if b.code == "high")
    for arm in arms:
        peak = max(arm.outputs["serum_magnesium"].high)
        if bool(high.contains(peak)):
            notices.append(
                Notice(
                    code="projected_serum_mg_high",
                    message=f"{arm.label}: projected serum magnesium reaches {peak:.2f} mmol/L "
                    f"(upper band), in mgir's 'high' range ({high.description}). Reconsider the "
                    "dose and monitor serum magnesium.",
                    source=";".join(high.references),
                )
            )
    deficient = next(b for b in serum_magnesium_bands("status") if b.code == "deficient")
    for arm in arms:
        serum = arm.outputs["serum_magnesium"]
        trough = min(serum.low)
        if not deficient.contains(serum.start) and bool(deficient.contains(trough)):
            notices.append(
                Notice(
                    code="projected_serum_mg_low",
                    message=f"{arm.label}: projected serum magnesium may fall to {trough:.2f} "
                    f"mmol/L (lower band) within {weeks:g} weeks, in mgir's 'deficient' range "
                    f"({deficient.description}). Recheck serum magnesium.",
                    source=";".join(deficient.references),
                    severity="caution",
                )
            )
    fit = baseline.fit
    if fit.medicines:
        described = "; ".join(
            f"{e.medicine} ({e.drug_class}: "
            + (
                f"urinary magnesium ×{e.factor:g}"
                if e.parameter.value == "renal_excretion_factor"
                else f"absorption ×{e.factor:g}"
            )
            + ")"
            for e in fit.medicines
        )
        notices.append(
            Notice(
                code="medicines_modelled",
                message=f"The model includes the effect of: {described}.",
                source=";".join(dict.fromkeys(k for e in fit.medicines for k in e.source_keys)),
                severity="info",
            )
        )
    unknown = check_medications(person.medications).not_checked
    if unknown:
        notices.append(
            Notice(
                code="medicines_not_recognised",
                message="Not recognised, so any effect on magnesium is not in the projection: "
                + ", ".join(unknown)
                + ". Check the spelling or the generic name.",
                source="mgir_model_choice",
                severity="caution",
            )
        )
    hba1c_start = labs.get("hba1c_percent")
    glucose_start = labs.get("fasting_glucose_mmol_per_l")
    if hba1c_start is None and glucose_start is not None and glucose_start > 7.5:
        notices.append(
            Notice(
                code="hba1c_extrapolated",
                message=f"HbA1c was not measured: it is projected from fasting glucose "
                f"{glucose_start:.1f} mmol/L by a line fitted on 5-7.5 mmol/L in people without "
                "diabetes medication, an extrapolation here (people with diabetes had about "
                "0.7 %-points more HbA1c at equal fasting glucose). Measure HbA1c.",
                source="hong2016_fpg_hba1c",
                severity="caution",
            )
        )
    if fit.medicines_not_modelled:
        notices.append(
            Notice(
                code="medicines_not_modelled",
                message="Known to lower magnesium but not in the model (no effect size): "
                + ", ".join(fit.medicines_not_modelled)
                + ". The projection may overstate this person's magnesium.",
                source="mgir_model_choice",
                severity="caution",
            )
        )
    warnings = dict.fromkeys(w for r in results for w in r.warnings)
    notices += [
        Notice(code="model_fit", message=w, source="mgir_model_choice", severity="info")
        for w in warnings
    ]
    first = results[-1]
    return Projection(
        weeks=weeks,
        days=tuple(float(d) for d in np.asarray(baseline.central.time_days)),
        quantiles=quantiles,
        arms=tuple(arms),
        labs_used=dict(first.fit.labs_used),
        notices=tuple(notices),
        draws_tried=first.draws_tried,
        draws_used=min(r.draws_used for r in results),
        model={
            "model_version": MODEL_VERSION,
            "parameter_set": calibration_id(),
            "solver": first.central.provenance.get("solver"),
            "seed": seed,
            "references": list(first.central.provenance.get("references", [])),
        },
    )
