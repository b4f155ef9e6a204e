"""A trial's expected result for its typical subject: baseline means through the model.

Each arm's typical participant is fitted to the spec's baseline means (a missing serum Mg from
the population of the spec's condition), given the arm's salt and dose (times adherence) for the
trial's duration, and read at the end. The reference arm's change is the model's drift without
a supplement (zero for a person at steady state: no placebo or regression-to-the-mean effect is
modelled). This is what the validation suite scores; the virtual-cohort runner with replicate
trials, prediction intervals and power is ``mgir trial run``'s job.
"""

from __future__ import annotations

from typing import Final

from mgir._errors import InvalidInputError
from mgir.trials._spec import TrialSpec

__all__ = ["POPULATION_OF_CONDITION", "TypicalPrediction", "predict_typical"]

POPULATION_OF_CONDITION: Final[dict[str, tuple[str, ...]]] = {
    "healthy": (),
    "insulin_resistant": (),
    "metabolic_syndrome": (),
    "prediabetes": ("prediabetes",),
    "t2d": ("t2d",),
    "pcos": ("pcos",),
}
"""Conditions of :func:`mgir.model.population_serum_mg` for a spec's condition."""

TypicalPrediction = dict[str, dict[str, dict[str, float]]]
"""``arm -> endpoint -> {"baseline", "end", "change"}`` in canonical units."""


def predict_typical(
    spec: TrialSpec, *, dt_days: float = 0.5, duration_weeks: float | None = None
) -> TypicalPrediction:
    """Predict every arm's endpoints for the spec's typical participant.

    Parameters
    ----------
    spec : TrialSpec
        A validated spec (:func:`mgir.trials.parse_trial_spec`).
    dt_days : float
        Step of the quasi-steady-state solver (days).
    duration_weeks : float, optional
        Read the endpoints after this many weeks instead of the spec's duration (the same
        trial run shorter or longer: how an effect depends on duration).

    Returns
    -------
    dict
        ``arm -> endpoint -> {"baseline": ..., "end": ..., "change": ...}``.
    """
    import numpy as np  # noqa: PLC0415

    from mgir.assessment import formulas  # noqa: PLC0415
    from mgir.model import (  # noqa: PLC0415
        ParameterSet,
        QuasiSteadyState,
        Regimen,
        fit_person,
        model_salt_name,
        population_serum_mg,
        simulate,
    )
    from mgir.model._inputs import DoseSegment  # noqa: PLC0415
    from mgir.trials._run import ENDPOINT_OUTPUT  # noqa: PLC0415 - _run imports this module

    b = spec.baseline
    glucose = b["fasting_glucose"].mean if "fasting_glucose" in b else None
    insulin = b["fasting_insulin"].mean if "fasting_insulin" in b else None
    if insulin is None and "homa_ir" in b and glucose is not None:
        insulin = float(formulas.insulin_from_homa_ir(b["homa_ir"].mean, glucose))
    sex = "female" if (spec.female_fraction or 0.0) >= 0.5 else "male"
    serum = (
        b["serum_magnesium"].mean
        if "serum_magnesium" in b
        else population_serum_mg(
            sex=sex, conditions=POPULATION_OF_CONDITION[spec.condition]
        ).mean_mmol_per_l
    )
    fit = fit_person(
        fasting_glucose_mmol_per_l=glucose,
        fasting_insulin_uiu_per_ml=insulin,
        serum_mg_mmol_per_l=serum,
        egfr_ml_per_min_1_73m2=None
        if spec.egfr_ml_per_min_1_73m2 is None
        else spec.egfr_ml_per_min_1_73m2.mean,
        dietary_intake_mg_per_day=b["dietary_magnesium"].mean if "dietary_magnesium" in b else None,
        hba1c_percent=b["hba1c"].mean if "hba1c" in b else None,
    )
    n = len(spec.arms)
    params = ParameterSet(np.repeat(fit.parameters.values, n, axis=0))
    y0 = np.repeat(fit.initial_state, n, axis=0)
    segments = tuple(
        DoseSegment(
            model_salt_name(arm.salt),
            np.where(np.arange(n) == i, arm.elemental_mg_per_day * arm.adherence, 0.0),
            0.0,
            float("inf"),
        )
        for i, arm in enumerate(spec.arms)
        if arm.salt is not None
    )
    weeks = spec.duration_weeks if duration_weeks is None else duration_weeks
    if not weeks > 0:
        raise InvalidInputError(field="duration_weeks", value=weeks, unit="week", allowed="> 0")
    days = weeks * 7.0
    result = simulate(
        params,
        days=days,
        initial_state=y0,
        regimen=Regimen(segments),
        solver=QuasiSteadyState(dt_days=dt_days),
        save_every_days=days,
    )
    out: TypicalPrediction = {}
    for i, arm in enumerate(spec.arms):
        out[arm.name] = {}
        for endpoint in spec.endpoints:
            series = result.output(ENDPOINT_OUTPUT[endpoint])[i]
            start, end = float(series[0]), float(series[-1])
            out[arm.name][endpoint] = {"baseline": start, "end": end, "change": end - start}
    return out
