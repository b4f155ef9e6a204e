"""The shipped calibration is consistent with the model code and its targets."""

from __future__ import annotations

import pytest

from mgir.model import Param, calibration_record, default_parameters, parameter_info
from mgir.model._calibration import FREE_PARAMETERS, calibration_targets, predict_targets
from mgir.reference import source


def test_targets_cite_resolving_sources_and_have_positive_errors() -> None:
    for t in calibration_targets():
        assert t.standard_error > 0
        source(t.source_key)


def test_shipped_calibration_covers_the_free_parameters() -> None:
    record = calibration_record()
    # The trial stage's free parameters, then the progression stage's drift rate.
    fitted = (*FREE_PARAMETERS, Param.PROGRESSION_RATE)
    assert set(record["parameters"]) == {p.value for p in fitted}
    info = parameter_info()
    for p in fitted:
        assert info[p].role == "calibrated"
        assert info[p].value == record["parameters"][p.value]


@pytest.mark.slow
def test_shipped_predictions_match_the_current_model() -> None:
    """Fails when equations or data change without rerunning scripts/calibrate_model.py."""
    record = calibration_record()
    dt = float(record["fit"]["solver_dt_days"])
    pred = predict_targets(default_parameters(), dt_days=dt)
    for key, value in record["fit"]["predictions"].items():
        assert pred[key] == pytest.approx(value, rel=1e-6, abs=1e-9), key
