"""SBML export: valid Level 3, and libRoadRunner reproduces the native trajectories."""

from __future__ import annotations

import numpy as np
import pytest

from mgir.model import (
    Regimen,
    ScipyReference,
    State,
    export_sbml,
    fit_person,
    simulate,
)

libsbml = pytest.importorskip("libsbml")


def test_export_is_valid_sbml_level3(tmp_path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "model.xml"
    text = export_sbml(target)
    assert target.read_text(encoding="utf-8") == text
    doc = libsbml.readSBMLFromString(text)
    assert doc.getLevel() == 3
    assert doc.getNumErrors(libsbml.LIBSBML_SEV_ERROR) == 0
    assert doc.checkConsistency() == 0 or doc.getNumErrors(libsbml.LIBSBML_SEV_ERROR) == 0
    assert doc.getModel().getNumRules() > len(State)


@pytest.mark.slow
def test_roadrunner_reproduces_native_trajectories() -> None:
    roadrunner = pytest.importorskip("roadrunner")
    fit = fit_person(
        fasting_glucose_mmol_per_l=7.5,
        fasting_insulin_uiu_per_ml=12.0,
        serum_mg_mmol_per_l=0.66,
        egfr_ml_per_min_1_73m2=55.0,
    )
    regimen = Regimen.constant("magnesium oxide", 400.0)
    native = simulate(
        fit.parameters,
        initial_state=fit.initial_state,
        days=60,
        regimen=regimen,
        solver=ScipyReference(),
        save_every_days=1.0,
    )
    rr = roadrunner.RoadRunner(
        export_sbml(parameters=fit.parameters, initial_state=fit.initial_state[0], regimen=regimen)
    )
    rr.integrator.relative_tolerance = 1e-10
    rr.integrator.absolute_tolerance = 1e-10
    names = [s.value for s in State]
    rr.timeCourseSelections = ["time", *names]
    out = rr.simulate(0, 60, 61)
    for j, s in enumerate(State, start=1):
        np.testing.assert_allclose(
            out[:, j], native.state(s)[0], rtol=1e-5, atol=1e-8, err_msg=s.value
        )
