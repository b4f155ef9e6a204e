"""SBML export: species, compartments, reactions and units from the one definition.

The document must pass libsbml's consistency checks, units included, with no error and no
warning; libRoadRunner and COPASI (``copasi-basico``) must reproduce mgir's stiff reference
solver for a fitted person with a dose that starts and stops (events).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from mgir.model import (
    Param,
    Regimen,
    ScipyReference,
    State,
    export_sbml,
    fit_person,
    simulate,
)
from mgir.model._definition import QUANTITIES, RATE_RULES, REACTIONS, SPECIES_COMPARTMENT

libsbml = pytest.importorskip("libsbml")

MG_SPECIES = {
    State.MG_EXTRACELLULAR,
    State.MG_INTRACELLULAR,
    State.MG_BONE_FAST,
    State.MG_BONE_SLOW,
    State.CUMULATIVE_INTAKE,
    State.CUMULATIVE_ABSORBED,
    State.CUMULATIVE_FAECAL,
    State.CUMULATIVE_URINARY,
}
DAYS = 60
REGIMEN = Regimen.constant("magnesium oxide", 400.0, start_day=5.0, end_day=40.0)


def _problems(text: str) -> list[str]:
    """Every error and warning of libsbml's full consistency check, strict units included."""
    doc = libsbml.readSBMLFromString(text)
    doc.setConsistencyChecks(libsbml.LIBSBML_CAT_UNITS_CONSISTENCY, True)
    doc.checkConsistency()
    doc.checkConsistencyWithStrictUnits()
    log = doc.getErrorLog()
    return [
        f"{log.getError(i).getSeverityAsString()} {log.getError(i).getErrorId()}: "
        f"{log.getError(i).getMessage()[:200]}"
        for i in range(log.getNumErrors())
    ]


@pytest.fixture(scope="module")
def person() -> tuple[object, np.ndarray]:
    fit = fit_person(
        fasting_glucose_mmol_per_l=7.5,
        fasting_insulin_uiu_per_ml=12.0,
        serum_mg_mmol_per_l=0.66,
        egfr_ml_per_min_1_73m2=55.0,
    )
    return fit.parameters, fit.initial_state


@pytest.fixture(scope="module")
def person_sbml(person: tuple[object, np.ndarray]) -> str:
    parameters, y0 = person
    return export_sbml(parameters=parameters, initial_state=y0[0], regimen=REGIMEN)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def reference(person: tuple[object, np.ndarray]) -> object:
    parameters, y0 = person
    return simulate(
        parameters,  # type: ignore[arg-type]
        initial_state=y0,
        days=DAYS,
        regimen=REGIMEN,
        solver=ScipyReference(rtol=1e-10, atol=1e-10),
        save_every_days=1.0,
    )


