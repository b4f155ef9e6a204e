"""SBML Level 3 export, generated from the one model definition (python-libsbml, extra ``sbml``).

The document is built from :mod:`mgir.model._definition`:

- every Mg pool is a species (amount in mmol) in its compartment; the running totals of Mg
  ingested, absorbed, lost in faeces and in urine are species in bookkeeping compartments, so
  that mass balance can be checked in any simulator;
- every Mg flux is a reaction with its kinetic law (mmol/day);
- fasting glucose, insulin and β-cell mass follow rate rules (Topp 2000 dynamics);
- every intermediate quantity is an assignment rule, every parameter and constant a global
  parameter, each with a unit definition derived with pint from the unit mgir states for it;
- the supplement regimen is a pair of input parameters set by events at the days the dose
  changes.

The result passes libsbml's consistency checks, units included, with no error and no warning.
Insulin's international unit is an arbitrary biological unit: it is exported as the SBML unit
kind ``item``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import Any, Final

import numpy as np
import sympy as sp

from mgir._errors import InvalidInputError
from mgir.model._definition import (
    CONSTANTS,
    INPUTS,
    QUANTITIES,
    RATE_RULES,
    REACTIONS,
    SPECIES_COMPARTMENT,
    positive_part,
    softplus,
)
from mgir.model._inputs import Regimen
from mgir.model._parameters import Param, ParameterSet, default_parameters, parameter_info
from mgir.model._simulate import MODEL_VERSION
from mgir.model._states import STATE_UNITS, State
from mgir.model._steady_state import steady_state
from mgir.units import ureg

__all__ = ["export_sbml", "sbml_infix"]

MODEL_ID: Final[str] = "mgir_magnesium_insulin_glucose"

_COMPARTMENT_DESCRIPTIONS: Final[Mapping[str, str]] = {
    "extracellular": "Plasma and interstitial fluid (the serum Mg space); size = ecf_volume_l",
    "intracellular": "Exchangeable intracellular Mg (amounts only)",
    "bone": "Surface and deep bone Mg (amounts only)",
    "ingested": "Bookkeeping: Mg ingested so far",
    "absorbed": "Bookkeeping: Mg absorbed so far",
    "faeces": "Bookkeeping: Mg lost in faeces so far",
    "urine": "Bookkeeping: Mg lost in urine so far",
}

# pint root units -> SBML unit kinds (libsbml constants are looked up by name at export time).
_KINDS: Final[Mapping[str, str]] = {
    "gram": "UNIT_KIND_GRAM",
    "meter": "UNIT_KIND_METRE",
    "second": "UNIT_KIND_SECOND",
    "mole": "UNIT_KIND_MOLE",
    "international_unit": "UNIT_KIND_ITEM",
}


def _number(value: float) -> str:
    text = repr(float(value))
    return f"({text} dimensionless)" if value >= 0 else f"(-({text[1:]} dimensionless))"


def sbml_infix(expression: sp.Expr) -> str:
    """SBML Level 3 infix text of a model expression, every number marked dimensionless.

    ``softplus(z)`` becomes ``ln(1 + exp(z))`` and ``positive_part(z)`` becomes
    ``(z + abs(z))/2``, which keep units checkable (``max(z, 0)`` would compare a quantity
    with a dimensionless zero).
    """
    e = expression
    if isinstance(e, sp.Symbol):
        return str(e.name)
    if e.is_Number:
        return _number(float(e))
    args = [sbml_infix(a) for a in e.args]
    if isinstance(e, sp.Add | sp.Mul):
        return "(" + (" + " if isinstance(e, sp.Add) else " * ").join(args) + ")"
    if isinstance(e, sp.Pow):
        if e.args[1] == -1:
            return f"({_number(1.0)} / {args[0]})"
        return f"({args[0]} ^ {args[1]})"
    for kind, template in _FUNCTIONS:
        if isinstance(e, kind):
            return template.format(z=args[0], one=_number(1.0), half=_number(0.5))
    raise TypeError(f"no SBML form for {type(e).__name__}: {e}")


_FUNCTIONS: Final[tuple[tuple[type, str], ...]] = (
    (sp.exp, "exp({z})"),
    (sp.log, "ln({z})"),
    (sp.Abs, "abs({z})"),
    (softplus, "ln({one} + exp({z}))"),
    (positive_part, "({half} * ({z} + abs({z})))"),
)


class _Builder:
    """Holds the libsbml document while it is filled in; every call is checked."""

    def __init__(self) -> None:
        import libsbml  # noqa: PLC0415 - optional dependency

        self.libsbml = libsbml
        self.document = libsbml.SBMLDocument(3, 2)
        self.model = self.document.createModel()
        self.units: dict[str, str] = {"dimensionless": "dimensionless"}

    def check(self, code: int, what: str) -> None:
        if code != self.libsbml.LIBSBML_OPERATION_SUCCESS:
            reason = self.libsbml.OperationReturnValue_toString(code)
            raise RuntimeError(f"libsbml failed to {what}: {reason}")

    def math(self, formula: str, what: str) -> Any:
        math_ast = self.libsbml.parseL3Formula(formula)
        if math_ast is None:
            raise RuntimeError(f"cannot parse {what}: {self.libsbml.getLastParseL3Error()}")
        return math_ast

    def unit(self, text: str) -> str:
        """SBML unit id of a pint unit string (a unit definition is created once)."""
        if text in self.units:
            return self.units[text]
        root = ureg.Quantity(1.0, text).to_root_units()
        items = [(str(name), float(exp)) for name, exp in root.unit_items()]  # type: ignore[arg-type]
        base_id = "u_" + re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")
        uid, n = base_id, 1
        while uid in self.units.values():
            n += 1
            uid = f"{base_id}_{n}"
        definition = self.model.createUnitDefinition()
        self.check(definition.setId(uid), f"set unit id {uid}")
        magnitude = float(root.magnitude)
        if not items:
            items = [("dimensionless", 1.0)]
        for i, (name, exponent) in enumerate(items):
            unit = definition.createUnit()
            kind = (
                self.libsbml.UNIT_KIND_DIMENSIONLESS
                if name == "dimensionless"
                else getattr(self.libsbml, _KINDS[name])
            )
            self.check(unit.setKind(kind), f"set kind of {uid}")
            self.check(unit.setExponent(exponent), f"set exponent of {uid}")
            self.check(unit.setScale(0), f"set scale of {uid}")
            # The whole magnitude rides on the first unit: (m · kind)^exponent.
            multiplier = magnitude ** (1.0 / exponent) if i == 0 else 1.0
            self.check(unit.setMultiplier(multiplier), f"set multiplier of {uid}")
        self.units[text] = uid
        return uid

    def parameter(
        self, pid: str, value: float, unit: str, *, constant: bool, name: str = ""
    ) -> None:
        par = self.model.createParameter()
        self.check(par.setId(pid), f"set id {pid}")
        self.check(par.setValue(float(value)), f"set value of {pid}")
        self.check(par.setUnits(self.unit(unit)), f"set units of {pid}")
        self.check(par.setConstant(constant), f"set constant of {pid}")
        if name:
            self.notes(par, name)

    def notes(self, element: Any, text: str) -> None:
        body = f'<body xmlns="http://www.w3.org/1999/xhtml"><p>{escape(text)}</p></body>'
        self.check(element.setNotes(body), f"set notes of {element.getId()}")


def _regimen_levels(
    regimen: Regimen, start_day: float
) -> tuple[tuple[float, float], list[tuple[float, float, float]]]:
    """Supplement levels at ``start_day`` and at every later breakpoint, for subject 0."""
    one = regimen.take(slice(0, 1))
    supp, acc = one.supplement_mmol_per_day(start_day, 1)
    changes = []
    for day in regimen.breakpoints():
        if day > start_day:
            s, a = one.supplement_mmol_per_day(day, 1)
            changes.append((day, float(s[0]), float(a[0])))
    return (float(supp[0]), float(acc[0])), changes


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
        First row is exported (default: the calibrated reference adult); pass a fitted
        person's parameters (:func:`mgir.model.fit_person`) to export that person.
    initial_state : ndarray, optional
        Initial state of that subject (default: its steady state).
    regimen : Regimen, optional
        The supplement regimen (subject 0's doses), exported as events that set
        ``supplement_mmol_per_day`` and ``supplement_accessible_mmol_per_day`` on every day
        the dose changes. Default: no supplement.

    Returns
    -------
    str
        The SBML document. Time is in days; every quantity carries its unit definition.

    Raises
    ------
    ImportError
        If python-libsbml is not installed (``pip install mgir[sbml]``).
    InvalidInputError
        If ``initial_state`` does not have one value per state.
    """
    params = parameters if parameters is not None else default_parameters()
    p1 = params.subset(slice(0, 1))
    y0 = steady_state(p1)[0] if initial_state is None else np.asarray(initial_state).reshape(-1)
    if y0.shape != (len(State),):
        raise InvalidInputError(
            field="initial_state", value=list(y0.shape), allowed=f"{len(State)} state values"
        )
    (supp0, acc0), changes = _regimen_levels(regimen or Regimen.none(), 0.0)

    b = _Builder()
    model = b.model
    b.check(model.setId(MODEL_ID), "set model id")
    b.check(model.setName(f"mgir magnesium-insulin-glucose model {MODEL_VERSION}"), "set name")
    b.check(model.setTimeUnits(b.unit("day")), "set time units")
    b.check(model.setSubstanceUnits(b.unit("mmol")), "set substance units")
    b.check(model.setExtentUnits(b.unit("mmol")), "set extent units")
    b.check(model.setVolumeUnits(b.unit("L")), "set volume units")

    values = {p: float(p1.values[0, p.pos]) for p in Param}
    table = parameter_info()
    for p in Param:
        info = table[p]
        b.parameter(p.value, values[p], info.unit, constant=True, name=info.description)
    for c in CONSTANTS:
        b.parameter(c.name, c.value, c.unit, constant=True, name=c.description)
    for i, value in zip(INPUTS, (supp0, acc0), strict=True):
        b.parameter(i.name, value, i.unit, constant=False, name=i.description)

    for cid, description in _COMPARTMENT_DESCRIPTIONS.items():
        comp = model.createCompartment()
        b.check(comp.setId(cid), f"set compartment {cid}")
        b.notes(comp, description)
        b.check(comp.setSpatialDimensions(3.0), f"set dimensions of {cid}")
        size = values[Param.ECF_VOLUME] if cid == "extracellular" else 1.0
        b.check(comp.setSize(size), f"set size of {cid}")
        b.check(comp.setUnits(b.unit("L")), f"set units of {cid}")
        b.check(comp.setConstant(True), f"set constant of {cid}")
    assignment = model.createInitialAssignment()
    b.check(assignment.setSymbol("extracellular"), "set ECF initial assignment")
    b.check(assignment.setMath(b.math(Param.ECF_VOLUME.value, "ECF volume")), "set ECF volume math")

    for state, compartment in SPECIES_COMPARTMENT.items():
        species = model.createSpecies()
        b.check(species.setId(state.value), f"set species {state.value}")
        b.check(species.setCompartment(compartment), f"set compartment of {state.value}")
        b.check(species.setInitialAmount(float(y0[state.pos])), f"set amount of {state.value}")
        b.check(species.setSubstanceUnits(b.unit("mmol")), f"set units of {state.value}")
        b.check(species.setHasOnlySubstanceUnits(True), f"amounts for {state.value}")
        b.check(species.setBoundaryCondition(False), f"boundary of {state.value}")
        b.check(species.setConstant(False), f"constant of {state.value}")

    for state in RATE_RULES:
        b.parameter(state.value, float(y0[state.pos]), STATE_UNITS[state], constant=False)
    for q in QUANTITIES:
        b.parameter(q.name, 0.0, q.unit, constant=False, name=q.description)
        rule = model.createAssignmentRule()
        b.check(rule.setVariable(q.name), f"set rule of {q.name}")
        b.check(rule.setMath(b.math(sbml_infix(q.expression), q.name)), f"math of {q.name}")
    for state, expression in RATE_RULES.items():
        rule = model.createRateRule()
        b.check(rule.setVariable(state.value), f"set rate rule of {state.value}")
        b.check(rule.setMath(b.math(sbml_infix(expression), state.value)), f"math of {state.value}")

    for reaction in REACTIONS:
        r = model.createReaction()
        b.check(r.setId(reaction.name), f"set reaction {reaction.name}")
        b.notes(r, reaction.description)
        b.check(r.setReversible(reaction.reversible), f"reversible {reaction.name}")
        for side, states in (("reactant", reaction.reactants), ("product", reaction.products)):
            for state in states:
                ref = r.createReactant() if side == "reactant" else r.createProduct()
                b.check(ref.setSpecies(state.value), f"{side} of {reaction.name}")
                b.check(ref.setStoichiometry(1.0), f"stoichiometry in {reaction.name}")
                b.check(ref.setConstant(True), f"constant stoichiometry in {reaction.name}")
        law = r.createKineticLaw()
        b.check(
            law.setMath(b.math(sbml_infix(reaction.rate), reaction.name)),
            f"kinetic law of {reaction.name}",
        )

    for n, (day, supp, acc) in enumerate(changes, start=1):
        event = model.createEvent()
        b.check(event.setId(f"dose_change_{n}"), "set event id")
        b.check(event.setUseValuesFromTriggerTime(True), "set event timing")
        trigger = event.createTrigger()
        b.check(trigger.setInitialValue(False), "set trigger initial value")
        b.check(trigger.setPersistent(True), "set trigger persistence")
        day_text = f"({float(day)!r} {b.unit('day')})"
        b.check(trigger.setMath(b.math(f"time >= {day_text}", "dose trigger")), "set trigger")
        for i, value in zip(INPUTS, (supp, acc), strict=True):
            ea = event.createEventAssignment()
            b.check(ea.setVariable(i.name), "set event variable")
            value_text = f"({value!r} {b.unit(i.unit)})"
            b.check(ea.setMath(b.math(value_text, "dose level")), "set event value")

    text: str = b.libsbml.writeSBMLToString(b.document)
    written = b.libsbml.readSBMLFromString(text)
    if written.checkConsistency() and written.getNumErrors(b.libsbml.LIBSBML_SEV_ERROR):
        raise RuntimeError(written.getErrorLog().toString())
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text
