"""The state layout is defined once and round-trips."""

from __future__ import annotations

import numpy as np
import pytest

from mgir._errors import InvalidInputError
from mgir.model import N_STATES, STATE_UNITS, State, from_array, to_array
from mgir.units import ureg


def test_positions_follow_definition_order() -> None:
    assert [s.pos for s in State] == list(range(N_STATES))
    assert set(STATE_UNITS) == set(State)
    for unit in STATE_UNITS.values():
        ureg.parse_units(unit)


def test_to_array_and_from_array_round_trip() -> None:
    values = {s: np.arange(3, dtype=float) + 10 * k for k, s in enumerate(State)}
    y = to_array(values)
    assert y.shape == (3, N_STATES)
    back = from_array(y)
    for s in State:
        np.testing.assert_array_equal(back[s], values[s])
    by_name = to_array({s.value: 1.0 for s in State})
    assert by_name.shape == (1, N_STATES)


def test_missing_state_or_bad_shape_raises() -> None:
    with pytest.raises(InvalidInputError):
        to_array({State.GLUCOSE: 1.0})
    with pytest.raises(InvalidInputError):
        from_array(np.zeros((2, N_STATES + 1)))
