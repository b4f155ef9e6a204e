"""SimulationResult export and provenance; input validation of simulate and regimens."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from mgir import model
from mgir._errors import InvalidInputError
from mgir.model import (
    Output,
    QuasiSteadyState,
    Regimen,
    SimulationResult,
    State,
    default_parameters,
    simulate,
    simulate_person,
)


def test_public_api_is_exported() -> None:
    for name in model.__all__:
        assert hasattr(model, name), name
    public = {n for n in dir(model) if not n.startswith("_")} - {"annotations"}
    assert public - set(model.__all__) == set()


def test_provenance_and_exports_round_trip(tmp_path) -> None:  # type: ignore[no-untyped-def]
    r = simulate(
        default_parameters(2),
        days=10,
        regimen=Regimen.constant("magnesium citrate", 300.0),
        seed=7,
        save_every_days=5.0,
    )
    prov = r.provenance
    for key in (
        "package_version",
        "model_version",
        "parameter_set_id",
        "solver",
        "seed",
        "calibration_id",
        "regimen",
        "references",
    ):
        assert key in prov
    assert prov["seed"] == 7
    assert prov["solver"]["dt_days"] == 0.25
    assert list(r.time_days) == [0.0, 5.0, 10.0]
    frame = r.to_dataframe()
    assert len(frame) == 2 * 3
    assert frame.attrs["provenance"]["parameter_set_id"] == prov["parameter_set_id"]
    np.testing.assert_allclose(
        frame[Output.SERUM_MG.value].to_numpy(), r.output(Output.SERUM_MG).reshape(-1)
    )
    csv_path = r.to_csv(tmp_path / "traj.csv")
    import pandas as pd

    back = pd.read_csv(csv_path)
    np.testing.assert_allclose(
        back[State.MG_EXTRACELLULAR.value].to_numpy(),
        r.state(State.MG_EXTRACELLULAR).reshape(-1),
        rtol=1e-15,
    )
    meta = json.loads((tmp_path / "traj.csv.provenance.json").read_text())
    assert meta["model_version"] == prov["model_version"]
    pytest.importorskip("pyarrow")
    pq_path = r.to_parquet(tmp_path / "traj.parquet")
    back2 = pd.read_parquet(pq_path)
    np.testing.assert_allclose(
        back2[Output.HOMA_IR.value].to_numpy(), r.output(Output.HOMA_IR).reshape(-1), rtol=1e-15
    )
    loaded = SimulationResult.from_parquet(pq_path)
    np.testing.assert_array_equal(loaded.states, r.states)
    np.testing.assert_array_equal(loaded.time_days, r.time_days)
    np.testing.assert_array_equal(loaded.parameters.values, r.parameters.values)
    assert loaded.provenance["parameter_set_id"] == prov["parameter_set_id"]


def test_results_are_read_only() -> None:
    r = simulate(default_parameters(), days=2)
    with pytest.raises(ValueError, match="read-only"):
        r.states[0, 0, 0] = 1.0


def test_the_result_keeps_the_solver_array_without_copying_it() -> None:
    # A year of daily saves for 10^5 subjects is 3.8 GB: a copy would double the peak.
    from mgir.model import QuasiSteadyState, SimulationResult

    seen = {}

    class Recording(QuasiSteadyState):
        def integrate(self, p, y0, save_days, regimen):  # type: ignore[no-untyped-def]
            seen["states"] = super().integrate(p, y0, save_days, regimen)
            return seen["states"]

    r = simulate(default_parameters(3), days=10, solver=Recording())
    assert r.states is seen["states"]
    # A result built from a caller's writable array still copies it (the caller keeps theirs).
    mine = np.zeros((1, 2, r.states.shape[2]))
    built = SimulationResult(
        time_days=np.array([0.0, 1.0]), states=mine, parameters=default_parameters(), provenance={}
    )
    assert built.states is not mine
    mine[0, 0, 0] = 5.0
    assert built.states[0, 0, 0] == 0.0


def test_inputs_are_not_mutated() -> None:
    p = default_parameters(2)
    from mgir.model import steady_state

    y0 = steady_state(p)
    y0_copy = y0.copy()
    simulate(p, days=5, initial_state=y0, regimen=Regimen.constant("magnesium oxide", 200.0))
    np.testing.assert_array_equal(y0, y0_copy)


@pytest.mark.parametrize("days", [0.0, -3.0, math.nan, math.inf])
def test_bad_duration_raises(days: float) -> None:
    with pytest.raises(InvalidInputError) as err:
        simulate(default_parameters(), days=days)
    assert err.value.field == "days"
    assert err.value.unit == "day"


@pytest.mark.parametrize("dose", [-1.0, math.nan, 1e6])
def test_bad_dose_raises(dose: float) -> None:
    with pytest.raises(InvalidInputError) as err:
        Regimen.constant("magnesium citrate", dose)
    assert err.value.field == "elemental_mg_per_day"
    assert err.value.unit == "mg/day"


def test_bad_solver_settings_and_shapes_raise() -> None:
    with pytest.raises(InvalidInputError):
        QuasiSteadyState(dt_days=0.0)
    with pytest.raises(InvalidInputError):
        simulate(default_parameters(2), days=10, initial_state=np.ones((3, 11)))
    with pytest.raises(InvalidInputError):
        Regimen.constant("magnesium citrate", 100.0, start_day=5.0, end_day=2.0)


def test_save_times_and_dose_changes_off_the_step_grid_are_exact() -> None:
    """Off-grid save times and dose changes become step boundaries (no rounding)."""
    reg = Regimen.constant("magnesium citrate", 300.0, start_day=2.1, end_day=7.3)
    r = simulate(
        default_parameters(),
        days=10.1,
        save_every_days=0.3,
        regimen=reg,
        solver=QuasiSteadyState(dt_days=1.0),
    )
    assert r.time_days[-1] == pytest.approx(10.1)
    assert r.time_days[1] == pytest.approx(0.3)
    food = r.state(State.CUMULATIVE_INTAKE)[0, -1] - r.state(State.CUMULATIVE_INTAKE)[0, 0]
    expected = (300.0 / 24.305) * (7.3 - 2.1) + 10.1 * 300.0 / 24.305  # supplement + diet
    assert food == pytest.approx(expected, rel=1e-12)


def test_uncertainty_bands_bracket_and_start_at_the_labs() -> None:
    u = simulate_person(
        days=84,
        regimen=Regimen.constant("magnesium chloride", 450.0),
        fasting_glucose_mmol_per_l=5.6,
        fasting_insulin_uiu_per_ml=18.0,
        serum_mg_mmol_per_l=0.62,
        n_draws=64,
        seed=1,
    )
    for o in (Output.SERUM_MG, Output.HOMA_IR, Output.FASTING_GLUCOSE):
        band = u.bands(o)
        assert np.all(band[0] <= band[1] + 1e-12)
        assert np.all(band[1] <= band[2] + 1e-12)
        np.testing.assert_allclose(band[:, 0], u.central.output(o)[0, 0], rtol=1e-9)
    homa = u.bands(Output.HOMA_IR)
    assert homa[2, -1] - homa[0, -1] > 0.01  # the calibration is uncertain
    summary = u.summary()
    assert summary["serum_magnesium"]["unit"] == "mmol/L"
    assert summary["homa_ir"]["end_low"] <= summary["homa_ir"]["end_high"]
