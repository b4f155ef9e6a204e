"""The model, defined once: quantities, reactions and rate rules as symbolic expressions.

Everything the model computes is written here once, as SymPy expressions over the named states
(:class:`~mgir.model.State`), parameters (:class:`~mgir.model.Param`), the supplement inputs and
a few named constants, each with its unit. From this one definition mgir derives

- the full right-hand side the stiff reference solver integrates (:func:`rhs`, compiled with
  ``sympy.lambdify``, vectorised over subjects),
- the SBML export: Mg pools as species in compartments, Mg fluxes as reactions with kinetic
  laws, the glucose–insulin–β-cell core as rate rules, every quantity with its unit
  (:mod:`mgir.model._sbml`),
- the model reference page (``docs/model-reference.md``).

The fast quasi-steady-state solver and the closed-form steady state use hand-vectorised copies
of the same fluxes (:mod:`mgir.model._equations`) for speed; a property test checks that they
agree with this definition at random states and parameters.

References
----------
Glucose–insulin–β-cell core: Topp et al. 2000 (``topp2000_big_model``). Mg balance: saturable +
linear absorption (Fine 1991), exchanging pools sized by isotope data, threshold-like renal
excretion lowered by hyperglycaemia and by insulin action. See ``docs/model.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Final

import numpy as np
import sympy as sp
from numpy.typing import NDArray

from mgir.model._parameters import Param
from mgir.model._states import N_STATES, State
from mgir.reference import MG_G_PER_MOL
from mgir.units import analyte, convert

__all__ = [
    "CONSTANTS",
    "INPUTS",
    "QUANTITIES",
    "RATE_RULES",
    "REACTIONS",
    "SPECIES_COMPARTMENT",
    "Constant",
    "Input",
    "Quantity",
    "Reaction",
    "positive_part",
    "rhs",
    "softplus",
    "state_derivatives",
]

FloatArray = NDArray[np.float64]


class softplus(sp.Function):  # type: ignore[misc]  # noqa: N801 - printed by name
    """``ln(1 + exp(z))``, the smooth threshold of the renal and glucose terms."""

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        """``d softplus(z)/dz = 1 / (1 + exp(-z))`` (for the compiled solver's Jacobian)."""
        return 1 / (1 + sp.exp(-self.args[0]))


class positive_part(sp.Function):  # type: ignore[misc]  # noqa: N801
    """``max(z, 0)``, written ``(z + |z|)/2`` in SBML so that units check."""

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        """``d max(z, 0)/dz``: 1 above 0, else 0."""
        return sp.Heaviside(self.args[0], 0)


@dataclass(frozen=True, slots=True)
class Constant:
    """A named number the equations use (a unit conversion or a fixed model choice)."""

    name: str
    value: float
    unit: str
    description: str


@dataclass(frozen=True, slots=True)
class Input:
    """An externally imposed, piecewise-constant input (the supplement regimen)."""

    name: str
    unit: str
    description: str


@dataclass(frozen=True, slots=True)
class Quantity:
    """An intermediate quantity: a named expression with its unit."""

    name: str
    unit: str
    expression: sp.Expr
    description: str


@dataclass(frozen=True, slots=True)
class Reaction:
    """A Mg flux between pools (mmol/day); an empty side is the outside world."""

    name: str
    reactants: tuple[State, ...]
    products: tuple[State, ...]
    rate: sp.Expr
    reversible: bool
    description: str


def _symbol(name: str) -> sp.Symbol:
    return sp.Symbol(name, real=True)


P: Final[Mapping[Param, sp.Symbol]] = {p: _symbol(p.value) for p in Param}
Y: Final[Mapping[State, sp.Symbol]] = {s: _symbol(s.value) for s in State}

INPUTS: Final[tuple[Input, ...]] = (
    Input("supplement_mmol_per_day", "mmol/day", "Elemental supplement Mg taken"),
    Input(
        "supplement_accessible_mmol_per_day",
        "mmol/day",
        "Supplement Mg times the salt's relative bioaccessibility",
    ),
)
U: Final[Mapping[str, sp.Symbol]] = {i.name: _symbol(i.name) for i in INPUTS}

CONSTANTS: Final[tuple[Constant, ...]] = (
    Constant("mg_molar_mass_mg_per_mmol", MG_G_PER_MOL, "mg/mmol", "Molar mass of Mg"),
    Constant(
        "glucose_mg_per_dl_per_mmol_per_l",
        convert(analyte("fasting_glucose"), 1.0, "mmol/L", "mg/dL"),
        "mg/dL/(mmol/L)",
        "Glucose unit conversion (molar mass 180.156 g/mol)",
    ),
    Constant(
        "litres_per_day_per_ml_per_min",
        1.44,
        "dimensionless",
        "1 mL/min = 1.44 L/day (1440 min/day / 1000 mL/L)",
    ),
    Constant(
        "topp_setpoint_glucose_mg_per_dl",
        100.0,
        "mg/dL",
        "Topp 2000's healthy fixed point; beta-cell plasticity decays above it",
    ),
    Constant(
        "reference_absorbed_fraction_cap",
        0.999,
        "dimensionless",
        "Guard for parameter sets whose reference absorbed fraction would reach 1",
    ),
    Constant(
        "insulin_action_floor_per_day",
        1e-9,
        "1/day",
        "Floor of insulin action in the excretion factor (keeps the power finite)",
    ),
)
K: Final[Mapping[str, sp.Symbol]] = {c.name: _symbol(c.name) for c in CONSTANTS}


def _build() -> tuple[tuple[Quantity, ...], Mapping[str, sp.Symbol]]:
    q: list[Quantity] = []
    s: dict[str, sp.Symbol] = {}

    def add(name: str, unit: str, expression: sp.Expr, description: str) -> sp.Symbol:
        q.append(Quantity(name, unit, expression, description))
        s[name] = _symbol(name)
        return s[name]

    serum = add(
        "serum_mg_mmol_per_l",
        "mmol/L",
        Y[State.MG_EXTRACELLULAR] / P[Param.ECF_VOLUME],
        "Serum Mg: extracellular pool over its distribution volume",
    )
    x_icf = add(
        "relative_intracellular_mg",
        "dimensionless",
        positive_part(Y[State.MG_INTRACELLULAR] / P[Param.INTRACELLULAR_MG_REFERENCE]),
        "Intracellular Mg relative to the reference pool",
    )
    hill = P[Param.SI_MG_HILL]
    kh = P[Param.SI_MG_HALF_SATURATION] ** hill
    si = add(
        "insulin_sensitivity_effective_ml_per_uiu_day",
        "mL/uIU/day",
        P[Param.INSULIN_SENSITIVITY]
        * P[Param.INSULIN_SENSITIVITY_SCALE]
        * (1 + kh)
        * x_icf**hill
        / (kh + x_icf**hill),
        "Insulin sensitivity S_I modulated by intracellular Mg (Hill factor, 1 at reference)",
    )
    add(
        "insulin_secretion_max_effective_uiu_per_ml_mg_day",
        "uIU/mL/mg/day",
        P[Param.SECRETION_MAX] * positive_part(1 + P[Param.BETA_MG_COUPLING] * (x_icf - 1)),
        "Secretion capacity sigma modulated by intracellular Mg",
    )
    setpoint = Y[State.BETA_SETPOINT]
    plasticity = add(
        "beta_plasticity_effective",
        "dimensionless",
        P[Param.BETA_PLASTICITY]
        * sp.exp(
            -positive_part(P[Param.BETA_SETPOINT_INITIAL] - K["topp_setpoint_glucose_mg_per_dl"])
            / P[Param.BETA_PLASTICITY_GLUCOSE_SCALE]
        ),
        "Beta-cell plasticity, weaker in a person whose set point was above 100 mg/dL at the fit",
    )
    glucose = Y[State.GLUCOSE]
    add(
        "beta_growth_rate_per_day",
        "1/day",
        plasticity
        * P[Param.BETA_GROWTH_CURVATURE]
        * (glucose - setpoint)
        * (setpoint + P[Param.BETA_SETPOINT_SPAN] - glucose),
        "Net beta-cell growth rate (Topp 2000 with a person-specific set point)",
    )
    resistance = add(
        "relative_insulin_resistance",
        "dimensionless",
        P[Param.INSULIN_SENSITIVITY] / si,
        "Reference insulin sensitivity over the person's effective one (Mg-dependent)",
    )
    add(
        "beta_setpoint_drift_mg_per_dl_per_day",
        "mg/dL/day",
        P[Param.PROGRESSION_RATE]
        * positive_part(glucose - P[Param.PROGRESSION_GLUCOSE_THRESHOLD])
        * resistance,
        "Rise of the beta-cell set point: glucotoxicity times insulin resistance (progression)",
    )
    food = add(
        "food_mg_mmol_per_day",
        "mmol/day",
        P[Param.DIETARY_INTAKE] / K["mg_molar_mass_mg_per_mmol"],
        "Dietary Mg intake",
    )
    accessible = add(
        "accessible_mg_mmol_per_day",
        "mmol/day",
        food + U["supplement_accessible_mmol_per_day"],
        "Mg presented to absorption: food plus bioaccessible supplement",
    )
    raw_fraction = P[Param.ABSORPTION_RATE_FACTOR] * (
        P[Param.ABSORPTION_VMAX] / (P[Param.ABSORPTION_KM] + accessible)
        + P[Param.ABSORPTION_LINEAR_FRACTION]
    )
    phi0 = add(
        "reference_absorbed_fraction",
        "dimensionless",
        raw_fraction - positive_part(raw_fraction - K["reference_absorbed_fraction_cap"]),
        "Saturable + linear absorbed fraction of the reference adult (Fine 1991 shape)",
    )
    scale = P[Param.ABSORPTION_SCALE]
    add(
        "absorbed_mg_mmol_per_day",
        "mmol/day",
        accessible * scale * phi0 / (1 + (scale - 1) * phi0),
        "Net absorbed Mg (the person's absorption scale multiplies the odds of absorption)",
    )
    add(
        "ingested_mg_mmol_per_day",
        "mmol/day",
        food + U["supplement_mmol_per_day"],
        "Mg ingested: food plus supplement",
    )
    glucose_mmol = add(
        "glucose_mmol_per_l",
        "mmol/L",
        glucose / K["glucose_mg_per_dl_per_mmol_per_l"],
        "Fasting glucose in mmol/L",
    )
    wg = P[Param.GLUCOSE_EXCRETION_SMOOTHING]
    shift = add(
        "renal_threshold_shift_mmol_per_l",
        "mmol/L",
        P[Param.GLUCOSE_THRESHOLD_SHIFT]
        * wg
        * softplus((glucose_mmol - P[Param.GLUCOSE_EXCRETION_ONSET]) / wg),
        "Fall of the renal Mg threshold with hyperglycaemia",
    )
    action = add(
        "insulin_action_per_day",
        "1/day",
        si * Y[State.INSULIN],
        "Insulin action S_I x I",
    )
    floor = K["insulin_action_floor_per_day"]
    excretion_factor = add(
        "insulin_action_excretion_factor",
        "dimensionless",
        ((floor + positive_part(action - floor)) / P[Param.INSULIN_ACTION_REFERENCE])
        ** (-P[Param.INSULIN_ACTION_EXCRETION_EXPONENT]),
        "Lowering of urinary Mg by insulin action (TRPM6)",
    )
    w = P[Param.RENAL_THRESHOLD_SMOOTHING]
    add(
        "urinary_mg_mmol_per_day",
        "mmol/day",
        P[Param.EGFR]
        * K["litres_per_day_per_ml_per_min"]
        * P[Param.FILTERABLE_FRACTION]
        * excretion_factor
        * P[Param.RENAL_EXCRETION_FACTOR]
        * (
            P[Param.FE_BELOW_THRESHOLD] * serum
            + w * softplus((serum - P[Param.RENAL_THRESHOLD] + shift) / w)
        ),
        "Urinary Mg: filtered load through a smooth tubular-maximum threshold",
    )
    add(
        "hba1c_equilibrium_percent",
        "percent",
        P[Param.HBA1C_FPG_INTERCEPT]
        + P[Param.HBA1C_FPG_SLOPE] * glucose_mmol
        + P[Param.HBA1C_OFFSET],
        "HbA1c that a steady fasting glucose would reach (Hong 2016 line + person's offset)",
    )
    add(
        "extracellular_mg_reference_mmol",
        "mmol",
        P[Param.ECF_VOLUME] * P[Param.SERUM_MG_REFERENCE],
        "Extracellular Mg at the reference serum Mg",
    )
    return tuple(q), s


QUANTITIES, _Q = _build()
"""Intermediate quantities, in evaluation order (each uses only earlier ones)."""

_E_REF = _Q["extracellular_mg_reference_mmol"]
_SERUM = _Q["serum_mg_mmol_per_l"]

REACTIONS: Final[tuple[Reaction, ...]] = (
    Reaction(
        "intestinal_absorption",
        (),
        (State.MG_EXTRACELLULAR, State.CUMULATIVE_ABSORBED),
        _Q["absorbed_mg_mmol_per_day"],
        False,
        "Absorbed Mg enters the extracellular pool (and its running total)",
    ),
    Reaction(
        "ingestion",
        (),
        (State.CUMULATIVE_INTAKE,),
        _Q["ingested_mg_mmol_per_day"],
        False,
        "Running total of Mg ingested",
    ),
    Reaction(
        "faecal_loss",
        (),
        (State.CUMULATIVE_FAECAL,),
        _Q["ingested_mg_mmol_per_day"] - _Q["absorbed_mg_mmol_per_day"],
        False,
        "Running total of Mg not absorbed",
    ),
    Reaction(
        "urinary_excretion",
        (State.MG_EXTRACELLULAR,),
        (State.CUMULATIVE_URINARY,),
        _Q["urinary_mg_mmol_per_day"],
        False,
        "Renal excretion from the extracellular pool",
    ),
    Reaction(
        "intracellular_exchange",
        (State.MG_EXTRACELLULAR,),
        (State.MG_INTRACELLULAR,),
        P[Param.INTRACELLULAR_EFFLUX]
        * (
            P[Param.INTRACELLULAR_MG_REFERENCE] / _E_REF * Y[State.MG_EXTRACELLULAR]
            - Y[State.MG_INTRACELLULAR]
        ),
        True,
        "First-order exchange with the intracellular pool (equilibrium at the reference)",
    ),
    Reaction(
        "bone_fast_exchange",
        (State.MG_EXTRACELLULAR,),
        (State.MG_BONE_FAST,),
        P[Param.BONE_FAST_RELEASE]
        * (
            P[Param.BONE_FAST_MG_REFERENCE] / _E_REF * Y[State.MG_EXTRACELLULAR]
            - Y[State.MG_BONE_FAST]
        ),
        True,
        "First-order exchange with surface bone",
    ),
    Reaction(
        "bone_slow_exchange",
        (State.MG_BONE_FAST,),
        (State.MG_BONE_SLOW,),
        P[Param.BONE_SLOW_RELEASE]
        * (
            P[Param.BONE_SLOW_MG_REFERENCE]
            / P[Param.BONE_FAST_MG_REFERENCE]
            * Y[State.MG_BONE_FAST]
            - Y[State.MG_BONE_SLOW]
        ),
        True,
        "Slow exchange between surface and deep bone",
    ),
)
"""Mg fluxes in mmol/day."""

_GLUCOSE, _INSULIN, _BETA = Y[State.GLUCOSE], Y[State.INSULIN], Y[State.BETA_CELL_MASS]

RATE_RULES: Final[Mapping[State, sp.Expr]] = {
    State.GLUCOSE: P[Param.GLUCOSE_PRODUCTION]
    - (P[Param.GLUCOSE_EFFECTIVENESS] + _Q["insulin_action_per_day"]) * _GLUCOSE,
    State.INSULIN: _BETA
    * _Q["insulin_secretion_max_effective_uiu_per_ml_mg_day"]
    * _GLUCOSE**2
    / (P[Param.SECRETION_HALF_GLUCOSE_SQ] + _GLUCOSE**2)
    - P[Param.INSULIN_CLEARANCE] * _INSULIN,
    State.BETA_CELL_MASS: _Q["beta_growth_rate_per_day"] * _BETA,
    State.BETA_SETPOINT: _Q["beta_setpoint_drift_mg_per_dl_per_day"],
    State.HBA1C: sp.log(2)
    / P[Param.HBA1C_HALF_TIME]
    * (_Q["hba1c_equilibrium_percent"] - Y[State.HBA1C]),
}
"""Glucose (mg/dL/day), insulin (µIU/mL/day) and β-cell mass (mg/day): Topp 2000 dynamics
around the β-cell set point, which rises (mg/dL/day) in proportion to fasting glucose above the
progression threshold times relative insulin resistance: slow β-cell failure under
glucotoxicity and insulin resistance (the Ha–Sherman 2016 picture), so lower Mg, through lower
insulin sensitivity, speeds progression to diabetes. HbA1c (%/day) relaxes first-order towards
the level of the current fasting glucose (Tahara & Shima 1995)."""

SPECIES_COMPARTMENT: Final[Mapping[State, str]] = {
    State.MG_EXTRACELLULAR: "extracellular",
    State.MG_INTRACELLULAR: "intracellular",
    State.MG_BONE_FAST: "bone",
    State.MG_BONE_SLOW: "bone",
    State.CUMULATIVE_INTAKE: "ingested",
    State.CUMULATIVE_ABSORBED: "absorbed",
    State.CUMULATIVE_FAECAL: "faeces",
    State.CUMULATIVE_URINARY: "urine",
}
"""Compartment of every Mg species (amounts in mmol); the others are rate-rule states."""


def state_derivatives() -> dict[State, sp.Expr]:
    """``dy/dt`` of every state as an expression over states, parameters, inputs, quantities."""
    out: dict[State, sp.Expr] = {s: sp.Integer(0) for s in State}
    for reaction in REACTIONS:
        for s in reaction.reactants:
            out[s] -= reaction.rate
        for s in reaction.products:
            out[s] += reaction.rate
    out.update(RATE_RULES)
    return out


def _substituted(expression: sp.Expr) -> sp.Expr:
    """Replace quantity symbols by their definitions (latest first) and constants by values."""
    for quantity in reversed(QUANTITIES):
        expression = expression.subs(_Q[quantity.name], quantity.expression)
    return expression.subs({K[c.name]: c.value for c in CONSTANTS})


_NUMPY_FUNCTIONS: Final[dict[str, Callable[..., Any]]] = {
    "softplus": lambda z: np.logaddexp(0.0, z),
    "positive_part": lambda z: np.maximum(z, 0.0),
}


@cache
def _compiled_rhs() -> Callable[..., list[FloatArray]]:
    derivatives = state_derivatives()
    arguments = [*P.values(), *Y.values(), *U.values()]
    expressions = [_substituted(derivatives[s]) for s in State]
    function: Callable[..., list[FloatArray]] = sp.lambdify(
        arguments, expressions, modules=[_NUMPY_FUNCTIONS, "numpy"], cse=True
    )
    return function


def rhs(
    y: FloatArray,
    p: FloatArray,
    supplement_mmol_per_day: FloatArray,
    supplement_accessible_mmol_per_day: FloatArray,
) -> FloatArray:
    """Full right-hand side ``dy/dt`` (per day) derived from the definition, ``(n, N_STATES)``.

    Parameters
    ----------
    y : ndarray
        States, shape ``(n_subjects, N_STATES)``, units of :data:`~mgir.model.STATE_UNITS`.
    p : ndarray
        Parameters, shape ``(n_subjects, N_PARAMS)``.
    supplement_mmol_per_day, supplement_accessible_mmol_per_day : ndarray
        Supplement Mg taken and its bioaccessible part, shape ``(n_subjects,)``.
    """
    values = _compiled_rhs()(
        *p.T, *y.T, supplement_mmol_per_day, supplement_accessible_mmol_per_day
    )
    out = np.empty((y.shape[0], N_STATES))
    for s, value in zip(State, values, strict=True):
        out[:, s.pos] = value
    return out