def test_default_export_writes_the_file_and_is_clean(tmp_path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "model.xml"
    text = export_sbml(target)
    assert target.read_text(encoding="utf-8") == text
    assert _problems(text) == []


def test_person_export_has_no_error_and_no_unit_warning(person_sbml: str) -> None:
    assert _problems(person_sbml) == []


def test_unit_check_catches_a_wrong_unit(person_sbml: str) -> None:
    """The consistency check above is not vacuous: one wrong unit makes it complain."""
    tampered, n = re.subn(
        r'(<parameter id="ecf_volume_l"[^>]*units=")u_L(")', r"\1u_mmol\2", person_sbml
    )
    assert n == 1
    problems = _problems(tampered)
    assert any(" 105" in p for p in problems), problems


def test_structure_species_compartments_reactions_units(person_sbml: str) -> None:
    model = libsbml.readSBMLFromString(person_sbml).getModel()
    species = {
        model.getSpecies(i).getId(): model.getSpecies(i) for i in range(model.getNumSpecies())
    }
    assert set(species) == {s.value for s in MG_SPECIES}
    for state, compartment in SPECIES_COMPARTMENT.items():
        sp = species[state.value]
        assert sp.getCompartment() == compartment
        assert sp.getHasOnlySubstanceUnits()
        assert sp.getSubstanceUnits() == "u_mmol"
    extracellular = model.getCompartment("extracellular")
    assert extracellular.getSize() == pytest.approx(
        float(fit_person(serum_mg_mmol_per_l=0.66).parameters.values[0, Param.ECF_VOLUME.pos])
    )
    assert model.getNumReactions() == len(REACTIONS)
    absorption = model.getReaction("intestinal_absorption")
    assert {absorption.getProduct(i).getSpecies() for i in range(absorption.getNumProducts())} == {
        State.MG_EXTRACELLULAR.value,
        State.CUMULATIVE_ABSORBED.value,
    }
    urine = model.getReaction("urinary_excretion")
    assert urine.getReactant(0).getSpecies() == State.MG_EXTRACELLULAR.value
    assert urine.getProduct(0).getSpecies() == State.CUMULATIVE_URINARY.value
    assert "urinary_mg_mmol_per_day" in libsbml.formulaToL3String(urine.getKineticLaw().getMath())
    rate_rules = {
        model.getRule(i).getVariable()
        for i in range(model.getNumRules())
        if model.getRule(i).isRate()
    }
    assert rate_rules == {s.value for s in RATE_RULES}
    assignments = {
        model.getRule(i).getVariable()
        for i in range(model.getNumRules())
        if model.getRule(i).isAssignment()
    }
    assert assignments == {q.name for q in QUANTITIES}
    for i in range(model.getNumParameters()):
        parameter = model.getParameter(i)
        assert parameter.isSetUnits(), parameter.getId()
    for p in Param:
        assert model.getParameter(p.value) is not None, p.value
    assert model.getTimeUnits() == "u_day"
    day = model.getUnitDefinition("u_day").getUnit(0)
    assert day.getKind() == libsbml.UNIT_KIND_SECOND
    assert day.getMultiplier() == pytest.approx(86400.0)


def test_dosing_is_exported_as_events(person_sbml: str) -> None:
    model = libsbml.readSBMLFromString(person_sbml).getModel()
    assert model.getNumEvents() == 2
    # Dose starts at day 5 (400 mg/day = 16.46 mmol/day) and stops at day 40.
    start, stop = model.getEvent(0), model.getEvent(1)
    assert libsbml.formulaToL3String(start.getTrigger().getMath()) == "time >= 5 u_day"
    assert libsbml.formulaToL3String(stop.getTrigger().getMath()) == "time >= 40 u_day"
    levels = {
        ea.getVariable(): libsbml.formulaToL3String(ea.getMath())
        for ea in (start.getEventAssignment(i) for i in range(start.getNumEventAssignments()))
    }
    taken = float(levels["supplement_mmol_per_day"].split()[0])
    assert taken == pytest.approx(400.0 / 24.305, rel=1e-4)
    stopped = {
        ea.getVariable(): libsbml.formulaToL3String(ea.getMath())
        for ea in (stop.getEventAssignment(i) for i in range(stop.getNumEventAssignments()))
    }
    assert stopped == {
        "supplement_mmol_per_day": "0 u_mmol_day",
        "supplement_accessible_mmol_per_day": "0 u_mmol_day",
    }
    assert model.getParameter("supplement_mmol_per_day").getValue() == 0.0


@pytest.mark.slow
def test_roadrunner_reproduces_the_reference_solver(person_sbml: str, reference: object) -> None:
    roadrunner = pytest.importorskip("roadrunner")
    rr = roadrunner.RoadRunner(person_sbml)
    rr.integrator.relative_tolerance = 1e-10
    rr.integrator.absolute_tolerance = 1e-10
    rr.timeCourseSelections = ["time", *[s.value for s in State]]
    out = rr.simulate(0, DAYS, DAYS + 1)
    for j, s in enumerate(State, start=1):
        np.testing.assert_allclose(
            out[:, j],
            reference.state(s)[0],
            rtol=1e-6,
            atol=1e-9,
            err_msg=s.value,  # type: ignore[attr-defined]
        )
    # Mass balance inside libRoadRunner: body Mg change = absorbed - urinary.
    col = {s: out[:, j] for j, s in enumerate(State, start=1)}
    body = sum(
        col[s]
        for s in (
            State.MG_EXTRACELLULAR,
            State.MG_INTRACELLULAR,
            State.MG_BONE_FAST,
            State.MG_BONE_SLOW,
        )
    )
    np.testing.assert_allclose(
        body - body[0],
        col[State.CUMULATIVE_ABSORBED]
        - col[State.CUMULATIVE_URINARY]
        - (col[State.CUMULATIVE_ABSORBED][0] - col[State.CUMULATIVE_URINARY][0]),
        atol=1e-6,
    )
    # The dose acted: serum Mg rises while it is taken and falls after it stops.
    serum = col[State.MG_EXTRACELLULAR]
    assert serum[39] > serum[5] * 1.02
    assert serum[60] < serum[40]


_COPASI_RUN = """
import sys
import basico

basico.load_model(sys.argv[1])
table = basico.run_time_course(
    duration=float(sys.argv[3]), intervals=int(sys.argv[3]), r_tol=1e-10, a_tol=1e-12,
    max_steps=1_000_000,
)
volume = float(basico.get_compartments().loc["extracellular", "initial_size"])
table["extracellular_volume_l"] = volume
table.to_csv(sys.argv[2])
"""


@pytest.mark.slow
def test_copasi_reproduces_the_reference_solver(
    person_sbml: str, reference: object, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """COPASI runs in its own interpreter: importing it resets the process locale to "C"."""
    import importlib.util
    import subprocess
    import sys

    import pandas as pd

    if importlib.util.find_spec("basico") is None:  # not imported here: it resets the locale
        pytest.skip("copasi-basico is not installed")
    model = tmp_path / "person.xml"
    model.write_text(person_sbml, encoding="utf-8")
    out = tmp_path / "copasi.csv"
    proc = subprocess.run(
        [sys.executable, "-c", _COPASI_RUN, str(model), str(out), str(DAYS)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(out)
    assert table.shape[0] == DAYS + 1
    volume = float(table["extracellular_volume_l"].iloc[0])
    for s in State:
        if s in MG_SPECIES:
            # COPASI reports species as concentrations (amount / compartment size).
            size = volume if s is State.MG_EXTRACELLULAR else 1.0
            values = table[s.value].to_numpy() * size
        else:
            values = table[f"Values[{s.value}]"].to_numpy()
        np.testing.assert_allclose(
            values,
            reference.state(s)[0],  # type: ignore[attr-defined]
            rtol=1e-6,
            atol=1e-9,
            err_msg=s.value,
        )
