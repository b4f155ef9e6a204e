"""The model's state layout, named once.

Every index constant, ``to_array`` and ``from_array`` derive from :class:`State`; nothing else in
the package spells a state position.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final

import numpy as np
from numpy.typing import NDArray

from mgir._errors import InvalidInputError

__all__ = ["N_STATES", "STATE_UNITS", "State", "from_array", "to_array"]

FloatArray = NDArray[np.float64]


class State(StrEnum):
    """State variables, in array order. Units are part of each name.

    ``glucose_mg_per_dl`` and ``insulin_uiu_per_ml`` are fasting plasma values; the fast solver
    holds them at their quasi-steady state, the reference solver integrates them. The four
    ``cumulative_*`` states are running totals that make mass balance checkable.
    """

    GLUCOSE = "glucose_mg_per_dl"
    INSULIN = "insulin_uiu_per_ml"
    BETA_CELL_MASS = "beta_cell_mass_mg"
    MG_EXTRACELLULAR = "mg_extracellular_mmol"
    MG_INTRACELLULAR = "mg_intracellular_mmol"
    MG_BONE_FAST = "mg_bone_fast_mmol"
    MG_BONE_SLOW = "mg_bone_slow_mmol"
    CUMULATIVE_INTAKE = "cumulative_intake_mmol"
    CUMULATIVE_ABSORBED = "cumulative_absorbed_mmol"
    CUMULATIVE_FAECAL = "cumulative_faecal_mmol"
    CUMULATIVE_URINARY = "cumulative_urinary_mmol"
    HBA1C = "hba1c_percent"
    BETA_SETPOINT = "beta_setpoint_glucose_mg_per_dl"

    @property
    def pos(self) -> int:
        """Position of the state in the last axis of a state array."""
        return _INDEX[self]


_INDEX: Final[dict[State, int]] = {s: i for i, s in enumerate(State)}
N_STATES: Final[int] = len(State)

STATE_UNITS: Final[Mapping[State, str]] = {
    State.GLUCOSE: "mg/dL",
    State.INSULIN: "uIU/mL",
    State.BETA_CELL_MASS: "mg",
    State.MG_EXTRACELLULAR: "mmol",
    State.MG_INTRACELLULAR: "mmol",
    State.MG_BONE_FAST: "mmol",
    State.MG_BONE_SLOW: "mmol",
    State.CUMULATIVE_INTAKE: "mmol",
    State.CUMULATIVE_ABSORBED: "mmol",
    State.CUMULATIVE_FAECAL: "mmol",
    State.CUMULATIVE_URINARY: "mmol",
    State.HBA1C: "percent",
    State.BETA_SETPOINT: "mg/dL",
}


def to_array(values: Mapping[State | str, float | FloatArray]) -> FloatArray:
    """Build a ``(n_subjects, N_STATES)`` array from a mapping with every state name.

    Scalars broadcast to the largest subject count given.
    """
    missing = [s.value for s in State if s not in values and s.value not in values]
    if missing:
        raise InvalidInputError(field="state", value=missing, allowed=f"all of {list(State)}")
    columns = [
        np.atleast_1d(np.asarray(values.get(s, values.get(s.value)), dtype=float)) for s in State
    ]
    n = max(c.shape[0] for c in columns)
    return np.stack([np.broadcast_to(c, (n,)) for c in columns], axis=-1).copy()


def from_array(y: FloatArray) -> dict[State, FloatArray]:
    """Split a ``(..., N_STATES)`` array into named views (no copy)."""
    if y.shape[-1] != N_STATES:
        raise InvalidInputError(field="y", value=y.shape, allowed=f"last axis of length {N_STATES}")
    return {s: y[..., s.pos] for s in State}
