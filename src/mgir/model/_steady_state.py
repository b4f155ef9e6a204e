"""Steady states and fitting a person's hidden parameters to their labs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from mgir._errors import InvalidInputError
from mgir.model._equations import (
    ABSORBABLE_FRACTION_CAP,
    GLUCOSE_MG_PER_DL_PER_MMOL_PER_L,
    absorption_mmol_per_day,
    absorption_scale_for,
    effective_insulin_sensitivity,
    effective_secretion_max,
    hba1c_equilibrium_percent,
    homa_ir,
    renal_excretion_mmol_per_day,
)
from mgir.model._medicines import MedicineEffect, medicine_effects
from mgir.model._parameters import (
    Param,
    ParameterInfo,
    ParameterSet,
    default_parameters,
    parameter_info,
)
from mgir.model._states import N_STATES, State
from mgir.reference import MG_G_PER_MOL

__all__ = ["LAB_BOUNDS", "PersonFit", "fit_person", "fit_person_or_reason", "steady_state"]

FloatArray = NDArray[np.float64]

LAB_BOUNDS: dict[str, tuple[float, float, str]] = {
    "fasting_glucose_mmol_per_l": (2.5, 30.0, "mmol/L"),
    "fasting_insulin_uiu_per_ml": (0.5, 300.0, "µIU/mL"),
    "serum_mg_mmol_per_l": (0.2, 3.0, "mmol/L"),
    "egfr_ml_per_min_1_73m2": (5.0, 200.0, "mL/min/1.73m²"),
    "dietary_intake_mg_per_day": (0.0, 3000.0, "mg/day"),
    "hba1c_percent": (3.0, 20.0, "%"),
}
"""Accepted range of each lab (mgir input plausibility bounds, source ``mgir_input_bounds``)."""


def _serum_for_absorbed(
    p: FloatArray, absorbed: FloatArray, glucose: FloatArray, action: FloatArray
) -> FloatArray:
    """Serum Mg (mmol/L) at which urinary Mg equals ``absorbed`` (monotone; bisection+Newton)."""
    volume = p[:, Param.ECF_VOLUME.pos]
    lo = np.zeros_like(absorbed)
    hi = np.full_like(absorbed, 20.0)
    c = np.full_like(absorbed, 0.85)
    for _ in range(200):
        u, du = renal_excretion_mmol_per_day(p, c * volume, glucose, action)
        f = u - absorbed
        lo = np.where(f < 0, c, lo)
        hi = np.where(f > 0, c, hi)
        c_new = c - f / (du * volume)
        c_new = np.where((c_new <= lo) | (c_new >= hi), 0.5 * (lo + hi), c_new)
        done = np.abs(c_new - c) < 1e-14
        c = c_new
        if bool(np.all(done)):
            break
    return c


def _assemble(
    p: FloatArray, glucose: FloatArray, action: FloatArray, serum: FloatArray
) -> FloatArray:
    ref = p[:, Param.SERUM_MG_REFERENCE.pos]
    rel = serum / ref
    y = np.zeros((p.shape[0], N_STATES))
    icf = p[:, Param.INTRACELLULAR_MG_REFERENCE.pos] * rel
    y[:, State.MG_EXTRACELLULAR.pos] = p[:, Param.ECF_VOLUME.pos] * serum
    y[:, State.MG_INTRACELLULAR.pos] = icf
    y[:, State.MG_BONE_FAST.pos] = p[:, Param.BONE_FAST_MG_REFERENCE.pos] * rel
    y[:, State.MG_BONE_SLOW.pos] = p[:, Param.BONE_SLOW_MG_REFERENCE.pos] * rel
    si = effective_insulin_sensitivity(p, icf)
    sigma = effective_secretion_max(p, icf)
    insulin = action / si
    alpha = p[:, Param.SECRETION_HALF_GLUCOSE_SQ.pos]
    k = p[:, Param.INSULIN_CLEARANCE.pos]
    y[:, State.GLUCOSE.pos] = glucose
    y[:, State.INSULIN.pos] = insulin
    y[:, State.BETA_CELL_MASS.pos] = k * insulin * (alpha + glucose**2) / (sigma * glucose**2)
    y[:, State.HBA1C.pos] = hba1c_equilibrium_percent(p, glucose)
    y[:, State.BETA_SETPOINT.pos] = glucose
    return y


def _insulin_action(p: FloatArray, glucose: FloatArray) -> FloatArray:
    action: FloatArray = (
        p[:, Param.GLUCOSE_PRODUCTION.pos] / glucose - p[:, Param.GLUCOSE_EFFECTIVENESS.pos]
    )
    if np.any(action <= 0):
        raise InvalidInputError(
            field="beta_setpoint_initial_mg_per_dl",
            value=float(np.max(glucose)),
            unit="mg/dL",
            allowed="below glucose production / glucose effectiveness (600 mg/dL by default)",
        )
    return action


def steady_state(parameters: ParameterSet) -> FloatArray:
    """Steady state without supplement, shape ``(n_subjects, N_STATES)``.

    Glucose sits at the β-cell set point; serum Mg makes urinary Mg equal absorbed Mg; the
    exchangeable pools are in equilibrium with serum; insulin and β-cell mass follow.
    Cumulative flux states are zero.
    """
    p = parameters.values
    glucose = p[:, Param.BETA_SETPOINT_INITIAL.pos].copy()
    action = _insulin_action(p, glucose)
    _, absorbed = absorption_mmol_per_day(p, np.zeros(p.shape[0]))
    serum = _serum_for_absorbed(p, absorbed, glucose, action)
    return _assemble(p, glucose, action, serum)


@dataclass(frozen=True, slots=True)
class PersonFit:
    """A person's fitted model.

    Attributes
    ----------
    parameters
        Parameter set with the person's hidden parameters set (one row per draw or subject).
    initial_state
        The steady state that reproduces the labs, shape ``(n, N_STATES)``.
    labs_used
        For each lab: ``"measured"`` (used to fit) or ``"default"`` (reference-adult value).
    fitted
        Hidden parameters that were fitted from labs, with their values (first row).
    warnings
        Values fitted outside their plausible range, in words.
    feasible
        Per row: whether the steady state reproduces the labs exactly (the magnesium balance
        needs less absorption than the cap, and every fitted value lies in its plausible range).
    medicines, medicines_not_modelled
        The person's medicines that act on the model (each a multiplier of renal excretion or
        absorption, with sources), and those that waste Mg without a known effect size.
    mg_balance
        ``"steady_state"`` (absorption equals urinary loss at the measured serum Mg) or
        ``"intake"`` (the recorded intake with the population's absorption; the person gains or
        loses Mg from day 0, see :func:`fit_person`).
    mg_steady_state_possible
        Per row, for a ``"steady_state"`` fit with a measured serum Mg: whether the intake can
        sustain that serum Mg (the urinary loss at that serum Mg is less than the gut can
        absorb from the intake, with an absorption odds ratio inside its plausible range).
        ``False`` means the person is losing Mg (or the diary under-counts):
        :func:`fit_person` with ``mg_balance="intake"`` starts them so. ``None`` when the
        balance was not fitted.
    """

    parameters: ParameterSet
    initial_state: FloatArray
    labs_used: dict[str, str]
    fitted: dict[str, float]
    warnings: tuple[str, ...] = field(default=())
    feasible: NDArray[np.bool_] | None = None
    medicines: tuple[MedicineEffect, ...] = ()
    medicines_not_modelled: tuple[str, ...] = ()
    mg_balance: Literal["steady_state", "intake"] = "steady_state"
    mg_steady_state_possible: NDArray[np.bool_] | None = None

    def model_labs(self) -> dict[str, float]:
        """Labs implied by the fitted steady state (first row), canonical units."""
        y = self.initial_state[0]
        p = self.parameters.values[0]
        g = float(y[State.GLUCOSE.pos])
        ins = float(y[State.INSULIN.pos])
        return {
            "fasting_glucose_mmol_per_l": g / GLUCOSE_MG_PER_DL_PER_MMOL_PER_L,
            "fasting_insulin_uiu_per_ml": ins,
            "serum_mg_mmol_per_l": float(y[State.MG_EXTRACELLULAR.pos] / p[Param.ECF_VOLUME.pos]),
            "homa_ir": float(homa_ir(np.array([g]), np.array([ins]))[0]),
            "hba1c_percent": float(y[State.HBA1C.pos]),
        }


def _check(name: str, value: float | None) -> float | None:
    if value is None:
        return None
    lo, hi, unit = LAB_BOUNDS[name]
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InvalidInputError(
            field=name, value=value, unit=unit, allowed=f"a number in [{lo}, {hi}]"
        ) from None
    if not (np.isfinite(v) and lo <= v <= hi):
        raise InvalidInputError(field=name, value=value, unit=unit, allowed=f"[{lo}, {hi}]")
    return v


def _within_range(
    info: ParameterInfo, values: FloatArray, warnings: list[str], why: str = ""
) -> NDArray[np.bool_]:
    """Per row, whether a fitted value lies in its plausible range; a warning for row 0."""
    inside: NDArray[np.bool_] = (values >= info.lower) & (values <= info.upper)
    if not bool(inside[0]):
        warnings.append(
            f"{info.name.value} = {values[0]:.3g} is outside [{info.lower}, {info.upper}]{why}"
        )
    return inside


def _check_per_row(
    name: str, value: FloatArray, n_rows: int, *, missing_allowed: bool = False
) -> FloatArray:
    """A lab given per parameter row (e.g. drawn from a population), every value checked.

    With ``missing_allowed``, NaN marks a row whose lab was not measured.
    """
    lo, hi, unit = LAB_BOUNDS[name]
    values = np.asarray(value, dtype=float)
    if values.shape != (n_rows,):
        raise InvalidInputError(
            field=name, value=list(values.shape), allowed=f"one value per parameter row ({n_rows})"
        )
    bad = ~(np.isfinite(values) & (values >= lo) & (values <= hi))
    if missing_allowed:
        bad &= ~np.isnan(values)
    if bool(np.any(bad)):
        raise InvalidInputError(
            field=name, value=float(values[bad][0]), unit=unit, allowed=f"[{lo}, {hi}]"
        )
    return values


def _check_scalar_or_rows(
    name: str, value: float | FloatArray | None, n_rows: int, *, missing_allowed: bool = False
) -> tuple[float | None, FloatArray | None]:
    """A lab given once or per parameter row: (first value or None, the rows or None)."""
    if value is not None and np.ndim(value) > 0:
        rows = _check_per_row(name, np.asarray(value), n_rows, missing_allowed=missing_allowed)
        return float(rows[0]), rows
    return _check(name, value), None  # type: ignore[arg-type]


def _rows_or_scalar(scalar: float | None, rows: FloatArray | None) -> float | FloatArray | None:
    return rows if rows is not None else scalar


def _fit_mg_balance(
    params: ParameterSet,
    serum: FloatArray,
    glucose: FloatArray,
    action: FloatArray,
    intake: float | FloatArray | None,
) -> tuple[ParameterSet, dict[str, float], NDArray[np.bool_]]:
    """Make absorbed Mg equal urinary Mg at the measured serum Mg.

    With a measured intake, the person's absorption scale (odds ratio) is fitted. Without one,
    let ``J*`` be the intake that balances at the reference absorption (``A(J*) = U``, a
    quadratic); the effective intake becomes ``default × (J*/default)^κ`` (``κ`` =
    ``deficit_intake_share``) and the absorption scale absorbs the rest, so the balance holds
    exactly either way (``κ = 1``: all intake, ``κ = 0``: all absorption).
    """
    p = params.values
    needed, _ = renal_excretion_mmol_per_day(p, serum * p[:, Param.ECF_VOLUME.pos], glucose, action)
    fitted: dict[str, float] = {}
    if intake is not None and bool(np.any(np.asarray(intake) == 0.0)):
        raise InvalidInputError(
            field="dietary_intake_mg_per_day",
            value=0.0,
            unit="mg/day",
            allowed="> 0 when serum Mg is given",
        )
    if intake is None:
        vmax = p[:, Param.ABSORPTION_VMAX.pos]
        km = p[:, Param.ABSORPTION_KM.pos]
        lin = p[:, Param.ABSORPTION_LINEAR_FRACTION.pos]
        # Balance at the reference absorption (times the medicines' rate factor f):
        # f (Vmax J / (Km + J) + lin J) = U, a quadratic in J.
        target = needed / p[:, Param.ABSORPTION_RATE_FACTOR.pos]
        b = vmax + lin * km - target
        balancing_mmol = (-b + np.sqrt(b * b + 4.0 * lin * target * km)) / (2.0 * lin)
        default_mg = p[:, Param.DIETARY_INTAKE.pos]
        ratio = balancing_mmol * MG_G_PER_MOL / default_mg
        share = p[:, Param.DEFICIT_INTAKE_SHARE.pos]
        new_intake = default_mg * ratio**share
        params = params.replace(**{Param.DIETARY_INTAKE: new_intake})
        fitted[Param.DIETARY_INTAKE.value] = float(new_intake[0])
        p = params.values
    scale = absorption_scale_for(p, needed)
    fitted[Param.ABSORPTION_SCALE.value] = float(scale[0])
    food_mmol = p[:, Param.DIETARY_INTAKE.pos] / MG_G_PER_MOL
    balanced = needed < ABSORBABLE_FRACTION_CAP * food_mmol
    return params.replace(**{Param.ABSORPTION_SCALE: scale}), fitted, balanced


def fit_person(
    *,
    fasting_glucose_mmol_per_l: float | FloatArray | None = None,
    fasting_insulin_uiu_per_ml: float | FloatArray | None = None,
    serum_mg_mmol_per_l: float | FloatArray | None = None,
    egfr_ml_per_min_1_73m2: float | FloatArray | None = None,
    dietary_intake_mg_per_day: float | FloatArray | None = None,
    hba1c_percent: float | FloatArray | None = None,
    base: ParameterSet | None = None,
    serum_mg_source: str = "measured",
    medicines: Iterable[str] = (),
    mg_balance: Literal["steady_state", "intake"] = "steady_state",
    insulin_source: str = "measured",
) -> PersonFit:
    """Fit a person's hidden parameters so the model's steady state matches their labs.

    Parameters
    ----------
    fasting_glucose_mmol_per_l : float, optional
        Fasting plasma glucose (mmol/L). Sets the β-cell glucose set point.
    fasting_insulin_uiu_per_ml : float, optional
        Fasting insulin (µIU/mL). With glucose, sets the person's insulin-sensitivity scale. An
        array gives one value per row of ``base`` (drawn from the population, see
        :func:`mgir.model.population_insulin`).
    serum_mg_mmol_per_l : float, optional
        Serum Mg (mmol/L). Sets the person's Mg balance so that absorption equals urinary loss
        at this serum Mg: with a measured intake the absorption scale is fitted; without one,
        the effective intake and the absorption scale share the adjustment
        (``deficit_intake_share``). An array gives one value per row of ``base`` (serum Mg
        drawn from the person's population, see :func:`mgir.model.population_serum_mg`).
    egfr_ml_per_min_1_73m2 : float, optional
        eGFR (mL/min/1.73 m²), used as the model's GFR.
    dietary_intake_mg_per_day : float, optional
        Dietary Mg intake (mg/day).
    hba1c_percent : float, optional
        HbA1c (NGSP %). Sets the person's offset from the fasting-glucose line
        (``hba1c_offset_percent``: glycation and red-cell age differ between people), so the
        model's HbA1c starts at the measured value and follows glucose from there.
    base : ParameterSet, optional
        Population parameters (default: the calibrated set). Several rows (e.g. uncertainty
        draws) give one fit per row.
    serum_mg_source, insulin_source : str
        What ``labs_used`` reports for a given serum Mg or insulin: ``measured`` (default) or
        ``population`` (from the person's population, not measured).
    medicines : iterable of str
        The person's medicine names. Loop and thiazide diuretics and calcineurin inhibitors
        multiply urinary Mg at a given serum Mg, proton-pump inhibitors the absorbed fraction
        (``medicine_effects.csv``), before the Mg balance is fitted: the same serum Mg then
        needs more absorption (renal wasting) or is explained by poorer absorption rather than
        a low intake (PPI), and a supplement acts accordingly.
    mg_balance : {"steady_state", "intake"}
        ``"steady_state"`` (default): the person's Mg balance is fitted so that the measured
        serum Mg is a steady state. ``"intake"`` (needs a measured serum Mg and intake): the
        person need not be at steady state. Absorption keeps the population's value (times the
        medicines' factors), the Mg pools start in exchange equilibrium with the measured
        serum Mg, and the recorded intake drives the balance from day 0: a person whose diary
        cannot sustain their serum Mg loses Mg and their serum Mg falls towards the intake's
        own steady state. ``fitted`` then holds ``net_mg_balance_mg_per_day`` (absorbed minus
        urinary Mg at day 0) and ``serum_mg_at_intake_steady_state_mmol_per_l``.

    Returns
    -------
    PersonFit
        Parameters, steady state, which labs were used and what was fitted.

    Raises
    ------
    InvalidInputError
        If a lab is outside its accepted range (``LAB_BOUNDS``).

    Notes
    -----
    Missing labs take the reference adult's value (``mgir_reference_adult``): glucose
    5.0 mmol/L, serum Mg from intake at steady state, intake 300 mg/day, eGFR 100.

    Every lab may be an array with one value per row of ``base``: a whole virtual cohort is
    fitted in one vectorised call (``fitted`` and ``warnings`` then describe row 0; use
    ``feasible`` per row). In an HbA1c array, NaN marks a row without the lab (that row keeps
    the population's offset).
    """
    params = base if base is not None else default_parameters()
    glucose_mmol, glucose_rows = _check_scalar_or_rows(
        "fasting_glucose_mmol_per_l", fasting_glucose_mmol_per_l, params.n_subjects
    )
    insulin, insulin_rows = _check_scalar_or_rows(
        "fasting_insulin_uiu_per_ml", fasting_insulin_uiu_per_ml, params.n_subjects
    )
    effects, not_modelled = medicine_effects(medicines)
    if effects:
        factors: dict[str, float] = {}
        for effect in effects:
            factors[effect.parameter.value] = factors.get(effect.parameter.value, 1.0) * (
                effect.factor
            )
        params = params.replace(**factors)
    serum, serum_rows = _check_scalar_or_rows(
        "serum_mg_mmol_per_l", serum_mg_mmol_per_l, params.n_subjects
    )
    egfr, egfr_rows = _check_scalar_or_rows(
        "egfr_ml_per_min_1_73m2", egfr_ml_per_min_1_73m2, params.n_subjects
    )
    intake, intake_rows = _check_scalar_or_rows(
        "dietary_intake_mg_per_day", dietary_intake_mg_per_day, params.n_subjects
    )
    hba1c, hba1c_rows = _check_scalar_or_rows(
        "hba1c_percent", hba1c_percent, params.n_subjects, missing_allowed=True
    )
    if hba1c_rows is not None and bool(np.all(np.isnan(hba1c_rows))):
        hba1c, hba1c_rows = None, None
    if mg_balance not in ("steady_state", "intake"):
        raise InvalidInputError(
            field="mg_balance", value=mg_balance, allowed="steady_state or intake"
        )
    if mg_balance == "intake" and (
        serum is None or intake is None or bool(np.any(_rows_or_scalar(intake, intake_rows) == 0.0))
    ):
        raise InvalidInputError(
            field="mg_balance",
            value=mg_balance,
            allowed="intake only with a measured serum Mg and a dietary intake above 0 mg/day",
        )
    info = parameter_info()
    used = {
        "fasting_glucose_mmol_per_l": "measured" if glucose_mmol is not None else "default",
        "fasting_insulin_uiu_per_ml": insulin_source if insulin is not None else "default",
        "serum_mg_mmol_per_l": serum_mg_source if serum is not None else "default",
        "egfr_ml_per_min_1_73m2": "measured" if egfr is not None else "default",
        "dietary_intake_mg_per_day": "measured" if intake is not None else "default",
        "hba1c_percent": "measured" if hba1c is not None else "default",
    }
    changes: dict[str, float | FloatArray] = {}
    fitted: dict[str, float] = {}
    feasible = np.ones(params.n_subjects, dtype=bool)
    if glucose_mmol is not None:
        glucose_v = _rows_or_scalar(glucose_mmol, glucose_rows)
        assert glucose_v is not None
        changes[Param.BETA_SETPOINT_INITIAL] = glucose_v * GLUCOSE_MG_PER_DL_PER_MMOL_PER_L
        fitted[Param.BETA_SETPOINT_INITIAL.value] = glucose_mmol * GLUCOSE_MG_PER_DL_PER_MMOL_PER_L
    if egfr is not None:
        changes[Param.EGFR] = _rows_or_scalar(egfr, egfr_rows)  # type: ignore[assignment]
    if intake is not None:
        changes[Param.DIETARY_INTAKE] = _rows_or_scalar(intake, intake_rows)  # type: ignore[assignment]
    params = params.replace(**changes)
    p = params.values
    glucose = p[:, Param.BETA_SETPOINT_INITIAL.pos].copy()
    action = _insulin_action(p, glucose)
    warnings: list[str] = []
    mg_possible: NDArray[np.bool_] | None = None
    if serum is None:
        _, absorbed = absorption_mmol_per_day(p, np.zeros(p.shape[0]))
        serum_arr = _serum_for_absorbed(p, absorbed, glucose, action)
    elif mg_balance == "intake":
        serum_arr = serum_rows if serum_rows is not None else np.full(p.shape[0], serum)
        _, absorbed = absorption_mmol_per_day(p, np.zeros(p.shape[0]))
        urinary, _ = renal_excretion_mmol_per_day(
            p, serum_arr * p[:, Param.ECF_VOLUME.pos], glucose, action
        )
        fitted["net_mg_balance_mg_per_day"] = float((absorbed[0] - urinary[0]) * MG_G_PER_MOL)
        fitted["serum_mg_at_intake_steady_state_mmol_per_l"] = float(
            _serum_for_absorbed(p, absorbed, glucose, action)[0]
        )
    else:
        serum_arr = serum_rows if serum_rows is not None else np.full(p.shape[0], serum)
        params, mg_fitted, balanced = _fit_mg_balance(
            params, serum_arr, glucose, action, _rows_or_scalar(intake, intake_rows)
        )
        feasible &= balanced
        if not balanced[0]:
            warnings.append(
                f"the measured serum Mg {serum:.2f} mmol/L cannot be a steady state at this "
                "intake: the kidney would lose more than the gut can absorb (the person is "
                "losing magnesium, or the diary under-counts intake)"
            )
        fitted.update(mg_fitted)
        for key, value in mg_fitted.items():
            name = Param(key)
            if not info[name].lower <= value <= info[name].upper:
                warnings.append(
                    f"{key} = {value:.3g} is outside its plausible range "
                    f"[{info[name].lower}, {info[name].upper}] {info[name].unit}"
                )
        p = params.values
        # The intake cannot sustain the serum Mg when the gut would have to absorb more than it
        # can (the cap) or absorb it with odds above the plausible range.
        mg_possible = balanced & (
            params.values[:, Param.ABSORPTION_SCALE.pos] <= info[Param.ABSORPTION_SCALE].upper
        )
        for name in (Param.ABSORPTION_SCALE, Param.DIETARY_INTAKE):
            values = p[:, name.pos]
            feasible &= (values >= info[name].lower) & (values <= info[name].upper)
    y0 = _assemble(p, glucose, action, serum_arr)
    if insulin is not None:
        # S_I needed = action / insulin; scale the person's sensitivity to reach it.
        icf = y0[:, State.MG_INTRACELLULAR.pos]
        si_now = effective_insulin_sensitivity(p, icf)
        insulin_arr = insulin_rows if insulin_rows is not None else np.full(p.shape[0], insulin)
        scale_si = p[:, Param.INSULIN_SENSITIVITY_SCALE.pos] * (action / insulin_arr) / si_now
        params = params.replace(**{Param.INSULIN_SENSITIVITY_SCALE: scale_si})
        fitted[Param.INSULIN_SENSITIVITY_SCALE.value] = float(scale_si[0])
        y0 = _assemble(params.values, glucose, action, serum_arr)
        feasible &= _within_range(info[Param.INSULIN_SENSITIVITY_SCALE], scale_si, warnings)
    if hba1c is not None:
        current = params.values[:, Param.HBA1C_OFFSET.pos]
        line = hba1c_equilibrium_percent(params.values, glucose) - current
        hba1c_v = np.broadcast_to(
            np.asarray(_rows_or_scalar(hba1c, hba1c_rows), dtype=float), current.shape
        )
        measured = ~np.isnan(hba1c_v)
        offset = np.where(measured, hba1c_v - line, current)
        params = params.replace(**{Param.HBA1C_OFFSET: offset})
        if bool(measured[0]):
            fitted[Param.HBA1C_OFFSET.value] = float(offset[0])
        y0[:, State.HBA1C.pos] = np.where(measured, hba1c_v, y0[:, State.HBA1C.pos])
        feasible &= _within_range(
            info[Param.HBA1C_OFFSET],
            offset,
            warnings,
            why=f": HbA1c {hba1c:.1f} % is far from what the fasting glucose implies",
        )
    return PersonFit(
        parameters=ParameterSet(params.values, label="person"),
        initial_state=y0,
        labs_used=used,
        fitted=fitted,
        warnings=tuple(warnings),
        feasible=feasible,
        medicines=effects,
        medicines_not_modelled=not_modelled,
        mg_balance=mg_balance,
        mg_steady_state_possible=mg_possible,
    )


def fit_person_or_reason(**labs: Any) -> PersonFit | str:
    """:func:`fit_person` for one member of a survey sample: the fit, or why it cannot be made.

    Returns the reason (the input error's message, or the fit's warnings when it is not
    feasible) instead of raising, so that a cohort can list whom it leaves out and why.
    """
    try:
        fit = fit_person(**labs)
    except ValueError as error:
        return str(error)
    if fit.feasible is not None and not bool(fit.feasible[0]):
        return "; ".join(fit.warnings)
    return fit
