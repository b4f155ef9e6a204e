"""SBML Level 3 export of the full model (python-libsbml, optional extra ``sbml``).

All states become non-constant global parameters with rate rules, intermediate quantities
become assignment rules, and every model parameter becomes a constant global parameter with
its value for one subject. A constant supplement regimen can be baked in. The exported model is
the full ODE (glucose and insulin integrated, not at quasi-steady state), i.e. the system the
stiff reference solver integrates.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from mgir._errors import InvalidInputError
from mgir.model._equations import GLUCOSE_MG_PER_DL_PER_MMOL_PER_L, LITRES_PER_DAY_PER_ML_PER_MIN
from mgir.model._inputs import Regimen
from mgir.model._parameters import Param, ParameterSet, default_parameters
from mgir.model._simulate import MODEL_VERSION
from mgir.model._states import State
from mgir.model._steady_state import steady_state
from mgir.reference import MG_G_PER_MOL

__all__ = ["export_sbml"]

_P = {p: p.value for p in Param}

_ASSIGNMENTS: tuple[tuple[str, str], ...] = (
    ("serum_mg", f"{State.MG_EXTRACELLULAR.value} / {_P[Param.ECF_VOLUME]}"),
    ("x_icf", f"{State.MG_INTRACELLULAR.value} / {_P[Param.INTRACELLULAR_MG_REFERENCE]}"),
    ("kh", f"{_P[Param.SI_MG_HALF_SATURATION]}^{_P[Param.SI_MG_HILL]}"),
    (
        "si_eff",
        f"{_P[Param.INSULIN_SENSITIVITY]} * {_P[Param.INSULIN_SENSITIVITY_SCALE]} * "
        f"(1 + kh) * x_icf^{_P[Param.SI_MG_HILL]} / (kh + x_icf^{_P[Param.SI_MG_HILL]})",
    ),
    (
        "sigma_eff",
        f"{_P[Param.SECRETION_MAX]} * max(1 + {_P[Param.BETA_MG_COUPLING]} * (x_icf - 1), 0)",
    ),
    (
        "plasticity",
        f"{_P[Param.BETA_PLASTICITY]} * exp(-max({_P[Param.BETA_SETPOINT_GLUCOSE]} "
        f"- 100, 0) / {_P[Param.BETA_PLASTICITY_GLUCOSE_SCALE]})",
    ),
    (
        "beta_growth",
        f"plasticity * {_P[Param.BETA_GROWTH_CURVATURE]} * "
        f"({State.GLUCOSE.value} - {_P[Param.BETA_SETPOINT_GLUCOSE]}) * "
        f"({_P[Param.BETA_SETPOINT_GLUCOSE]} + {_P[Param.BETA_SETPOINT_SPAN]} - "
        f"{State.GLUCOSE.value})",
    ),
    ("food_mmol", f"{_P[Param.DIETARY_INTAKE]} / mg_molar_mass"),
    ("j_access", "food_mmol + supplement_accessible_mmol_per_day"),
    (
        "phi0",
        f"min({_P[Param.ABSORPTION_VMAX]} / ({_P[Param.ABSORPTION_KM]} + j_access) + "
        f"{_P[Param.ABSORPTION_LINEAR_FRACTION]}, 0.999)",
    ),
    (
        "absorbed",
        f"j_access * {_P[Param.ABSORPTION_SCALE]} * phi0 / "
        f"(1 + ({_P[Param.ABSORPTION_SCALE]} - 1) * phi0)",
    ),
    ("intake", "food_mmol + supplement_mmol_per_day"),
    ("g_mmol", f"{State.GLUCOSE.value} / glucose_mg_per_dl_per_mmol_per_l"),
    (
        "threshold_shift",
        f"{_P[Param.GLUCOSE_THRESHOLD_SHIFT]} * "
        f"{_P[Param.GLUCOSE_EXCRETION_SMOOTHING]} * ln(1 + exp((g_mmol - "
        f"{_P[Param.GLUCOSE_EXCRETION_ONSET]}) / "
        f"{_P[Param.GLUCOSE_EXCRETION_SMOOTHING]}))",
    ),
    (
        "z_renal",
        f"(serum_mg - {_P[Param.RENAL_THRESHOLD]} + threshold_shift) / "
        f"{_P[Param.RENAL_THRESHOLD_SMOOTHING]}",
    ),
    (
        "m_action",
        f"(max(si_eff * {State.INSULIN.value}, 1e-9) / "
        f"{_P[Param.INSULIN_ACTION_REFERENCE]})^(-"
        f"{_P[Param.INSULIN_ACTION_EXCRETION_EXPONENT]})",
    ),
    (
        "urine",
        f"{_P[Param.EGFR]} * l_per_day_per_ml_per_min * {_P[Param.FILTERABLE_FRACTION]} "
        f"* m_action * ({_P[Param.FE_BELOW_THRESHOLD]} * serum_mg + "
        f"{_P[Param.RENAL_THRESHOLD_SMOOTHING]} * ln(1 + exp(z_renal)))",
    ),
    ("e_ref", f"{_P[Param.ECF_VOLUME]} * {_P[Param.SERUM_MG_REFERENCE]}"),
    (
        "to_icf",
        f"{_P[Param.INTRACELLULAR_EFFLUX]} * ({_P[Param.INTRACELLULAR_MG_REFERENCE]} / "
        f"e_ref * {State.MG_EXTRACELLULAR.value} - {State.MG_INTRACELLULAR.value})",
    ),
    (
        "to_bone_fast",
        f"{_P[Param.BONE_FAST_RELEASE]} * ({_P[Param.BONE_FAST_MG_REFERENCE]} / "
        f"e_ref * {State.MG_EXTRACELLULAR.value} - {State.MG_BONE_FAST.value})",
    ),
    (
        "to_bone_slow",
        f"{_P[Param.BONE_SLOW_RELEASE]} * ({_P[Param.BONE_SLOW_MG_REFERENCE]} / "
        f"{_P[Param.BONE_FAST_MG_REFERENCE]} * {State.MG_BONE_FAST.value} - "
        f"{State.MG_BONE_SLOW.value})",
    ),
)

_RATES: dict[State, str] = {
    State.GLUCOSE: f"{_P[Param.GLUCOSE_PRODUCTION]} - ({_P[Param.GLUCOSE_EFFECTIVENESS]} + "
    f"si_eff * {State.INSULIN.value}) * {State.GLUCOSE.value}",
    State.INSULIN: f"{State.BETA_CELL_MASS.value} * sigma_eff * {State.GLUCOSE.value}^2 / "
    f"({_P[Param.SECRETION_HALF_GLUCOSE_SQ]} + {State.GLUCOSE.value}^2) - "
    f"{_P[Param.INSULIN_CLEARANCE]} * {State.INSULIN.value}",
    State.BETA_CELL_MASS: f"beta_growth * {State.BETA_CELL_MASS.value}",
    State.MG_EXTRACELLULAR: "absorbed - urine - to_icf - to_bone_fast",
    State.MG_INTRACELLULAR: "to_icf",
    State.MG_BONE_FAST: "to_bone_fast - to_bone_slow",
    State.MG_BONE_SLOW: "to_bone_slow",
    State.CUMULATIVE_INTAKE: "intake",
    State.CUMULATIVE_ABSORBED: "absorbed",
    State.CUMULATIVE_FAECAL: "intake - absorbed",
    State.CUMULATIVE_URINARY: "urine",
}


def _check(code: int, what: str) -> None:
    import libsbml  # noqa: PLC0415 - optional dependency

    if code != libsbml.LIBSBML_OPERATION_SUCCESS:
        reason = libsbml.OperationReturnValue_toString(code)
        raise RuntimeError(f"libsbml failed to {what}: {reason}")


def _add_parameter(model: Any, pid: str, value: float, *, constant: bool) -> None:
    par = model.createParameter()
    _check(par.setId(pid), f"set id {pid}")
    _check(par.setValue(float(value)), f"set value of {pid}")
    _check(par.setConstant(constant), f"set constant of {pid}")


def _add_rule(model: Any, kind: str, variable: str, formula: str) -> None:
    import libsbml  # noqa: PLC0415

    math = libsbml.parseL3Formula(formula)
    if math is None:
        raise RuntimeError(f"cannot parse {variable}: {libsbml.getLastParseL3Error()}")
    rule = model.createRateRule() if kind == "rate" else model.createAssignmentRule()
    _check(rule.setVariable(variable), f"set rule variable {variable}")
    _check(rule.setMath(math), f"set rule math of {variable}")


def export_sbml(
    path: str | Path | None = None,
    *,
    parameters: ParameterSet | None = None,
    initial_state: np.ndarray[Any, np.dtype[np.float64]] | None = None,
    regimen: Regimen | None = None,
) -> str:
    """Export the model as SBML Level 3 Version 2 for one subject.

    Parameters
    ----------
    path : str or Path, optional
        Where to write the file; the SBML text is returned either way.
    parameters : ParameterSet, optional
        First row is exported (default: the calibrated reference adult).
    initial_state : ndarray, optional
        Initial state of that subject (default: its steady state).
    regimen : Regimen, optional
        A constant regimen (one dose level from day 0) to bake in as parameters
        ``supplement_mmol_per_day`` and ``supplement_accessible_mmol_per_day``.

    Returns
    -------
    str
        The SBML document. Time is in days; quantities are in the units of their names.

    Raises
    ------
    InvalidInputError
        If the regimen is not constant from day 0.
    ImportError
        If python-libsbml is not installed (``pip install mgir[sbml]``).
    """
    import libsbml  # noqa: PLC0415 - optional dependency

    params = parameters if parameters is not None else default_parameters()
    p1 = params.subset(slice(0, 1))
    y0 = steady_state(p1)[0] if initial_state is None else np.asarray(initial_state).reshape(-1)
    regimen = regimen if regimen is not None else Regimen.none()
    if regimen.breakpoints() not in ((), (0.0,)):
        raise InvalidInputError(
            field="regimen",
            value=regimen.describe(),
            allowed="a constant regimen starting at day 0 for SBML export",
        )
    supp, acc = regimen.take(slice(0, 1)).supplement_mmol_per_day(0.0, 1)
    doc = libsbml.SBMLDocument(3, 2)
    model = doc.createModel()
    _check(model.setId("mgir_magnesium_insulin_glucose"), "set model id")
    _check(model.setName(f"mgir magnesium-insulin-glucose model {MODEL_VERSION}"), "set name")
    for p in Param:
        _add_parameter(model, p.value, float(p1.values[0, p.pos]), constant=True)
    _add_parameter(model, "mg_molar_mass", MG_G_PER_MOL, constant=True)
    _add_parameter(
        model, "glucose_mg_per_dl_per_mmol_per_l", GLUCOSE_MG_PER_DL_PER_MMOL_PER_L, constant=True
    )
    _add_parameter(model, "l_per_day_per_ml_per_min", LITRES_PER_DAY_PER_ML_PER_MIN, constant=True)
    _add_parameter(model, "supplement_mmol_per_day", float(supp[0]), constant=True)
    _add_parameter(model, "supplement_accessible_mmol_per_day", float(acc[0]), constant=True)
    for s in State:
        _add_parameter(model, s.value, float(y0[s.pos]), constant=False)
    for name, _ in _ASSIGNMENTS:
        _add_parameter(model, name, 0.0, constant=False)
    for name, formula in _ASSIGNMENTS:
        _add_rule(model, "assignment", name, formula)
    for s in State:
        _add_rule(model, "rate", s.value, _RATES[s])
    if doc.checkInternalConsistency() > 0 and doc.getNumErrors(libsbml.LIBSBML_SEV_ERROR) > 0:
        raise RuntimeError(doc.getErrorLog().toString())
    text: str = libsbml.writeSBMLToString(doc)
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text
