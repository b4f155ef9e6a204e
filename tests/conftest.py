from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
SHARED = REPO.parent / "shared"


@pytest.fixture(autouse=True)
def _strict_numpy():
    # Floating-point surprises are errors in tests, as warnings are; underflow to zero is not one.
    with np.errstate(divide="raise", over="raise", invalid="raise", under="ignore"):
        yield


def example_files() -> list[Path]:
    return sorted(EXAMPLES.glob("*.toml"))
