"""The one entry point: :func:`simulate`."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from importlib import metadata
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

from mgir._errors import InvalidInputError
from mgir.model._inputs import Regimen
from mgir.model._parameters import ParameterSet, calibration_record, parameter_info
from mgir.model._result import SimulationResult
from mgir.model._solvers import AbstractSolver, QuasiSteadyState
from mgir.model._states import N_STATES, State
from mgir.model._steady_state import steady_state

__all__ = ["MODEL_VERSION", "calibration_id", "package_version", "simulate"]

FloatArray = NDArray[np.float64]

MODEL_VERSION: Final[str] = "1.2.0"
"""Version of the model equations and parameter table (bumped when either changes).

1.1.0: HbA1c state; medicine factors on renal excretion and absorption; defined once (SymPy).
1.2.0: the β-cell set point is a state that drifts (progression to diabetes).
"""


def package_version() -> str:
    """Installed mgir version (``importlib.metadata``), or ``"unknown"``."""
    try:
        return metadata.version("mgir")
    except metadata.PackageNotFoundError:
        return "unknown"


def calibration_id() -> str | None:
    """Short hash of the shipped calibration (``data/calibrated.toml``): the parameter set id."""
    record = calibration_record()
    if not record:
        return None
    # Hashing the record (its posterior draws included) takes ~15 ms; every evaluation asks for
    # the id, so it is kept for as long as the record object is (calibration_record's cache).
    cached = _CALIBRATION_ID.get(id(record))
    if cached is None:
        text = json.dumps(record, sort_keys=True, default=str)
        cached = hashlib.sha256(text.encode()).hexdigest()[:16]
        _CALIBRATION_ID.clear()
        _CALIBRATION_ID[id(record)] = cached
    return cached


_CALIBRATION_ID: dict[int, str] = {}


def _references() -> list[str]:
    keys: list[str] = []
    for info in parameter_info().values():
        keys.extend(k for k in info.source_keys if k not in keys)
    return keys


def simulate(
    parameters: ParameterSet,
    *,
    days: float,
    regimen: Regimen | None = None,
    initial_state: FloatArray | None = None,
    solver: AbstractSolver | None = None,
    save_every_days: float | None = 1.0,
    seed: int | None = None,
) -> SimulationResult:
    """Simulate a cohort of subjects.

    Parameters
    ----------
    parameters : ParameterSet
        One row per subject (``default_parameters``, ``fit_person``, or a virtual population).
    days : float
        Duration (days), > 0.
    regimen : Regimen, optional
        Supplement doses over time (default: none).
    initial_state : ndarray, shape (n_subjects, N_STATES), optional
        Default: each subject's steady state without supplement (:func:`steady_state`).
    solver : AbstractSolver, optional
        Default: ``QuasiSteadyState(dt_days=0.25)``.
    save_every_days : float or None
        Save interval (days); ``None`` saves only the start and the end (endpoint reduction for
        large cohorts).
    seed : int, optional
        Recorded in provenance (the model itself is deterministic).

    Returns
    -------
    SimulationResult
        Named trajectories and provenance.

    Raises
    ------
    InvalidInputError
        If ``days`` or ``save_every_days`` is not positive, or shapes do not match.
    """
    if not (np.isfinite(days) and days > 0):
        raise InvalidInputError(field="days", value=days, unit="day", allowed="> 0")
    if days > 365.25 * 100:
        raise InvalidInputError(field="days", value=days, unit="day", allowed="<= 100 years")
    regimen = regimen if regimen is not None else Regimen.none()
    solver = solver if solver is not None else QuasiSteadyState()
    p = parameters.values
    y0 = steady_state(parameters) if initial_state is None else np.array(initial_state, dtype=float)
    if y0.shape != (parameters.n_subjects, N_STATES):
        raise InvalidInputError(
            field="initial_state",
            value=y0.shape,
            allowed=f"shape ({parameters.n_subjects}, {N_STATES})",
        )
    if np.any(y0[:, [s.pos for s in State]] < 0) or not np.all(np.isfinite(y0)):
        raise InvalidInputError(
            field="initial_state", value="negative or non-finite", allowed="finite values >= 0"
        )
    if save_every_days is None:
        save = np.array([0.0, float(days)])
    else:
        if not (save_every_days > 0):
            raise InvalidInputError(
                field="save_every_days", value=save_every_days, unit="day", allowed="> 0"
            )
        n = int(np.floor(days / save_every_days + 1e-9))
        save = np.arange(n + 1) * float(save_every_days)
        if days - save[-1] > 1e-9:
            save = np.append(save, float(days))
    states = solver.integrate(p, y0, save, regimen)
    # Handed over frozen: the result keeps this array instead of copying it (a year of daily
    # saves for 10^5 subjects is 3.8 GB).
    states.flags.writeable = False
    provenance: dict[str, Any] = {
        "package": "mgir",
        "package_version": package_version(),
        "model_version": MODEL_VERSION,
        "parameter_set_id": parameters.digest(),
        "parameter_set_label": parameters.label,
        "calibration_id": calibration_id(),
        "solver": solver.describe(),
        "seed": seed,
        "days": float(days),
        "n_subjects": parameters.n_subjects,
        "regimen": regimen.describe(),
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "references": _references(),
    }
    return SimulationResult(
        time_days=save, states=states, parameters=parameters, provenance=provenance
    )
